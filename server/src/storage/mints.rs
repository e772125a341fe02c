//! What the minter needs from storage: orders due to be minted, mint attempts written before
//! each call to a chain, and where each stands. SQL only; the minter decides.

use async_trait::async_trait;
use vitrine_protocol::{IntentId, ItemId, UnixMillis};

use super::StorageError;

/// Where a mint attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MintState {
    /// Written; the chain has not answered yet.
    Submitting,
    Pending,
    Included,
    Final,
    Dropped,
}

impl MintState {
    pub fn as_str(self) -> &'static str {
        match self {
            MintState::Submitting => "submitting",
            MintState::Pending => "pending",
            MintState::Included => "included",
            MintState::Final => "final",
            MintState::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use MintState::*;
        [Submitting, Pending, Included, Final, Dropped].into_iter().find(|m| m.as_str() == s)
    }
}

/// An order whose work is due to be minted (first time, or again after a drop).
#[derive(Debug, Clone)]
pub struct DueMint {
    pub order: IntentId,
    pub item: ItemId,
    /// Its collection's chain.
    pub chain: String,
    /// The buyer's wallet, if they gave one.
    pub wallet: Option<String>,
    /// Attempts before this one.
    pub n: u32,
}

/// A mint attempt, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintAttempt {
    pub key: String,
    pub order: IntentId,
    pub item: ItemId,
    pub n: u32,
    pub chain: String,
    pub wallet: String,
    pub state: MintState,
    pub tx: Option<String>,
    pub token_id: Option<u64>,
    pub block: Option<u64>,
    pub confirmations: u32,
    pub needed: u32,
    pub updated_at: UnixMillis,
}

/// Where a chain says an attempt stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MintProgress {
    pub state: MintState,
    pub block: Option<u64>,
    pub confirmations: u32,
    pub needed: u32,
}

#[async_trait]
pub trait MintStore: Send + Sync + 'static {
    /// Orders queued for a mint on one of `chains`, oldest first.
    async fn due_mints(&self, chains: &[&str], limit: u32) -> Result<Vec<DueMint>, StorageError>;

    /// Write the attempt `{order}/mint/{n}` to `wallet` and take the order off the queue, in
    /// one transaction; `None` when another attempt is live (nothing written but the queue).
    async fn open_mint(
        &self,
        due: &DueMint,
        wallet: &str,
        now: UnixMillis,
    ) -> Result<Option<String>, StorageError>;

    /// Attempts not yet final or dropped, oldest first.
    async fn live_mints(&self, limit: u32) -> Result<Vec<MintAttempt>, StorageError>;

    /// The chain took the attempt into its mempool.
    async fn mint_submitted(
        &self,
        key: &str,
        tx: &str,
        token_id: u64,
        fee_gwei: u64,
        now: UnixMillis,
    ) -> Result<(), StorageError>;

    /// Record where an attempt stands; a final or dropped attempt never changes again.
    async fn mint_progress(
        &self,
        key: &str,
        progress: MintProgress,
        now: UnixMillis,
    ) -> Result<(), StorageError>;

    /// An order's attempts, first to last.
    async fn order_mints(&self, order: IntentId) -> Result<Vec<MintAttempt>, StorageError>;
}
