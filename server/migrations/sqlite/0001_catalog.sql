-- The catalog. Invariants live here as well as in Rust: stock never negative, never above the
-- edition size, prices never negative, only currencies the protocol knows.
CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    position    INTEGER NOT NULL
);

CREATE TABLE items (
    id              INTEGER PRIMARY KEY CHECK (id > 0),
    collection_id   INTEGER NOT NULL REFERENCES collections (id),
    position        INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    artist          TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    alt             TEXT    NOT NULL CHECK (length(alt) > 0),
    price_minor     INTEGER NOT NULL CHECK (price_minor >= 0),
    currency        TEXT    NOT NULL CHECK (currency IN ('EUR', 'USD', 'JPY')),
    edition_size    INTEGER NOT NULL CHECK (edition_size > 0),
    stock           INTEGER NOT NULL CHECK (stock >= 0 AND stock <= edition_size),
    thumb_url       TEXT    NOT NULL,
    thumb_width     INTEGER NOT NULL,
    thumb_height    INTEGER NOT NULL,
    original_url    TEXT    NOT NULL,
    original_width  INTEGER NOT NULL,
    original_height INTEGER NOT NULL
);

CREATE INDEX items_by_collection ON items (collection_id, position);
