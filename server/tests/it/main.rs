//! Integration tests: the real server on a free port with a fresh SQLite database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog;
mod devices;
mod helpers;
mod idempotency;
mod images;
mod rejections;
mod settlement;
mod static_files;
