//! What the order path needs from storage.

use async_trait::async_trait;
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{Buyer, IntentId, ItemId, Money, Order, UnixMillis};

use super::StorageError;

/// An intent that passed verification, ready to become an order.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: IntentId,
    /// Identity of the request body: same key + same hash = a retry.
    pub request_hash: [u8; 32],
    pub device_key: PublicKey,
    pub item: ItemId,
    pub quantity: u32,
    pub total: Money,
    pub rail: String,
    pub token: String,
    pub buyer: Buyer,
    pub device_time: UnixMillis,
}

/// The first answer given for an intent id, kept to be given again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub request_hash: [u8; 32],
    pub status: u16,
    pub body: String,
}

/// What ingesting one order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A new order; this is its answer.
    Created(StoredAnswer),
    /// The id was already taken; this is the answer it got then.
    Existing(StoredAnswer),
    /// No such item: nothing was written.
    UnknownItem,
}

/// A held order due for a settlement attempt.
#[derive(Debug, Clone)]
pub struct HeldOrder {
    pub id: IntentId,
    pub total: Money,
    pub rail: String,
    pub token: String,
    pub accepted_at: UnixMillis,
}

/// How a settlement attempt ended.
#[derive(Debug, Clone)]
pub enum Resolution {
    Paid { reference: String },
    Declined { reason: String },
    RetryAt(UnixMillis),
}

#[async_trait]
pub trait OrderStore: Send + Sync + 'static {
    /// The server's signing secret: `candidate` is stored if there is none yet.
    async fn server_secret(&self, candidate: [u8; 32]) -> Result<[u8; 32], StorageError>;

    /// Create orders in one transaction (group commit): for each, take the stock if there is
    /// enough (held until `now + hold_ms`), else record a conflict. Ids already present are
    /// left alone and their first answer returned; unknown items write nothing.
    async fn ingest(
        &self,
        batch: &[NewOrder],
        now: UnixMillis,
        hold_ms: i64,
    ) -> Result<Vec<Ingested>, StorageError>;

    /// The current state of an order, as the device sees it.
    async fn order(&self, id: IntentId) -> Result<Option<Order>, StorageError>;

    /// Held orders whose next settlement attempt is due.
    async fn due_settlements(
        &self,
        now: UnixMillis,
        limit: u32,
    ) -> Result<Vec<HeldOrder>, StorageError>;

    /// Record a settlement outcome; false if the order was no longer held (resolved once).
    async fn resolve(
        &self,
        id: IntentId,
        resolution: Resolution,
        now: UnixMillis,
    ) -> Result<bool, StorageError>;

    /// Release the stock of every hold past its expiry; returns how many expired.
    async fn expire_holds(&self, now: UnixMillis) -> Result<u64, StorageError>;
}
