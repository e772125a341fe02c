-- Refunds a merchant asked for. The request (with its idempotency key `{order}/refund/{n}`) is
-- written before the rail is called, and only if what was refunded or asked so far plus this
-- stays within what was paid, checked in the same write transaction: two refunds at once
-- cannot give back more than was taken. The settler asks the rail with the key until it
-- decides; an approval writes the refund transfer in the transaction that records it.
-- `request_key` is the merchant's Idempotency-Key: the same POST sent again (a retry after a
-- lost answer) finds the refund it opened, so a retry never asks for a second one.
CREATE TABLE refunds (
    key          TEXT    PRIMARY KEY,
    order_id     TEXT    NOT NULL REFERENCES orders (id),
    n            INTEGER NOT NULL CHECK (n >= 0),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    state        TEXT    NOT NULL CHECK (state IN ('requested', 'approved', 'declined')),
    reason       TEXT,
    reference    TEXT,
    actor        TEXT    NOT NULL,
    merchant_id  INTEGER NOT NULL REFERENCES merchants (id),
    request_key  TEXT    NOT NULL CHECK (length(request_key) BETWEEN 1 AND 255),
    -- As asked: NULL for "all that is left", so a replay is compared with what was sent.
    asked_minor  INTEGER,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    UNIQUE (order_id, n),
    UNIQUE (merchant_id, request_key),
    CHECK ((state = 'requested') = (finished_at IS NULL))
);

CREATE INDEX refunds_open ON refunds (created_at) WHERE state = 'requested';

CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
BEGIN SELECT RAISE(ABORT, 'refunds are never deleted'); END;
CREATE TRIGGER refunds_decided BEFORE UPDATE ON refunds WHEN OLD.state != 'requested'
BEGIN SELECT RAISE(ABORT, 'a decided refund never changes'); END;
