-- Money, double-entry and two-phase, in TigerBeetle's model (docs/rails.md, ARCHITECTURE.md).
-- The stock ledger (`ledger`) says where editions are; this one says where money is. Rules
-- live in domain/order_flow.rs; the schema refuses anything that breaks them, whoever writes.
--
-- Accounts, per currency: the buyers' funds at each rail (the outside world: may run
-- negative), what the shop owes each merchant, refunds and disputes (these may never owe).
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL
                    CHECK (code IN ('buyer_funds', 'merchant', 'refunds', 'disputes')),
    -- The rail for buyer funds, the merchant's id for a merchant, '' for refunds and disputes.
    owner           TEXT    NOT NULL,
    currency        TEXT    NOT NULL CHECK (currency IN ('EUR', 'USD', 'JPY')),
    must_not_owe    INTEGER NOT NULL CHECK (must_not_owe IN (0, 1)),
    debits_pending  INTEGER NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    debits_posted   INTEGER NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_pending INTEGER NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    credits_posted  INTEGER NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    UNIQUE (code, owner, currency),
    -- TigerBeetle's debits_must_not_exceed_credits: pending debits count, pending credits not.
    CHECK (must_not_owe = 0 OR debits_pending + debits_posted <= credits_posted)
);

CREATE TRIGGER accounts_identity BEFORE UPDATE OF id, code, owner, currency, must_not_owe
ON accounts
BEGIN SELECT RAISE(ABORT, 'an account''s identity never changes'); END;
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
BEGIN SELECT RAISE(ABORT, 'accounts are never deleted'); END;

-- Transfers are immutable and never deleted; a correction is a new, reversing transfer. A
-- pending transfer reserves its amount; one post or one void (never both, never twice)
-- resolves it.
CREATE TABLE transfers (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Ours, derived from the order: `{order}/sale`, `{order}/sale/post`, `{order}/refund/0`.
    id             TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL CHECK (kind IN ('pending', 'post', 'void', 'single')),
    debit_account  INTEGER NOT NULL REFERENCES accounts (id),
    credit_account INTEGER NOT NULL REFERENCES accounts (id),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    pending_id     TEXT    REFERENCES transfers (id),
    -- A pending transfer's escrow deadline (the order's hold), when it has one.
    timeout_at     INTEGER,
    order_id       TEXT    REFERENCES orders (id),
    -- Why: sale, refund, dispute, correction.
    code           TEXT    NOT NULL CHECK (code IN ('sale', 'refund', 'dispute', 'correction')),
    at             INTEGER NOT NULL,
    CHECK (debit_account != credit_account),
    CHECK ((kind IN ('post', 'void')) = (pending_id IS NOT NULL)),
    CHECK (kind = 'pending' OR timeout_at IS NULL)
);

CREATE UNIQUE INDEX transfers_resolve_once ON transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX transfers_by_order ON transfers (order_id);

CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are immutable'); END;
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are immutable'); END;

CREATE TRIGGER transfers_one_currency BEFORE INSERT ON transfers
WHEN (SELECT currency FROM accounts WHERE id = NEW.debit_account)
     IS NOT (SELECT currency FROM accounts WHERE id = NEW.credit_account)
BEGIN SELECT RAISE(ABORT, 'a transfer moves one currency'); END;

-- A post or void resolves a pending transfer between the same accounts, for its amount.
CREATE TRIGGER transfers_resolve_pending BEFORE INSERT ON transfers
WHEN NEW.pending_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM transfers p WHERE p.id = NEW.pending_id AND p.kind = 'pending'
      AND p.debit_account = NEW.debit_account AND p.credit_account = NEW.credit_account
      AND p.amount = NEW.amount)
BEGIN SELECT RAISE(ABORT, 'a post or void must match a pending transfer'); END;

-- Balances follow transfers, in the same statement; the accounts' CHECKs then refuse any
-- transfer that would make a merchant, refunds or disputes owe.
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
