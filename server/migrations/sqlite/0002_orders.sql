-- Orders, exactly once. The intent id is the primary key, so the database itself refuses a
-- second order for one intent; stock is taken in the same transaction (and can never go below
-- zero: the CHECK on items.stock). Orders are never deleted, so an idempotency key outlives any
-- offline window and is never dropped while its order is not final.

CREATE TABLE server_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    secret     BLOB    NOT NULL CHECK (length(secret) = 32),
    created_at INTEGER NOT NULL
);

CREATE TABLE orders (
    id                TEXT    PRIMARY KEY,
    -- sha256 of the intent's signing bytes and signature: "same body" for idempotency.
    request_hash      BLOB    NOT NULL CHECK (length(request_hash) = 32),
    device_key        BLOB    NOT NULL CHECK (length(device_key) = 32),
    item_id           INTEGER NOT NULL REFERENCES items (id),
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    amount_minor      INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency          TEXT    NOT NULL CHECK (currency IN ('EUR', 'USD', 'JPY')),
    rail              TEXT    NOT NULL,
    payment_token     TEXT    NOT NULL,
    buyer_wallet      TEXT,
    buyer_email       TEXT,
    device_time       INTEGER NOT NULL,
    state             TEXT    NOT NULL
                      CHECK (state IN ('held', 'paid', 'declined', 'expired', 'conflict')),
    hold_expires_at   INTEGER,
    next_settle_at    INTEGER,
    reason            TEXT,
    settlement_ref    TEXT,
    -- The first answer, returned again on every retry with the same key.
    response_status   INTEGER NOT NULL,
    response_body     TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CHECK ((state = 'held') = (hold_expires_at IS NOT NULL))
);

CREATE INDEX orders_held ON orders (hold_expires_at) WHERE state = 'held';
CREATE INDEX orders_settle ON orders (next_settle_at) WHERE state = 'held';

-- Append-only ledger of stock movements: holds, releases and captures. Corrections are new
-- rows, never edits.
CREATE TABLE ledger (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT    NOT NULL REFERENCES orders (id),
    kind     TEXT    NOT NULL CHECK (kind IN ('hold', 'release', 'capture', 'conflict')),
    item_id  INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    at       INTEGER NOT NULL
);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
