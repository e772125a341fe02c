-- Reconciliation: what the rails report (attestations), kept as received, each with how it was
-- read against our ledger; and the items it raised, for people or applied when proven safe.

-- How far each rail's report stream has been read, advanced in the transaction that stores
-- what was read: a window never skips or reads a report twice.
CREATE TABLE rail_cursors (
    rail TEXT    PRIMARY KEY,
    seq  INTEGER NOT NULL CHECK (seq >= 0)
) WITHOUT ROWID;

CREATE TABLE attestations (
    id           INTEGER PRIMARY KEY,
    rail         TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    -- Our idempotency key the report is about: `{order}/charge`, `{order}/mint/{n}`, a refund's.
    key          TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    amount_minor INTEGER,
    currency     TEXT,
    tx           TEXT,
    at           INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    -- When its window stored it, on the rail's clock (the one `at` is on): the latency
    -- `vitrine slo` judges, right also on a sandbox whose clock was moved ahead.
    reconciled_at INTEGER NOT NULL,
    verdict      TEXT    NOT NULL CHECK (verdict IN ('matched', 'duplicate', 'mismatch')),
    UNIQUE (rail, seq)
);

CREATE INDEX attestations_by_key ON attestations (rail, key, kind);

CREATE TRIGGER attestations_no_update BEFORE UPDATE ON attestations
BEGIN SELECT RAISE(ABORT, 'attestations are kept as received'); END;
CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations
BEGIN SELECT RAISE(ABORT, 'attestations are kept as received'); END;

-- One item per (kind, rail, key): a window that sees the same mismatch again raises nothing new.
CREATE TABLE reconciliation_items (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN
                ('missing', 'duplicate', 'amount_differs', 'reorged', 'late_finality', 'unknown')),
    rail        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    order_id    TEXT,
    detail      TEXT    NOT NULL,
    -- JSON array of suggested actions, in order of preference.
    suggested   TEXT    NOT NULL,
    -- open: waits for a person; applied: an action proven safe was applied automatically.
    status      TEXT    NOT NULL CHECK (status IN ('open', 'applied')),
    applied     TEXT,
    created_at  INTEGER NOT NULL,
    CHECK ((status = 'applied') = (applied IS NOT NULL)),
    UNIQUE (kind, rail, key)
);

CREATE TRIGGER reconciliation_items_no_delete BEFORE DELETE ON reconciliation_items
BEGIN SELECT RAISE(ABORT, 'reconciliation items are never deleted'); END;
-- An item changes once, from open to applied (late finality closes when the chain reports the
-- mint final); what it says never changes.
CREATE TRIGGER reconciliation_items_settled BEFORE UPDATE ON reconciliation_items
WHEN OLD.status != 'open' OR NEW.status != 'applied' OR NEW.kind != OLD.kind
  OR NEW.rail != OLD.rail OR NEW.key != OLD.key OR NEW.order_id IS NOT OLD.order_id
  OR NEW.detail != OLD.detail OR NEW.suggested != OLD.suggested
  OR NEW.created_at != OLD.created_at
BEGIN SELECT RAISE(ABORT, 'a reconciliation item only goes from open to applied'); END;
