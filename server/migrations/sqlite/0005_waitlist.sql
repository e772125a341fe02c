-- Collectors waiting for an edition of a sold-out work to free up. One row per address per
-- work (joining again changes nothing); addresses are stored trimmed and lower-cased.
CREATE TABLE waitlist (
    item_id   INTEGER NOT NULL REFERENCES items (id),
    email     TEXT    NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email = lower(trim(email))),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (item_id, email)
) WITHOUT ROWID;
