-- The origins each merchant allows to frame its storefront (`/embed/{slug}` answers with
-- `Content-Security-Policy: frame-ancestors 'self'` and these). Canonical, checked by
-- `protocol::merchant::origin` before they are written; replaced as a whole, audited.
CREATE TABLE embed_origins (
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    origin      TEXT    NOT NULL CHECK (length(origin) BETWEEN 8 AND 300
                        AND (origin LIKE 'https://%' OR origin LIKE 'http://%')),
    PRIMARY KEY (merchant_id, origin)
) WITHOUT ROWID;
