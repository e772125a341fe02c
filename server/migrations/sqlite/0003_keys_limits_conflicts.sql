-- Key rotation: a ring of signing keys, the newest signs. Key 1 is the key every format 1
-- quote and certificate was signed with; it moves here from `server_key` unchanged.
CREATE TABLE server_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id > 0),
    secret     BLOB    NOT NULL UNIQUE CHECK (length(secret) = 32),
    created_at INTEGER NOT NULL,
    -- Set when a newer key takes over signing; the key keeps verifying for a grace period.
    retired_at INTEGER
);

INSERT INTO server_keys (id, secret, created_at) SELECT id, secret, created_at FROM server_key;
DROP TABLE server_key;

-- Keys are never deleted or changed except to retire them once.
CREATE TRIGGER server_keys_no_delete BEFORE DELETE ON server_keys
BEGIN SELECT RAISE(ABORT, 'signing keys are never deleted'); END;
CREATE TRIGGER server_keys_retire_once BEFORE UPDATE ON server_keys
WHEN OLD.retired_at IS NOT NULL OR NEW.secret != OLD.secret OR NEW.id != OLD.id
BEGIN SELECT RAISE(ABORT, 'a signing key is retired once and never changed'); END;

-- Why a conflict order was not honoured: the stock was gone, it arrived after the offline
-- window, or it was over the device's outstanding limit. NULL for every other state.
ALTER TABLE orders ADD COLUMN conflict TEXT
    CHECK (conflict IS NULL OR conflict IN ('sold_out', 'late', 'over_limit'));
UPDATE orders SET conflict = 'sold_out' WHERE state = 'conflict';

-- The writer totals a device's orders that are not final, per currency, in the transaction
-- that takes the stock.
CREATE INDEX orders_outstanding ON orders (device_key, currency) WHERE state = 'held';
