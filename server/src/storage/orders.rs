//! What the order path needs from storage: SQL only. Which order is held, which is a conflict,
//! and what the buyer reads about it are decided in `domain::orders`.

use async_trait::async_trait;
use vitrine_protocol::drops::allowlist::Hash;
use vitrine_protocol::drops::{DropId, Terms};
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{Currency, IntentId, ItemId, KeyId, Money, OrderState, UnixMillis};

use super::StorageError;

/// The first answer given for an intent id, kept to be given again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub request_hash: [u8; 32],
    pub status: u16,
    pub body: String,
}

/// Why a conflict order was not honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    SoldOut,
    Late,
    OverLimit,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::SoldOut => "sold_out",
            ConflictKind::Late => "late",
            ConflictKind::OverLimit => "over_limit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::SoldOut, Self::Late, Self::OverLimit].into_iter().find(|k| k.as_str() == s)
    }
}

/// One order row, as written by the writer and read back for `GET /api/v1/orders/{id}`.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: IntentId,
    pub request_hash: [u8; 32],
    pub device_key: PublicKey,
    pub item: ItemId,
    pub quantity: u32,
    pub total: Money,
    pub rail: String,
    pub token: String,
    pub wallet: Option<String>,
    pub email: Option<String>,
    pub device_time: UnixMillis,
    pub state: OrderState,
    pub conflict: Option<ConflictKind>,
    pub hold_expires_at: Option<UnixMillis>,
    pub reason: Option<String>,
}

/// A decided order ready to be written, with the answer its buyer gets now and on every retry.
#[derive(Debug, Clone)]
pub struct NewOrderRow {
    pub record: OrderRecord,
    pub answer: StoredAnswer,
    /// When the settler should first try it (held orders only).
    pub next_settle_at: Option<UnixMillis>,
    /// The drop it was bought in, if any: its held and paid orders are what the drop has
    /// sold.
    pub drop_id: Option<DropId>,
}

/// An approved drop a work is in, as the writer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropRow {
    pub id: DropId,
    pub item: ItemId,
    pub terms: Terms,
    pub allowlist_root: Option<Hash>,
    pub supply: i64,
    /// Editions of this work held or paid in the drop.
    pub taken: i64,
}

/// What one buyer holds or owns in a drop: by device key and by email (trimmed, lowercase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropBuyer {
    pub drop: DropId,
    pub device_key: PublicKey,
    pub email: Option<String>,
    pub quantity: i64,
}

/// A voucher of the writer's batch that an order already claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedVoucher {
    pub batch: i64,
    pub serial: u16,
    pub at: UnixMillis,
}

/// One held or paid order that claimed a voucher of a claim batch the writer's batch names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimHolder {
    pub batch: i64,
    pub device_key: PublicKey,
    /// Trimmed and lowercased.
    pub email: Option<String>,
}

/// One signing key as stored.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub id: KeyId,
    pub secret: [u8; 32],
    pub created_at: UnixMillis,
    pub retired_at: Option<UnixMillis>,
}

/// The writer's transaction: everything one batch does commits together or not at all. The
/// reads take a whole batch at once, so a batch costs a handful of statements, not five per
/// order.
#[async_trait]
pub trait IngestTx: Send {
    /// The stored first answers of those of `ids` that are taken.
    async fn answers(
        &mut self,
        ids: &[IntentId],
    ) -> Result<Vec<(IntentId, StoredAnswer)>, StorageError>;
    /// What each of `devices` holds in orders not final yet, per currency (minor units).
    async fn outstanding(
        &mut self,
        devices: &[PublicKey],
    ) -> Result<Vec<(PublicKey, Currency, i64)>, StorageError>;
    /// The stock of those of `items` that exist.
    async fn stock(&mut self, items: &[ItemId]) -> Result<Vec<(ItemId, i64)>, StorageError>;
    /// The approved drops of those of `items` in one.
    async fn drops(&mut self, items: &[ItemId]) -> Result<Vec<DropRow>, StorageError>;
    /// Who holds or owns editions in `drops`, per device and email.
    async fn drop_buyers(&mut self, drops: &[DropId]) -> Result<Vec<DropBuyer>, StorageError>;
    /// Take `quantity` editions of `item`; false (nothing taken) if there are not that many.
    /// Which of `vouchers` (claim batch, serial) are claimed already, and who holds orders
    /// claimed from their batches.
    async fn claim_figures(
        &mut self,
        vouchers: &[(i64, u16)],
    ) -> Result<(Vec<ClaimedVoucher>, Vec<ClaimHolder>), StorageError>;
    /// Mark each voucher claimed by its order; every one must still be unclaimed.
    async fn claim_vouchers(
        &mut self,
        claims: &[(i64, u16, IntentId)],
        now: UnixMillis,
    ) -> Result<(), StorageError>;
    async fn take_stock(&mut self, item: ItemId, quantity: i64) -> Result<bool, StorageError>;
    /// Another item of the same collection with `quantity` in stock.
    async fn similar_in_stock(
        &mut self,
        item: ItemId,
        quantity: u32,
    ) -> Result<Option<(ItemId, String)>, StorageError>;
    /// Insert the orders with their first answers, and their ledger rows (`hold` or
    /// `conflict`).
    async fn insert(&mut self, orders: &[NewOrderRow], now: UnixMillis)
        -> Result<(), StorageError>;
    async fn commit(self: Box<Self>) -> Result<(), StorageError>;
}

#[async_trait]
pub trait OrderStore: Send + Sync + 'static {
    /// Every signing key, oldest first; `candidate` becomes key 1 if there is none yet.
    async fn key_ring(
        &self,
        candidate: [u8; 32],
        now: UnixMillis,
    ) -> Result<Vec<StoredKey>, StorageError>;

    /// Add `secret` as the new signing key and retire the current one, in one transaction.
    async fn rotate_key(&self, secret: [u8; 32], now: UnixMillis) -> Result<KeyId, StorageError>;

    /// The first answer stored for `id`: looked up when verification refuses, so a retry
    /// after a key or policy change gets the answer it got then.
    async fn answer(&self, id: IntentId) -> Result<Option<StoredAnswer>, StorageError>;

    /// Start the writer's batch transaction (`BEGIN IMMEDIATE`).
    async fn begin_ingest(&self) -> Result<Box<dyn IngestTx>, StorageError>;

    /// One order as stored.
    async fn order(&self, id: IntentId) -> Result<Option<OrderRecord>, StorageError>;

    /// Another item of `item`'s collection with `quantity` in stock.
    async fn similar_in_stock(
        &self,
        item: ItemId,
        quantity: u32,
    ) -> Result<Option<(ItemId, String)>, StorageError>;
}
