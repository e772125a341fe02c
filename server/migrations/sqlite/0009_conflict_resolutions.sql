-- How a merchant resolved a conflict order: once, never edited or removed (like the ledger).
CREATE TABLE conflict_resolutions (
    order_id     TEXT    PRIMARY KEY REFERENCES orders (id),
    action       TEXT    NOT NULL
                 CHECK (action IN ('offer_edition', 'refund', 'waitlist', 'manual_review')),
    offered_item INTEGER REFERENCES items (id),
    note         TEXT    NOT NULL DEFAULT '',
    at           INTEGER NOT NULL,
    CHECK ((action = 'offer_edition') = (offered_item IS NOT NULL))
) WITHOUT ROWID;

CREATE TRIGGER conflict_resolutions_no_update BEFORE UPDATE ON conflict_resolutions
BEGIN SELECT RAISE(ABORT, 'a conflict is resolved once'); END;
CREATE TRIGGER conflict_resolutions_no_delete BEFORE DELETE ON conflict_resolutions
BEGIN SELECT RAISE(ABORT, 'a conflict is resolved once'); END;
