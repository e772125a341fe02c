-- QR claim batches and their vouchers. A batch's vouchers are signed when it is made and kept
-- (serial, nonce, the signing key's id and the signature) so its sheet can be printed again
-- with the same codes. Batches are revoked, never deleted; a voucher is never deleted either.

CREATE TABLE claim_batches (
    id               INTEGER PRIMARY KEY,
    merchant_id      INTEGER NOT NULL REFERENCES merchants (id),
    item_id          INTEGER NOT NULL REFERENCES items (id),
    count            INTEGER NOT NULL CHECK (count BETWEEN 1 AND 10000),
    price_minor      INTEGER NOT NULL CHECK (price_minor >= 0),
    currency         TEXT    NOT NULL CHECK (currency IN ('EUR', 'USD', 'JPY')),
    -- Unix seconds, as in the voucher.
    expires_at       INTEGER NOT NULL CHECK (expires_at BETWEEN 0 AND 4294967295),
    per_person_limit INTEGER NOT NULL CHECK (per_person_limit BETWEEN 1 AND 100),
    created_at       INTEGER NOT NULL,
    revoked_at       INTEGER
);

CREATE INDEX claim_batches_by_merchant ON claim_batches (merchant_id, id);

CREATE TRIGGER claim_batches_no_delete BEFORE DELETE ON claim_batches
BEGIN SELECT RAISE(ABORT, 'claim batches are revoked, never deleted'); END;
-- Only revocation changes a batch, and only once.
CREATE TRIGGER claim_batches_terms_fixed BEFORE UPDATE ON claim_batches
WHEN NEW.item_id IS NOT OLD.item_id OR NEW.count IS NOT OLD.count
  OR NEW.price_minor IS NOT OLD.price_minor OR NEW.currency IS NOT OLD.currency
  OR NEW.expires_at IS NOT OLD.expires_at OR NEW.per_person_limit IS NOT OLD.per_person_limit
  OR OLD.revoked_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a claim batch changes only by being revoked, once'); END;

CREATE TABLE vouchers (
    batch_id   INTEGER NOT NULL REFERENCES claim_batches (id),
    serial     INTEGER NOT NULL CHECK (serial BETWEEN 1 AND 65535),
    key_id     INTEGER NOT NULL CHECK (key_id BETWEEN 1 AND 255),
    nonce      BLOB    NOT NULL CHECK (length(nonce) = 4),
    signature  BLOB    NOT NULL CHECK (length(signature) = 64),
    -- The order that claimed it (set once, by the claim's writer).
    order_id   TEXT,
    claimed_at INTEGER,
    PRIMARY KEY (batch_id, serial),
    CHECK ((order_id IS NULL) = (claimed_at IS NULL))
) WITHOUT ROWID;

CREATE TRIGGER vouchers_no_delete BEFORE DELETE ON vouchers
BEGIN SELECT RAISE(ABORT, 'vouchers are never deleted'); END;
CREATE TRIGGER vouchers_claimed_once BEFORE UPDATE ON vouchers
WHEN OLD.order_id IS NOT NULL OR NEW.key_id IS NOT OLD.key_id OR NEW.nonce IS NOT OLD.nonce
  OR NEW.signature IS NOT OLD.signature
BEGIN SELECT RAISE(ABORT, 'a voucher is claimed once and otherwise never changes'); END;
