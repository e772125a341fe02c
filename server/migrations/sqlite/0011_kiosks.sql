-- Kiosks: device keys a merchant registered to redeem claim vouchers for visitors at a pop-up.
-- A kiosk's certificate allows free claims only, and its claims of that merchant's batches
-- count per email, not per device. A key is one merchant's kiosk for good: rows are never
-- changed or deleted, so a kiosk's past claims keep meaning what they meant.

CREATE TABLE kiosks (
    device_key  BLOB    PRIMARY KEY CHECK (length(device_key) = 32),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER kiosks_no_update BEFORE UPDATE ON kiosks
BEGIN SELECT RAISE(ABORT, 'a kiosk is registered once, to one merchant'); END;
CREATE TRIGGER kiosks_no_delete BEFORE DELETE ON kiosks
BEGIN SELECT RAISE(ABORT, 'kiosks are never deleted'); END;
