//! Settlement rails: how a held order is paid, and how a paid work is minted. Every rail — a
//! card processor, a chain adapter — implements [`SettlementRail`]; a chain also implements
//! [`MintRail`]. This build ships only sandboxes, named as such and deterministic under a seed
//! (`sandbox-card`, `sandbox-l2-usdc`, `sandbox-l1-usdc`, `sandbox-l1`, `sandbox-l2`), never a
//! real processor or chain client.
//! docs/rails.md says how a real one maps onto these traits.
//!
//! Every call carries our idempotency key (the attempt's, written before the call): asked twice
//! with one key, a rail must answer the first result and never charge, refund or mint twice.
//! What a rail reports happened on its own (settlement reports, disputes, blocks, reorgs) comes
//! as a stream of [`Attestation`]s, which reconciliation matches against the ledger.

mod card;
mod chain;
mod free;
mod rollup;
mod sim_clock;
mod transfer_chain;
mod usdc;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use vitrine_protocol::{IntentId, ItemId, Money, UnixMillis};

pub use card::{Fault, SandboxCard};
pub use chain::{ChainParams, SandboxL1};
pub use free::NoCharge;
pub use rollup::{RollupParams, SandboxL2};
pub use sim_clock::SimClock;
pub use usdc::{SandboxUsdc, UsdcTransfer};

/// What a rail needs to know to authorize one order's payment.
#[derive(Debug, Clone)]
pub struct Charge {
    pub order: IntentId,
    /// Our idempotency key for this charge: the same on every retry, also after a crash.
    /// Capture and void name the charge by this key.
    pub key: String,
    pub amount: Money,
    pub token: String,
    /// When the server accepted the order.
    pub accepted_at: UnixMillis,
}

/// Money given back on a captured charge, under its own key.
#[derive(Debug, Clone)]
pub struct Refund {
    /// Our idempotency key for this refund (one per refund, not per charge).
    pub key: String,
    /// The charge's key.
    pub charge_key: String,
    pub amount: Money,
}

/// A rail's answer to authorize, capture or refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Approved {
        reference: String,
    },
    Declined {
        reason: String,
    },
    /// Not decided yet; ask again later (with the same key).
    Pending {
        retry_after: Duration,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("rail unavailable: {0}")]
pub struct RailError(pub String);

/// One thing a rail reports happened, in the rail's own order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// Position in this rail's stream, strictly increasing: the reconciler's cursor.
    pub seq: u64,
    /// Our idempotency key the report is about: a charge's, a refund's or a mint's.
    pub key: String,
    pub event: RailEvent,
    /// When it happened, on the rail's clock.
    pub at: UnixMillis,
}

/// What a rail reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RailEvent {
    Authorized {
        amount: Money,
    },
    Captured {
        amount: Money,
    },
    Declined,
    Voided,
    /// A line of the rail's settlement report: the money reached us.
    Settled {
        amount: Money,
    },
    Refunded {
        amount: Money,
    },
    /// The buyer disputed the charge; the amount is held back until it is decided.
    Disputed {
        amount: Money,
    },
    DisputeWon,
    DisputeLost {
        amount: Money,
    },
    /// A mint transaction is in a block; `confirmations` counts that block.
    MintIncluded {
        tx: String,
        block: u64,
        token_id: u64,
        confirmations: u32,
    },
    /// The block holding the mint is final: it can no longer be reorged away.
    MintFinal {
        tx: String,
        block: u64,
    },
    /// The mint's block was reorged away or its rollup batch reverted: the token does not exist.
    MintDropped {
        tx: String,
    },
}

#[async_trait]
pub trait SettlementRail: Send + Sync + 'static {
    /// The name intents use in `payment.rail`.
    fn name(&self) -> &'static str;
    /// Reserve the charge's amount. Idempotent per `charge.key`.
    async fn authorize(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError>;
    /// Take the whole authorized amount of the charge made under `charge_key`. Idempotent;
    /// an unknown, declined or voided charge is declined.
    async fn capture(&self, charge_key: &str, now: UnixMillis) -> Result<Outcome, RailError>;
    /// Cancel the charge made (or pending) under `charge_key`: nothing stays taken. Idempotent;
    /// voiding an unknown key is not an error (the charge never reached the rail), and a
    /// charge that arrives after its void is declined.
    async fn void(&self, charge_key: &str, now: UnixMillis) -> Result<(), RailError>;
    /// Give back part or all of a captured charge. Idempotent per `refund.key`; the refunds of
    /// one charge never add up to more than was captured.
    async fn refund(&self, refund: &Refund, now: UnixMillis) -> Result<Outcome, RailError>;
    /// The rail's clock when the server's is `now` (its reports are dated on it). A real
    /// processor's is the server's; a sandbox's runs ahead as tests move it.
    fn time(&self, now: UnixMillis) -> UnixMillis {
        now
    }
    /// Reports with `seq > after`, oldest first, at most `limit`, as of `now`.
    async fn attestations(
        &self,
        after: u64,
        limit: usize,
        now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError>;
}

/// A work to mint: one token per edition sold.
#[derive(Debug, Clone)]
pub struct Mint {
    /// Our idempotency key for this mint attempt. A re-mint after a reorg is a new attempt
    /// with a new key; the old key keeps answering its dropped transaction.
    pub key: String,
    pub order: IntentId,
    pub item: ItemId,
    /// The buyer's wallet address on this chain.
    pub to: String,
}

/// A mint the chain accepted into its mempool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintSubmitted {
    pub tx: String,
    pub token_id: u64,
    /// The transaction's fee, in the chain's smallest unit (gwei on the sandboxes).
    pub fee: u64,
}

/// Where a transaction stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    /// Known, not yet in a block.
    Pending,
    /// In block `block`, with `confirmations` of the `needed` for finality.
    Included {
        block: u64,
        confirmations: u32,
        needed: u32,
    },
    Final {
        block: u64,
    },
    /// Reorged away or reverted; it will not come back under this key.
    Dropped,
    /// The chain has never seen it.
    Unknown,
}

#[async_trait]
pub trait MintRail: Send + Sync + 'static {
    /// The chain's name, as receipts and the ledger spell it.
    fn name(&self) -> &'static str;
    /// Submit the mint. Idempotent per `mint.key`: the same key answers the same transaction.
    async fn mint(&self, mint: &Mint, now: UnixMillis) -> Result<MintSubmitted, RailError>;
    async fn status(&self, tx: &str, now: UnixMillis) -> Result<TxStatus, RailError>;
    /// How long, in the chain's time, a mint normally takes from its inclusion to final. The
    /// reconciler calls a mint late past this (and a window): an EVM adapter answers its
    /// finality depth × block time, a rollup's adds its batch interval and challenge window.
    fn finality(&self) -> Duration;
    /// The chain's clock when the server's is `now` (its reports are dated on it). A real
    /// chain's is the server's; a sandbox's runs ahead as tests move it.
    fn time(&self, now: UnixMillis) -> UnixMillis {
        now
    }
    /// Chain events about our mints with `seq > after`, oldest first, at most `limit`.
    async fn attestations(
        &self,
        after: u64,
        limit: usize,
        now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError>;
}

/// The rails a server settles on and the chains it mints on, by name.
#[derive(Clone, Default)]
pub struct Rails {
    payments: HashMap<&'static str, Arc<dyn SettlementRail>>,
    chains: HashMap<&'static str, Arc<dyn MintRail>>,
}

impl Rails {
    pub fn with(self, rail: impl SettlementRail) -> Self {
        self.with_shared(Arc::new(rail))
    }

    /// Add a rail the caller keeps a handle on (tests read the sandbox's books).
    pub fn with_shared(mut self, rail: Arc<dyn SettlementRail>) -> Self {
        self.payments.insert(rail.name(), rail);
        self
    }

    /// Add a chain works are minted on.
    pub fn with_chain(mut self, chain: Arc<dyn MintRail>) -> Self {
        self.chains.insert(chain.name(), chain);
        self
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn SettlementRail>> {
        self.payments.get(name)
    }

    pub fn chain(&self, name: &str) -> Option<&Arc<dyn MintRail>> {
        self.chains.get(name)
    }

    /// The payment rails' names, sorted.
    pub fn payment_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.payments.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The chains' names, sorted.
    pub fn chain_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.chains.keys().copied().collect();
        names.sort_unstable();
        names
    }
}

/// The sandboxes on one clock, so "three days later" moves the card's disputes and the
/// chains' blocks together. Tests and runbooks keep this to drive them.
#[derive(Clone)]
pub struct Sandboxes {
    pub clock: Arc<SimClock>,
    pub card: Arc<SandboxCard>,
    /// Pays in USDC on `l2`: its transfers share the rollup's blocks and batches with mints.
    pub usdc: Arc<SandboxUsdc>,
    /// Pays in USDC on `l1`: its transfers share the chain's blocks (and reorgs) with mints.
    pub usdc_l1: Arc<SandboxUsdc>,
    pub l1: Arc<SandboxL1>,
    pub l2: Arc<SandboxL2>,
}

impl Sandboxes {
    /// Sandboxes paced for people watching a receipt: an L1 block every 4 s, final after 12
    /// (48 s); an L2 block every second, batches posted every 10 s. Real chains are slower
    /// (docs/rails.md); the pace changes nothing but waiting.
    pub fn new(seed: u64) -> Self {
        let clock = Arc::new(SimClock::default());
        let chain = ChainParams { block_time: Duration::from_secs(4), ..ChainParams::default() };
        let l1 = Arc::new(SandboxL1::seeded(seed, clock.clone(), chain));
        let rollup = RollupParams {
            block_time: Duration::from_secs(1),
            batch_every: Duration::from_secs(10),
            ..RollupParams::default()
        };
        let l2 = Arc::new(SandboxL2::seeded(seed, l1.clone(), rollup));
        let card = Arc::new(SandboxCard::seeded(seed, clock.clone()));
        let usdc = Arc::new(SandboxUsdc::on_l2(l2.clone()));
        let usdc_l1 = Arc::new(SandboxUsdc::on_l1(l1.clone()));
        Sandboxes { clock, card, usdc, usdc_l1, l1, l2 }
    }

    pub fn rails(&self) -> Rails {
        Rails::default()
            .with_shared(self.card.clone())
            .with_shared(self.usdc.clone())
            .with_shared(self.usdc_l1.clone())
            .with_chain(self.l1.clone())
            .with_chain(self.l2.clone())
    }
}
