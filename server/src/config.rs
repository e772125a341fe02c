use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::domain::keys::Policy;
use crate::domain::rate_limit::RateLimit;
use crate::storage::Durability;

/// Everything the server needs to start, passed explicitly (no globals).
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL, e.g. `sqlite://data/vitrine.db`.
    pub database_url: String,
    /// Whether an acknowledged order is on disk (`Full`, the default).
    pub durability: Durability,
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The built app from `cargo xtask dist`.
    pub dist_dir: PathBuf,
    /// Catalog images written by `vitrine seed-demo`.
    pub media_dir: PathBuf,
    /// Certificate, quote and escrow lifetimes; offline limits.
    pub policy: Policy,
    /// Device registrations per client address.
    pub registration_limit: RateLimit,
    /// Waitlist joins per client address.
    pub waitlist_limit: RateLimit,
    /// Merchant sign-ins per client address.
    pub sign_in_limit: RateLimit,
    /// Allowlist proof lookups per client address: each says whether an email or wallet is
    /// on a drop's list, so a script probing addresses gets 429s.
    pub lookup_limit: RateLimit,
    /// Intents per client address (a device replaying its outbox sends one at a time).
    pub intent_limit: RateLimit,
    /// Service workers' reports per client address (a worker sends one a minute at most;
    /// many phones may share an event's address, and a refused report is sent later).
    pub telemetry_limit: RateLimit,
    /// Mark the merchant session cookie `Secure`: set it when the shop is served over TLS
    /// (by the server itself or by the proxy in front of it).
    pub cookie_secure: bool,
    /// Limits that keep the server answering under overload.
    pub limits: ServerLimits,
    /// The `frame-ancestors` of the Content-Security-Policy (`'self'` unless embedding).
    pub frame_ancestors: String,
    /// Seed of the sandbox rails: deterministic references, blocks and reorgs.
    pub sandbox_seed: u64,
    /// How often reconciliation reads the rails' reports.
    pub reconcile_window: Duration,
}

/// How much work the server takes on at once, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// Requests handled at once; more are refused with 503 `overloaded` + `Retry-After`.
    pub max_concurrent: usize,
    /// A request taking longer is answered 503 (its work, if queued, still completes).
    pub request_timeout: Duration,
    /// A connection that has not sent a request's headers by then is closed.
    pub header_read_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_concurrent: 512,
            request_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

impl Config {
    /// A configuration with the defaults for everything but the places.
    pub fn new(
        database_url: String,
        addr: SocketAddr,
        dist_dir: PathBuf,
        media_dir: PathBuf,
    ) -> Self {
        Config {
            database_url,
            durability: Durability::Full,
            addr,
            dist_dir,
            media_dir,
            policy: Policy::default(),
            registration_limit: RateLimit::default(),
            waitlist_limit: RateLimit::default(),
            sign_in_limit: RateLimit::default(),
            intent_limit: RateLimit::intents(),
            lookup_limit: RateLimit::default(),
            telemetry_limit: RateLimit::default(),
            cookie_secure: false,
            limits: ServerLimits::default(),
            frame_ancestors: "'self'".to_owned(),
            sandbox_seed: 0,
            reconcile_window: Duration::from_secs(30),
        }
    }
}
