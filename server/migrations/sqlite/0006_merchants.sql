-- Merchants, their API tokens (only a hash is kept), the console's sessions, and the
-- append-only audit log of everything a merchant (or the operator, through the CLI) changes.
-- Like the ledger, the log and the tokens are guarded by triggers: log entries are never
-- edited or removed; tokens are never removed and are revoked once.

CREATE TABLE merchants (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    created_at INTEGER NOT NULL
);

CREATE TABLE merchant_tokens (
    id          INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    -- sha256 of the token as printed: the token itself is never stored.
    token_hash  BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    scopes      TEXT    NOT NULL CHECK (length(scopes) > 0),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TRIGGER merchant_tokens_no_delete BEFORE DELETE ON merchant_tokens
BEGIN SELECT RAISE(ABORT, 'merchant tokens are revoked, never deleted'); END;
CREATE TRIGGER merchant_tokens_revoke_once BEFORE UPDATE ON merchant_tokens
WHEN OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL OR NEW.token_hash != OLD.token_hash
  OR NEW.scopes != OLD.scopes OR NEW.merchant_id != OLD.merchant_id
BEGIN SELECT RAISE(ABORT, 'a merchant token is revoked once and never changed'); END;

CREATE TABLE merchant_sessions (
    -- sha256 of the cookie's value.
    id_hash    BLOB    PRIMARY KEY CHECK (length(id_hash) = 32),
    token_id   INTEGER NOT NULL REFERENCES merchant_tokens (id),
    -- Not a credential on its own (useless without the HttpOnly cookie): the console reads it
    -- back after a reload.
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at   INTEGER
);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id INTEGER REFERENCES merchants (id),
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    before      TEXT,
    after       TEXT,
    at          INTEGER NOT NULL
);

CREATE INDEX audit_by_merchant ON audit_log (merchant_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Every collection belongs to a merchant; a database made before merchants existed gives its
-- catalog to a merchant named "demo" (the demo catalog is the only one such a database has).
ALTER TABLE collections ADD COLUMN merchant_id INTEGER REFERENCES merchants (id);
ALTER TABLE collections ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
ALTER TABLE items ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));

INSERT INTO merchants (name, created_at)
SELECT 'demo', 0 WHERE EXISTS (SELECT 1 FROM collections);
UPDATE collections SET merchant_id = (SELECT id FROM merchants WHERE name = 'demo')
WHERE merchant_id IS NULL;

CREATE INDEX collections_by_merchant ON collections (merchant_id, position);

-- Collections and items are hidden, never deleted, once anything was sold.
CREATE TRIGGER items_no_delete_once_sold BEFORE DELETE ON items
WHEN EXISTS (SELECT 1 FROM orders WHERE item_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'an item that was ordered is hidden, never deleted'); END;
