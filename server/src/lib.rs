//! Vitrine's server: the catalog API, the built app and its media, behind one axum router.

pub mod config;
pub mod demo;
pub mod domain;
mod error;
pub mod images;
mod routes;
pub mod storage;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use vitrine_protocol::signing::SecretKey;

pub use config::Config;
use domain::ingest::Ingest;
use domain::keys::Keys;
use domain::settlement::{Rails, SandboxCard};
pub use error::ApiError;
use images::PictureIndex;
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
    /// Responsive variants of the catalog's images, from the media folder's manifest.
    pub pictures: Arc<PictureIndex>,
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
}

/// A server bound to its port, not yet serving (zero2prod's `Application`).
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    addr: SocketAddr,
}

impl Application {
    /// Open storage, run migrations, load (or make) the server key, start the order writer and
    /// the settlement worker, and bind the listener.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let storage = storage::connect(&config.database_url).await?;
        let mut candidate = [0u8; 32];
        getrandom::getrandom(&mut candidate).map_err(|e| StartError::Random(e.to_string()))?;
        let secret = storage.server_secret(candidate).await?;
        let keys = Arc::new(Keys::new(SecretKey::from_bytes(secret), config.policy.clone()));
        let wake_settler = Arc::new(Notify::new());
        let ingest = Ingest::start(storage.clone(), keys.escrow_ttl_ms(), wake_settler.clone());
        let rails = Rails::default().with(SandboxCard);
        domain::settler::spawn(storage.clone(), rails.clone(), wake_settler);
        let pictures = Arc::new(PictureIndex::load(&config.media_dir));
        tracing::info!(pictures = pictures.len(), "image variants loaded");
        let router = app(AppState { storage, keys, ingest, rails, pictures }, &config);
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind { addr: config.addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr: config.addr, source })?;
        Ok(Application { listener, router, addr })
    }

    /// The address actually bound (port 0 becomes a real port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve until `shutdown` resolves, then finish in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await
    }
}
