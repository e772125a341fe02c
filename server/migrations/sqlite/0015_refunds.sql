-- Refunds a merchant asked for. The request (with its idempotency key `{order}/refund/{n}`) is
-- written before the rail is called, and only if what was refunded or asked so far plus this
-- stays within what was paid, checked in the same write transaction: two refunds at once
-- cannot give back more than was taken. The settler asks the rail with the key until it
-- decides; an approval writes the refund transfer in the transaction that records it.
CREATE TABLE refunds (
    key          TEXT    PRIMARY KEY,
    order_id     TEXT    NOT NULL REFERENCES orders (id),
    n            INTEGER NOT NULL CHECK (n >= 0),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    state        TEXT    NOT NULL CHECK (state IN ('requested', 'approved', 'declined')),
    reason       TEXT,
    reference    TEXT,
    actor        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    UNIQUE (order_id, n),
    CHECK ((state = 'requested') = (finished_at IS NULL))
);

CREATE INDEX refunds_open ON refunds (created_at) WHERE state = 'requested';

CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
BEGIN SELECT RAISE(ABORT, 'refunds are never deleted'); END;
CREATE TRIGGER refunds_decided BEFORE UPDATE ON refunds WHEN OLD.state != 'requested'
BEGIN SELECT RAISE(ABORT, 'a decided refund never changes'); END;
