//! Integration tests: the real server on a free port with a fresh SQLite database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog;
mod conflicts;
mod devices;
mod drop_requests;
mod drops;
mod durability;
mod headers;
mod helpers;
mod idempotency;
mod images;
mod import;
mod keys;
mod ledger;
mod limits;
mod merchant_catalog;
mod merchant_items;
mod merchant_orders;
mod merchants;
mod rejections;
mod sealed_answers;
mod settlement;
mod static_files;
mod time_windows;
mod waitlist;
