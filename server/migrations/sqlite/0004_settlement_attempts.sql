-- Settlement a real rail can trust: every call to a rail is an attempt, written (with its own
-- idempotency key) before the call and finished after it. A crash between the rail's charge
-- and our record leaves an unfinished attempt; the settler calls the rail again with the same
-- key, and an idempotent rail answers the charge it already made instead of making another.
-- One attempt of each kind per order (`{order}/charge`, `{order}/void`): a charge stays open
-- until the rail decides, so it never needs a second key.
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

-- A device's outstanding offline total per currency (its held orders), kept by triggers so the
-- writer reads one row instead of summing every held order of the device.
CREATE TABLE device_outstanding (
    device_key   BLOB    NOT NULL CHECK (length(device_key) = 32),
    currency     TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (device_key, currency)
) WITHOUT ROWID;

INSERT INTO device_outstanding (device_key, currency, amount_minor)
SELECT device_key, currency, sum(amount_minor) FROM orders WHERE state = 'held'
GROUP BY device_key, currency;

CREATE TRIGGER orders_outstanding_hold AFTER INSERT ON orders WHEN NEW.state = 'held'
BEGIN
    INSERT INTO device_outstanding (device_key, currency, amount_minor)
    VALUES (NEW.device_key, NEW.currency, NEW.amount_minor)
    ON CONFLICT (device_key, currency) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;

CREATE TRIGGER orders_outstanding_release AFTER UPDATE OF state ON orders
WHEN OLD.state = 'held' AND NEW.state != 'held'
BEGIN
    UPDATE device_outstanding SET amount_minor = amount_minor - OLD.amount_minor
    WHERE device_key = OLD.device_key AND currency = OLD.currency;
END;

DROP INDEX orders_outstanding;
