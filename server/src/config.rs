use std::net::SocketAddr;
use std::path::PathBuf;

use crate::domain::keys::Policy;

/// Everything the server needs to start, passed explicitly (no globals).
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL, e.g. `sqlite://data/vitrine.db`.
    pub database_url: String,
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The built app from `cargo xtask dist`.
    pub dist_dir: PathBuf,
    /// Catalog images written by `vitrine seed-demo`.
    pub media_dir: PathBuf,
    /// Certificate, quote and escrow lifetimes; offline limits.
    pub policy: Policy,
}
