-- People's decisions on reconciliation items that waited for one (the console's conflicts
-- queue). Marking an item reviewed is written with the item's change from open to applied.
-- A refund gives back what the rail took that the ledger never held, in two steps: the
-- decision is written `asked` with its key (`{order}/recon/{item}`) and amount before the rail
-- is called, so no other decision can race it and a retry asks again under the same key; the
-- rail's approval makes it `done`, closes the item and writes the two correction transfers
-- (`{order}/recon/{item}/in`, `/out`) in one transaction; a refusal makes it `declined` and
-- leaves the item open. Decisions are never deleted and change only from asked, once.
CREATE TABLE reconciliation_resolutions (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES reconciliation_items (id),
    action       TEXT    NOT NULL CHECK (action IN ('refund', 'manual_review')),
    state        TEXT    NOT NULL CHECK (state IN ('asked', 'done', 'declined')),
    note         TEXT    NOT NULL CHECK (length(note) <= 2000),
    merchant_id  INTEGER NOT NULL REFERENCES merchants (id),
    actor        TEXT    NOT NULL,
    refund_key   TEXT    UNIQUE,
    amount_minor INTEGER CHECK (amount_minor > 0),
    currency     TEXT,
    reference    TEXT,
    reason       TEXT,
    at           INTEGER NOT NULL,
    decided_at   INTEGER,
    CHECK ((action = 'refund') = (refund_key IS NOT NULL AND amount_minor IS NOT NULL
                                  AND currency IS NOT NULL)),
    CHECK (action = 'refund' OR (state = 'done' AND note != '')),
    CHECK ((action = 'refund' AND state = 'done') = (reference IS NOT NULL)),
    CHECK ((state = 'declined') = (reason IS NOT NULL)),
    CHECK ((state = 'asked') = (decided_at IS NULL))
);

-- One live decision per item: a declined refund leaves room for another decision.
CREATE UNIQUE INDEX reconciliation_resolutions_live ON reconciliation_resolutions (item_id)
    WHERE state != 'declined';

CREATE TRIGGER reconciliation_resolutions_no_delete BEFORE DELETE ON reconciliation_resolutions
BEGIN SELECT RAISE(ABORT, 'a decision is kept as made'); END;
CREATE TRIGGER reconciliation_resolutions_once BEFORE UPDATE ON reconciliation_resolutions
WHEN OLD.state != 'asked' OR NEW.state = 'asked' OR NEW.item_id != OLD.item_id
  OR NEW.action != OLD.action OR NEW.note != OLD.note OR NEW.merchant_id != OLD.merchant_id
  OR NEW.actor != OLD.actor OR NEW.refund_key IS NOT OLD.refund_key
  OR NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency
  OR NEW.at != OLD.at
BEGIN SELECT RAISE(ABORT, 'a decision changes once, from asked'); END;
-- A decision is made on an open item only.
CREATE TRIGGER reconciliation_resolutions_open_only BEFORE INSERT ON reconciliation_resolutions
WHEN (SELECT status FROM reconciliation_items WHERE id = NEW.item_id) IS NOT 'open'
BEGIN SELECT RAISE(ABORT, 'only an open item takes a decision'); END;
