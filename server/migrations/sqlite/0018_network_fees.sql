-- Network fees in the ledger. Minting costs the shop gas on the chain it mints on; a mint's fee
-- is written when the chain makes it final (a reorged-away transaction pays nothing), in the
-- transaction that records it final: a single transfer `{mint key}/fee` from the shop's gas
-- wallet on that chain (`gas`, the outside world to the ledger: it may run negative) to that
-- chain's network fees (`fees`, which may never owe), in gwei. Gas is in the chain's own
-- unit, so it never mixes with an order's money: a transfer still moves one currency.
--
-- SQLite cannot widen a CHECK in place, so `accounts` and `transfers` are rebuilt with the same
-- rows, ids and balances. With `legacy_alter_table` on, renaming the old tables leaves every
-- reference to them by name (the other table's foreign keys, the triggers' bodies) pointing at
-- the new tables, and dropping the old ones then removes no row anything refers to.
PRAGMA legacy_alter_table = ON;

ALTER TABLE transfers RENAME TO transfers_0012;
ALTER TABLE accounts RENAME TO accounts_0012;

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL CHECK (code IN
                    ('buyer_funds', 'merchant', 'refunds', 'disputes', 'gas', 'fees')),
    -- The rail for buyer funds, the merchant's id for a merchant, the chain for gas and fees,
    -- '' for refunds and disputes.
    owner           TEXT    NOT NULL,
    -- GWEI for gas and fees on the sandbox chains.
    currency        TEXT    NOT NULL CHECK (currency IN ('EUR', 'USD', 'JPY', 'GWEI')),
    must_not_owe    INTEGER NOT NULL CHECK (must_not_owe IN (0, 1)),
    debits_pending  INTEGER NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    debits_posted   INTEGER NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_pending INTEGER NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    credits_posted  INTEGER NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    UNIQUE (code, owner, currency),
    CHECK ((code IN ('gas', 'fees')) = (currency = 'GWEI')),
    CHECK (must_not_owe = 0 OR debits_pending + debits_posted <= credits_posted)
);

INSERT INTO accounts (id, code, owner, currency, must_not_owe, debits_pending, debits_posted,
                      credits_pending, credits_posted)
SELECT id, code, owner, currency, must_not_owe, debits_pending, debits_posted, credits_pending,
       credits_posted
FROM accounts_0012 ORDER BY id;

CREATE TABLE transfers (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Ours, derived from the order: `{order}/sale`, `{order}/sale/post`, `{order}/refund/0`,
    -- `{order}/mint/0/fee`.
    id             TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL CHECK (kind IN ('pending', 'post', 'void', 'single')),
    debit_account  INTEGER NOT NULL REFERENCES accounts (id),
    credit_account INTEGER NOT NULL REFERENCES accounts (id),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    pending_id     TEXT    REFERENCES transfers (id),
    timeout_at     INTEGER,
    order_id       TEXT    REFERENCES orders (id),
    -- Why: sale, refund, dispute, correction, fee (a network fee).
    code           TEXT    NOT NULL
                   CHECK (code IN ('sale', 'refund', 'dispute', 'correction', 'fee')),
    at             INTEGER NOT NULL,
    CHECK (debit_account != credit_account),
    CHECK ((kind IN ('post', 'void')) = (pending_id IS NOT NULL)),
    CHECK (kind = 'pending' OR timeout_at IS NULL),
    CHECK (code != 'fee' OR kind = 'single')
);

-- In their order, so every post or void finds its pending transfer already there; the
-- balance triggers are not there yet, so balances (copied above) are not counted twice.
INSERT INTO transfers (seq, id, kind, debit_account, credit_account, amount, pending_id,
                       timeout_at, order_id, code, at)
SELECT seq, id, kind, debit_account, credit_account, amount, pending_id, timeout_at, order_id,
       code, at
FROM transfers_0012 ORDER BY seq;

DROP TABLE transfers_0012;
DROP TABLE accounts_0012;

PRAGMA legacy_alter_table = OFF;

CREATE UNIQUE INDEX transfers_resolve_once ON transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX transfers_by_order ON transfers (order_id);

CREATE TRIGGER accounts_identity BEFORE UPDATE OF id, code, owner, currency, must_not_owe
ON accounts
BEGIN SELECT RAISE(ABORT, 'an account''s identity never changes'); END;
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
BEGIN SELECT RAISE(ABORT, 'accounts are never deleted'); END;

CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are immutable'); END;
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are immutable'); END;

CREATE TRIGGER transfers_one_currency BEFORE INSERT ON transfers
WHEN (SELECT currency FROM accounts WHERE id = NEW.debit_account)
     IS NOT (SELECT currency FROM accounts WHERE id = NEW.credit_account)
BEGIN SELECT RAISE(ABORT, 'a transfer moves one currency'); END;

CREATE TRIGGER transfers_resolve_pending BEFORE INSERT ON transfers
WHEN NEW.pending_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM transfers p WHERE p.id = NEW.pending_id AND p.kind = 'pending'
      AND p.debit_account = NEW.debit_account AND p.credit_account = NEW.credit_account
      AND p.amount = NEW.amount)
BEGIN SELECT RAISE(ABORT, 'a post or void must match a pending transfer'); END;

CREATE TRIGGER transfers_balance AFTER INSERT ON transfers
BEGIN
    UPDATE accounts SET
        debits_pending = debits_pending
            + CASE NEW.kind WHEN 'pending' THEN NEW.amount
                            WHEN 'single' THEN 0 ELSE -NEW.amount END,
        debits_posted = debits_posted
            + CASE WHEN NEW.kind IN ('post', 'single') THEN NEW.amount ELSE 0 END
    WHERE id = NEW.debit_account;
    UPDATE accounts SET
        credits_pending = credits_pending
            + CASE NEW.kind WHEN 'pending' THEN NEW.amount
                            WHEN 'single' THEN 0 ELSE -NEW.amount END,
        credits_posted = credits_posted
            + CASE WHEN NEW.kind IN ('post', 'single') THEN NEW.amount ELSE 0 END
    WHERE id = NEW.credit_account;
END;
