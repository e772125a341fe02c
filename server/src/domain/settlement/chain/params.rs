//! How the sandbox chain is paced, and the small rules the chain and the rollup share: how a
//! key becomes a transaction hash, how a draw becomes a chance, what a bad address is told.

use std::time::Duration;

use sha2::{Digest, Sha256};
use vitrine_protocol::UnixMillis;

use crate::domain::settlement::RailError;

/// How the sandbox chain behaves. [`super::SandboxL1::seeded`] clamps nonsense (a zero block
/// time, a reorg as deep as finality) rather than refusing it.
#[derive(Debug, Clone)]
pub struct ChainParams {
    pub block_time: Duration,
    /// Blocks, counting the including one, after which a transaction is final.
    pub finality: u32,
    /// Deepest random or injected reorg; kept below `finality`.
    pub max_reorg_depth: u32,
    /// Chance that a new block comes with a reorg, in `0.0..=1.0`.
    pub reorg_chance: f64,
    /// A mint's fee, in gwei: flat, so the fee `mint` answers is the fee paid.
    pub fee_gwei: u64,
    /// Time of block 0; block `h` comes at `genesis + h × block_time`.
    pub genesis: UnixMillis,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            block_time: Duration::from_secs(12),
            finality: 12,
            max_reorg_depth: 3,
            reorg_chance: 0.0,
            // 21,000 gas at 30 gwei.
            fee_gwei: 21_000 * 30,
            genesis: UnixMillis(0),
        }
    }
}

impl ChainParams {
    pub(super) fn clamped(mut self) -> Self {
        self.block_time = self.block_time.max(Duration::from_millis(1));
        self.finality = self.finality.max(1);
        self.max_reorg_depth = self.max_reorg_depth.min(self.finality - 1);
        // NaN, like anything not above 0, is no chance at all.
        self.reorg_chance = if self.reorg_chance > 0.0 { self.reorg_chance.min(1.0) } else { 0.0 };
        self
    }

    /// The last block due at `at`.
    pub(super) fn height(&self, at: UnixMillis) -> u64 {
        let since = u64::try_from(at.0.saturating_sub(self.genesis.0)).unwrap_or(0);
        since / ms(self.block_time)
    }

    /// When block `h` comes.
    pub(super) fn time_of(&self, h: u64) -> UnixMillis {
        let offset = h.saturating_mul(ms(self.block_time));
        self.genesis.plus(i64::try_from(offset).unwrap_or(i64::MAX))
    }
}

/// `d` in whole milliseconds, at least 1 (a divisor).
pub(in crate::domain::settlement) fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A uniform draw in `[0, 1)` from 53 random bits.
pub(in crate::domain::settlement) fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// `"0x"` + hex of sha256(seed, domain, key): one transaction per key under one seed.
pub(in crate::domain::settlement) fn tx_hash(seed: u64, domain: &[u8], key: &str) -> String {
    let digest =
        Sha256::new().chain_update(seed.to_be_bytes()).chain_update(domain).chain_update(key);
    format!("0x{}", hex::encode(digest.finalize()))
}

/// The refusal of a mint to a malformed wallet: permanent, unlike an outage, so its message
/// starts with "invalid" and a caller must not retry it as is.
pub(in crate::domain::settlement) fn invalid_address(to: &str) -> RailError {
    RailError(format!("invalid wallet address {to:?}: expected 0x and 40 hex digits"))
}
