-- Settlement a real rail can trust: every call to a rail is an attempt, written (with its own
-- idempotency key) before the call and finished after it. A crash between the rail's charge
-- and our record leaves an unfinished attempt; the settler calls the rail again with the same
-- key, and an idempotent rail answers the charge it already made instead of making another.
CREATE TABLE settlement_attempts (
    key         TEXT    PRIMARY KEY,
    order_id    TEXT    NOT NULL REFERENCES orders (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('charge', 'void')),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    -- approved, declined, pending, failed (the rail did not answer), voided
    outcome     TEXT    CHECK (outcome IS NULL OR outcome IN
                        ('approved', 'declined', 'pending', 'failed', 'voided')),
    reference   TEXT
);

CREATE INDEX settlement_attempts_open ON settlement_attempts (order_id) WHERE finished_at IS NULL;

-- An order the settler cannot handle (its row does not read, the rail keeps failing) is set
-- aside for a person, with a code, and leaves the automatic flow; the rest keep flowing.
ALTER TABLE orders ADD COLUMN review_code TEXT;
