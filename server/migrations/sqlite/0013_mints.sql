-- Each paid order's work is minted on its collection's chain, to the buyer's wallet or, when
-- the buyer gave none, to the shop's custody wallet (they can have it sent on later).
ALTER TABLE collections ADD COLUMN chain TEXT NOT NULL DEFAULT 'sandbox-l2';

-- One row per mint attempt. The attempt (and its idempotency key `{order}/mint/{n}`) is written
-- before the chain is called, so a crash between the chain's answer and ours is asked again
-- with the same key and mints once. A reorg or reverted batch drops an attempt; only then may
-- the next one start: at most one live attempt per order, enforced below, so a re-mint
-- happens exactly once per drop.
CREATE TABLE mints (
    key           TEXT    PRIMARY KEY,
    order_id      TEXT    NOT NULL REFERENCES orders (id),
    n             INTEGER NOT NULL CHECK (n >= 0),
    chain         TEXT    NOT NULL,
    wallet        TEXT    NOT NULL,
    -- submitting: written, the chain not yet answered; pending: in the mempool;
    -- included: in a block (confirmations of needed); final; dropped (reorged or reverted).
    state         TEXT    NOT NULL
                  CHECK (state IN ('submitting', 'pending', 'included', 'final', 'dropped')),
    tx            TEXT,
    token_id      INTEGER,
    fee_gwei      INTEGER,
    block         INTEGER,
    confirmations INTEGER NOT NULL DEFAULT 0 CHECK (confirmations >= 0),
    needed        INTEGER NOT NULL DEFAULT 0 CHECK (needed >= 0),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (order_id, n),
    CHECK ((state = 'submitting') = (tx IS NULL))
);

CREATE UNIQUE INDEX mints_one_live ON mints (order_id) WHERE state != 'dropped';
CREATE INDEX mints_open ON mints (state) WHERE state IN ('submitting', 'pending', 'included');

-- A final or dropped mint is history: it never changes, and no attempt is ever deleted.
CREATE TRIGGER mints_settled BEFORE UPDATE ON mints WHEN OLD.state IN ('final', 'dropped')
BEGIN SELECT RAISE(ABORT, 'a final or dropped mint never changes'); END;
CREATE TRIGGER mints_no_delete BEFORE DELETE ON mints
BEGIN SELECT RAISE(ABORT, 'mint attempts are never deleted'); END;
-- A new attempt follows a dropped one: n counts the attempts before it.
CREATE TRIGGER mints_in_turn BEFORE INSERT ON mints
WHEN NEW.n != (SELECT count(*) FROM mints WHERE order_id = NEW.order_id)
BEGIN SELECT RAISE(ABORT, 'mint attempts are numbered in turn'); END;

-- Orders whose work is due to be minted: queued in the same transaction that makes an order
-- paid or drops its mint, so a crash of the minter loses none; the minter opens the attempt
-- and takes the order off the queue in one transaction.
CREATE TABLE mint_queue (
    order_id TEXT    PRIMARY KEY REFERENCES orders (id),
    since    INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO mint_queue (order_id, since) SELECT id, updated_at FROM orders WHERE state = 'paid';

CREATE TRIGGER orders_paid_mint AFTER UPDATE OF state ON orders
WHEN NEW.state = 'paid' AND OLD.state != 'paid'
BEGIN INSERT OR IGNORE INTO mint_queue (order_id, since) VALUES (NEW.id, NEW.updated_at); END;

CREATE TRIGGER mints_dropped_remint AFTER UPDATE OF state ON mints
WHEN NEW.state = 'dropped'
BEGIN INSERT OR IGNORE INTO mint_queue (order_id, since) VALUES (NEW.order_id, NEW.updated_at); END;
