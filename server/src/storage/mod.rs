//! Storage behind a trait: SQLite is the embedded default; Postgres can follow behind the same
//! trait without touching routes or domain code.

pub mod claims;
pub mod drops;
pub mod embed;
pub mod item_decisions;
pub mod kiosks;
pub mod merchant_items;
pub mod merchant_orders;
pub mod merchants;
pub mod mints;
pub mod orders;
pub mod reconcile;
pub mod refunds;
pub mod settlement;
pub mod slo;
mod sqlite;
mod sqlite_claim_ingest;
mod sqlite_claims;
mod sqlite_conflicts;
mod sqlite_drop_ingest;
mod sqlite_drops;
mod sqlite_drops_read;
mod sqlite_embed;
mod sqlite_item_decisions;
mod sqlite_keys;
mod sqlite_kiosks;
mod sqlite_merchant_catalog;
mod sqlite_merchant_items;
mod sqlite_merchant_orders;
mod sqlite_merchants;
mod sqlite_mints;
mod sqlite_money;
mod sqlite_orders;
mod sqlite_reconcile;
mod sqlite_refunds;
mod sqlite_settlement;
mod sqlite_slo;
mod sqlite_telemetry;
mod sqlite_waitlist;
pub mod telemetry;
pub mod waitlist;

use async_trait::async_trait;
use vitrine_protocol::{Collection, CollectionDetail, Item, ItemId, Slug};

pub use claims::ClaimStore;
pub use drops::DropStore;
pub use embed::EmbedStore;
pub use item_decisions::ItemDecisionStore;
pub use kiosks::KioskStore;
pub use merchant_items::{ItemImages, MerchantItemStore};
pub use merchant_orders::MerchantOrderStore;
pub use merchants::{MerchantCatalogStore, MerchantStore};
pub use mints::MintStore;
pub use orders::OrderStore;
pub use reconcile::ReconcileStore;
pub use refunds::RefundStore;
pub use settlement::SettlementStore;
pub use slo::SloStore;
pub use sqlite::SqliteStorage;
pub use telemetry::TelemetryStore;
pub use waitlist::{Joined, WaitlistStore};

use crate::demo::NewCatalog;

/// What went wrong below the HTTP boundary.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored row is invalid: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://path (Postgres support is planned)")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder: {0}")]
    Io(#[from] std::io::Error),
}

/// Everything the server stores: the catalog, the orders and their settlement, waitlists,
/// merchants, drops, claim batches and kiosks.
pub trait Storage:
    CatalogStore
    + OrderStore
    + SettlementStore
    + WaitlistStore
    + MerchantStore
    + MerchantCatalogStore
    + MerchantItemStore
    + MerchantOrderStore
    + DropStore
    + ClaimStore
    + KioskStore
    + MintStore
    + ReconcileStore
    + ItemDecisionStore
    + RefundStore
    + SloStore
    + TelemetryStore
    + EmbedStore
{
}

impl<T> Storage for T where
    T: CatalogStore
        + OrderStore
        + SettlementStore
        + WaitlistStore
        + MerchantStore
        + MerchantCatalogStore
        + MerchantItemStore
        + MerchantOrderStore
        + DropStore
        + ClaimStore
        + KioskStore
        + MintStore
        + ReconcileStore
        + ItemDecisionStore
        + RefundStore
        + SloStore
        + TelemetryStore
        + EmbedStore
{
}

/// The catalog as the routes see it.
#[async_trait]
pub trait CatalogStore: Send + Sync + 'static {
    /// Every collection on show (not hidden by its merchant), in display order.
    async fn collections(&self) -> Result<Vec<Collection>, StorageError>;
    /// One collection with its items, or `None` if the slug is unknown.
    async fn collection(&self, slug: &Slug) -> Result<Option<CollectionDetail>, StorageError>;
    /// One item on show, or `None` if the id is unknown or hidden.
    async fn item(&self, id: ItemId) -> Result<Option<Item>, StorageError>;
    /// The URL of an item's original, hidden or not: receipts of hidden works keep their
    /// pictures.
    async fn original_url(&self, id: ItemId) -> Result<Option<String>, StorageError>;
    /// Whether the catalog has no collections yet.
    async fn is_empty(&self) -> Result<bool, StorageError>;
    /// Insert a whole catalog in one transaction.
    async fn insert_catalog(&self, catalog: &NewCatalog) -> Result<(), StorageError>;
    /// Cheap round trip for health checks.
    async fn ping(&self) -> Result<(), StorageError>;
}

/// What an acknowledged write promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every commit is on disk before it is acknowledged (SQLite `synchronous = FULL`): a 201
    /// survives power loss. Measured: the group-commit writer barely notices (BENCHMARKS.md).
    #[default]
    Full,
    /// SQLite `synchronous = NORMAL` in WAL mode: may lose the last acknowledged orders on
    /// power loss (never on a process crash).
    Normal,
}

/// Open the storage a URL names, creating and migrating it if needed, at full durability.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    connect_with(url, Durability::Full).await
}

/// Open the storage a URL names at the given durability.
pub async fn connect_with(
    url: &str,
    durability: Durability,
) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(SqliteStorage::connect(url, durability).await?))
    } else {
        Err(StorageError::UnsupportedUrl(url.to_owned()))
    }
}
