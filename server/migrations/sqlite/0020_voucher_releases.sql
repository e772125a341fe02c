-- A priced claim whose payment is declined, or whose hold expires, gives its voucher back: the
-- collector paid nothing and may try again with another card (a new attempt, a new intent id:
-- `protocol::claims::SignedVoucher::attempt_id`). The release is written with the order's
-- move out of `held`, in its transaction (`storage/sqlite_settlement.rs`).

-- What the release looks up: the voucher an order claimed.
CREATE INDEX vouchers_by_order ON vouchers (order_id) WHERE order_id IS NOT NULL;

-- Every order that held a voucher and gave it back, kept for good: the voucher row then shows
-- only its current claim, and this shows the ones before it.
CREATE TABLE voucher_releases (
    batch_id    INTEGER NOT NULL,
    serial      INTEGER NOT NULL,
    order_id    TEXT    NOT NULL REFERENCES orders (id),
    claimed_at  INTEGER NOT NULL,
    released_at INTEGER NOT NULL,
    PRIMARY KEY (batch_id, serial, order_id),
    FOREIGN KEY (batch_id, serial) REFERENCES vouchers (batch_id, serial)
) WITHOUT ROWID;

-- A release is written only for the order that holds the voucher now, as it holds it, once
-- that order has ended without payment.
CREATE TRIGGER voucher_releases_of_the_holder BEFORE INSERT ON voucher_releases
WHEN NOT EXISTS (SELECT 1 FROM vouchers v JOIN orders o ON o.id = v.order_id
                 WHERE v.batch_id = NEW.batch_id AND v.serial = NEW.serial
                   AND v.order_id = NEW.order_id AND v.claimed_at = NEW.claimed_at
                   AND o.state IN ('declined', 'expired'))
BEGIN SELECT RAISE(ABORT, 'a voucher release names the order that holds it and ended without payment'); END;
CREATE TRIGGER voucher_releases_append_only BEFORE UPDATE ON voucher_releases
BEGIN SELECT RAISE(ABORT, 'a voucher release is never changed'); END;
CREATE TRIGGER voucher_releases_no_delete BEFORE DELETE ON voucher_releases
BEGIN SELECT RAISE(ABORT, 'a voucher release is never deleted'); END;

-- A voucher is claimed by one order at a time, and given back only by an order that ended
-- without money (declined, expired) and only once its release is on record; its key, nonce
-- and signature never change.
DROP TRIGGER vouchers_claimed_once;
CREATE TRIGGER vouchers_claimed_once BEFORE UPDATE ON vouchers
WHEN NEW.key_id IS NOT OLD.key_id OR NEW.nonce IS NOT OLD.nonce
  OR NEW.signature IS NOT OLD.signature
  OR (OLD.order_id IS NOT NULL AND NEW.order_id IS NOT NULL)
  OR (OLD.order_id IS NOT NULL AND NEW.order_id IS NULL AND (
        coalesce((SELECT state FROM orders WHERE id = OLD.order_id), '') NOT IN ('declined', 'expired')
        OR NOT EXISTS (SELECT 1 FROM voucher_releases r WHERE r.batch_id = OLD.batch_id
                       AND r.serial = OLD.serial AND r.order_id = OLD.order_id)))
BEGIN SELECT RAISE(ABORT, 'a voucher is claimed once, given back only by an order that ended without payment, and otherwise never changes'); END;

-- Vouchers held by claims that ended without payment before this migration are given back
-- now, as the settlement gives them back from here on. A hold that expired with a card
-- authorization still open waits for the void (`storage/sqlite_settlement.rs`): here, only
-- orders with no charge left open.
INSERT INTO voucher_releases (batch_id, serial, order_id, claimed_at, released_at)
SELECT v.batch_id, v.serial, v.order_id, v.claimed_at, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
FROM vouchers v JOIN orders o ON o.id = v.order_id
WHERE o.state IN ('declined', 'expired')
  AND NOT EXISTS (SELECT 1 FROM settlement_attempts a WHERE a.order_id = o.id AND a.kind = 'charge'
                  AND (a.outcome IS NULL OR a.outcome NOT IN ('voided', 'declined')));
UPDATE vouchers SET order_id = NULL, claimed_at = NULL
WHERE order_id IN (SELECT order_id FROM voucher_releases);
