-- Timed drops. A drop is drafted, approved by its merchant (checked by the safety rules at
-- that moment), and sells from starts_at to ends_at on the server's clock. Its supply is
-- counted from the orders that hold or own editions (state held or paid, drop_id set), so a
-- released hold gives its editions back to the drop with no second counter to keep true.
-- Drops are cancelled, never deleted, and nothing about one changes after it started.

CREATE TABLE drops (
    id              INTEGER PRIMARY KEY,
    merchant_id     INTEGER NOT NULL REFERENCES merchants (id),
    title           TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL CHECK (ends_at > starts_at),
    per_buyer_limit INTEGER NOT NULL CHECK (per_buyer_limit BETWEEN 1 AND 100),
    -- Whether only listed buyers may buy, and the list's Merkle root once committed.
    allowlist       INTEGER NOT NULL DEFAULT 0 CHECK (allowlist IN (0, 1)),
    allowlist_root  BLOB    CHECK (allowlist_root IS NULL OR length(allowlist_root) = 32),
    state           TEXT    NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'approved', 'cancelled')),
    created_at      INTEGER NOT NULL,
    approved_at     INTEGER,
    CHECK ((state = 'approved') = (approved_at IS NOT NULL) OR state = 'cancelled'),
    CHECK (allowlist = 1 OR allowlist_root IS NULL)
);

CREATE INDEX drops_by_merchant ON drops (merchant_id, starts_at);

CREATE TRIGGER drops_no_delete BEFORE DELETE ON drops
BEGIN SELECT RAISE(ABORT, 'drops are cancelled, never deleted'); END;
-- Once an approved drop has started, its terms are fixed (nothing is sold on terms changed
-- under it). The clock is the database's; the server checks the same with its own first.
CREATE TRIGGER drops_fixed_once_started BEFORE UPDATE ON drops
WHEN OLD.state = 'approved' AND OLD.starts_at <= CAST(unixepoch('subsec') * 1000 AS INTEGER)
BEGIN SELECT RAISE(ABORT, 'a drop that has started does not change'); END;

CREATE TABLE drop_items (
    drop_id     INTEGER NOT NULL REFERENCES drops (id),
    item_id     INTEGER NOT NULL REFERENCES items (id),
    supply      INTEGER NOT NULL CHECK (supply BETWEEN 1 AND 1000000),
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    currency    TEXT    NOT NULL CHECK (currency IN ('EUR', 'USD', 'JPY')),
    PRIMARY KEY (drop_id, item_id)
) WITHOUT ROWID;

CREATE INDEX drop_items_by_item ON drop_items (item_id);

-- The allowlist's leaves (hashes of emails or wallet addresses, never the addresses), kept
-- to hand a buyer their proof.
CREATE TABLE drop_allowlist (
    drop_id INTEGER NOT NULL REFERENCES drops (id),
    leaf    BLOB    NOT NULL CHECK (length(leaf) = 32),
    PRIMARY KEY (drop_id, leaf)
) WITHOUT ROWID;

ALTER TABLE orders ADD COLUMN drop_id INTEGER REFERENCES drops (id);
CREATE INDEX orders_by_drop ON orders (drop_id, state) WHERE drop_id IS NOT NULL;

-- Each merchant's scheduling limits (protocol::drops::schedule::ShopRules as JSON).
CREATE TABLE shop_rules (
    merchant_id INTEGER PRIMARY KEY REFERENCES merchants (id),
    rules       TEXT    NOT NULL
);

-- Page views per hour (unix ms / 3 600 000), the suggestion model's traffic next to orders.
CREATE TABLE traffic_hours (
    hour   INTEGER PRIMARY KEY,
    visits INTEGER NOT NULL CHECK (visits >= 0)
);
