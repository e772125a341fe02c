//! Vitrine's server: the catalog API, the built app and its media, behind one axum router.

pub mod config;
pub mod demo;
pub mod domain;
mod error;
pub mod images;
mod render;
mod routes;
mod serve;
pub mod storage;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use vitrine_protocol::signing::SecretKey;

pub use config::{Config, ServerLimits};
use domain::ingest::Ingest;
use domain::keys::{Keys, RingKey};
use domain::metrics::Metrics;
use domain::rate_limit::PerClient;
use domain::settlement::{Rails, Sandboxes};
use domain::supervisor::Liveness;
use domain::uploads::Uploads;
pub use error::ApiError;
use images::{PictureIndex, Pictures};
pub use routes::intents::{IDEMPOTENCY_KEY, REPLAYED};
use storage::{Storage, StorageError};

/// What every handler can reach; passed explicitly, never global.
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub keys: Arc<Keys>,
    pub ingest: Ingest,
    /// The rails orders may settle on: checked at the door, used by the settler.
    pub rails: Rails,
    /// Responsive variants of the catalog's images, from the media folder's manifest; swapped
    /// when uploads have been processed.
    pub pictures: Pictures,
    /// The image worker uploaded originals are handed to.
    pub uploads: Uploads,
    /// Token buckets for device registration, per client address.
    pub registrations: Arc<PerClient>,
    /// Token buckets for waitlist joins, per client address.
    pub waitlist_joins: Arc<PerClient>,
    /// Token buckets for merchant sign-ins, per client address.
    pub sign_ins: Arc<PerClient>,
    /// Token buckets for allowlist proof lookups, per client address (membership probing).
    pub lookups: Arc<PerClient>,
    /// Token buckets for intents, per client address: a spike's flooder waits its turn.
    pub intents: Arc<PerClient>,
    /// Token buckets for service workers' reports, per client address.
    pub telemetry: Arc<PerClient>,
    /// Page views, counted for the drop scheduling model.
    pub visits: Arc<domain::traffic::Visits>,
    /// Whether the merchant session cookie is `Secure` (served over TLS).
    pub cookie_secure: bool,
    /// Whether the settler runs (for `/healthz`).
    pub settler: Liveness,
    /// Whether the minter runs, when the server mints on any chain (for `/healthz`).
    pub minter: Option<Liveness>,
    /// The sandbox rails, when the server runs them (their control routes).
    pub sandboxes: Option<Sandboxes>,
    /// What `GET /metrics` reports: handlers and the settler record into it.
    pub metrics: Metrics,
}

/// Build the router for `state` (used directly by router-level tests).
pub fn app(state: AppState, config: &Config) -> axum::Router {
    routes::router(state, config)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("no randomness for the server key: {0}")]
    Random(String),
    #[error(transparent)]
    Keys(#[from] domain::keys::EmptyRing),
}

/// 32 bytes from the operating system's CSPRNG, for a new signing key.
pub fn new_secret() -> Result<[u8; 32], StartError> {
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret).map_err(|e| StartError::Random(e.to_string()))?;
    Ok(secret)
}

/// How long a graceful shutdown waits for in-flight requests.
pub const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// A server bound to its port, not yet serving (zero2prod's `Application`).
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    addr: SocketAddr,
    header_read_timeout: std::time::Duration,
}

impl Application {
    /// Open storage, run migrations, load (or make) the server key, start the order writer and
    /// the settlement worker, and bind the listener.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let sandboxes = domain::settlement::Sandboxes::new(config.sandbox_seed);
        Self::build_with_sandboxes(config, sandboxes.rails(), Some(sandboxes)).await
    }

    /// `build`, settling on `rails` (tests keep a handle on a sandbox's books).
    pub async fn build_with_rails(config: Config, rails: Rails) -> Result<Self, StartError> {
        Self::build_with_sandboxes(config, rails, None).await
    }

    /// `build`, settling on `rails`; `sandboxes` (when they are among the rails) can then be
    /// driven through `/api/v1/merchant/sandbox/*`.
    pub async fn build_with_sandboxes(
        config: Config,
        rails: Rails,
        sandboxes: Option<Sandboxes>,
    ) -> Result<Self, StartError> {
        let rails = rails.with(domain::settlement::NoCharge);
        let storage = storage::connect_with(&config.database_url, config.durability).await?;
        let ring = storage.key_ring(new_secret()?, domain::clock::now()).await?;
        let ring = ring
            .into_iter()
            .map(|k| RingKey {
                id: k.id,
                secret: SecretKey::from_bytes(k.secret),
                created_at: k.created_at,
                retired_at: k.retired_at,
            })
            .collect();
        let keys = Arc::new(Keys::new(ring, config.policy.clone())?);
        let wake_settler = Arc::new(Notify::new());
        let ingest = Ingest::start(storage.clone(), keys.escrow_ttl_ms(), wake_settler.clone());
        let metrics = Metrics::new(ingest.queue_depth());
        let settler = domain::settler::spawn(
            storage.clone(),
            rails.clone(),
            wake_settler,
            Some(metrics.clone()),
        );
        let minter = domain::minter::spawn(storage.clone(), rails.clone());
        // Its liveness is not a health signal for buyers: a late window delays a report, never
        // an order. It logs, and the next window retries.
        let _ = domain::reconciler::spawn(
            storage.clone(),
            rails.clone(),
            config.reconcile_window,
            metrics.clone(),
        );
        let pictures = Pictures::new(PictureIndex::load(&config.media_dir));
        tracing::info!(pictures = pictures.current().len(), "image variants loaded");
        let uploads = Uploads::start(storage.clone(), pictures.clone(), config.media_dir.clone());
        let registrations = Arc::new(PerClient::new(config.registration_limit));
        let waitlist_joins = Arc::new(PerClient::new(config.waitlist_limit));
        let sign_ins = Arc::new(PerClient::new(config.sign_in_limit));
        let lookups = Arc::new(PerClient::new(config.lookup_limit));
        let intents = Arc::new(PerClient::new(config.intent_limit));
        let telemetry = Arc::new(PerClient::new(config.telemetry_limit));
        let visits = Arc::new(domain::traffic::Visits::default());
        // Its liveness is not a health signal: losing a minute of page views loses nothing.
        let _ = domain::traffic::start(visits.clone(), storage.clone());
        let state = AppState {
            storage,
            keys,
            ingest,
            rails,
            pictures,
            uploads,
            registrations,
            waitlist_joins,
            sign_ins,
            lookups,
            intents,
            telemetry,
            visits,
            cookie_secure: config.cookie_secure,
            settler,
            minter,
            sandboxes,
            metrics,
        };
        let router = app(state, &config);
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind { addr: config.addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr: config.addr, source })?;
        let header_read_timeout = config.limits.header_read_timeout;
        Ok(Application { listener, router, addr, header_read_timeout })
    }

    /// The address actually bound (port 0 becomes a real port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve until `shutdown` resolves, then finish in-flight requests.
    /// They (and so the writer's queue: each waits for its order's commit)
    /// get [`SHUTDOWN_DEADLINE`] to finish; then the process stops anyway. The settler may be
    /// stopped mid-pass: every rail call's attempt is on disk before the call, so the next
    /// start retries it with the same key.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        serve::serve(
            self.listener,
            self.router,
            self.header_read_timeout,
            shutdown,
            SHUTDOWN_DEADLINE,
        )
        .await
    }
}
