-- Where an item's picture is, for its merchant: works made by merchants start 'awaiting' their
-- original, then 'processing' while its variants are made, then 'ready' (or 'failed', with
-- the reason). The storefront shows an item once it has a processed image (its original_url is
-- set); a new upload being processed, or one that failed, leaves the shown image in place.
-- Every item before this migration came with its images.
ALTER TABLE items ADD COLUMN image_state TEXT NOT NULL DEFAULT 'ready'
    CHECK (image_state IN ('awaiting', 'processing', 'ready', 'failed'));
ALTER TABLE items ADD COLUMN image_problem TEXT;
