//! Signing: fixed vectors (so every client and server agrees byte for byte) and properties
//! (any change to a signed object breaks its signature), and the downloadable signed receipt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod properties;
mod receipt_file;
mod vectors;
mod vouchers;
