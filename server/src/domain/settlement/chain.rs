//! `sandbox-l1`: a simulated chain, deterministic under a seed and on its own [`SimClock`]. A
//! block comes every `block_time` after `genesis`; nothing runs in the background: every call
//! first produces the blocks due by the clock's now, in order. A new block takes the whole
//! mempool, may come with a reorg (seeded), and makes final the block `finality - 1` below it.
//!
//! A reorg replaces the last `d` blocks (never a final one) with blocks of another fork at the
//! same heights. A mint in them is dropped for good, as if a conflicting transaction won on that
//! fork; its key keeps answering the dropped transaction and a re-mint is a new key. A rollup's
//! batch transaction is the exception: nothing conflicts with the sequencer's own post, so it
//! goes back to the mempool and the next block takes it again (see [`SandboxL1::post_batch`]).
//! The USDC rail's plain transfers ride the same blocks as mints and a reorg drops them alike,
//! but the mint stream never reports them and their rail sends them again (`transfers.rs`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vitrine_protocol::wallet::is_address;
use vitrine_protocol::UnixMillis;

use super::{Attestation, Mint, MintRail, MintSubmitted, RailError, RailEvent, SimClock, TxStatus};
pub use params::ChainParams;
pub(super) use params::{invalid_address, ms, tx_hash, unit};

/// Its pace, and the rules it shares with the rollup.
mod params;
/// Plain transfers in its blocks, for the USDC rail.
mod transfers;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Included(u64),
    Final(u64),
    Dropped,
}

/// A transaction of ours: a mint, or a plain transfer (`transfers.rs`).
#[derive(Debug)]
struct OurTx {
    key: String,
    /// The mint's token; `None` for a transfer, which the mint stream never reports.
    token_id: Option<u64>,
    state: State,
}

/// Where a rollup's batch transaction stands on the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Landing {
    /// The block holding it now; `None` while it waits in the mempool.
    pub block: Option<u64>,
    pub confirmations: u32,
    pub final_at: Option<UnixMillis>,
}

#[derive(Debug)]
struct Books {
    /// Two draws per block once `reorg_chance > 0`, in block order: how the chain is asked
    /// (one big jump or a call per block) does not change which blocks reorg.
    rng: ChaCha8Rng,
    head: u64,
    /// The latest sandbox time the chain was asked at: reports never go back in time.
    now: UnixMillis,
    /// Accepted mints by key; token ids count them.
    by_key: HashMap<String, MintSubmitted>,
    /// Our transactions, mints and transfers, by hash.
    txs: HashMap<String, OurTx>,
    mempool: Vec<String>,
    /// Blocks holding our transactions that are not final yet, by height.
    unfinal: BTreeMap<u64, Vec<String>>,
    /// Batch transactions by hash: when they were posted.
    batches: HashMap<String, UnixMillis>,
    /// Every reorg, as (head, depth), oldest first: where a batch transaction is follows from
    /// it. A few words per reorg; never pruned, since a rollup may post late (see `post_batch`).
    reorgs: Vec<(u64, u32)>,
    published: Vec<Attestation>,
}

impl Books {
    /// Move our transaction `tx` to `state`, and report it at `at` if it is a mint: answers
    /// whether it was (false for a transfer or a batch transaction).
    fn mark(&mut self, tx: &str, state: State, at: UnixMillis) -> bool {
        let Some(m) = self.txs.get_mut(tx) else { return false };
        m.state = state;
        let Some(token_id) = m.token_id else { return false };
        let (key, tx) = (m.key.clone(), tx.to_owned());
        let event = match state {
            State::Included(block) => {
                RailEvent::MintIncluded { tx, block, token_id, confirmations: 1 }
            }
            State::Final(block) => RailEvent::MintFinal { tx, block },
            State::Pending | State::Dropped => RailEvent::MintDropped { tx },
        };
        let seq = self.published.last().map_or(1, |a| a.seq + 1);
        self.published.push(Attestation { seq, key, event, at });
        true
    }

    /// Produce every block due by `at`.
    fn catch_up(&mut self, p: &ChainParams, at: UnixMillis) {
        let target = p.height(at);
        while self.head < target {
            let next = self.head + 1;
            // With nothing to include and no reorg to draw, the blocks up to the next one that
            // makes something final are empty: skip them, so a three-day jump is a few steps.
            let h = if self.mempool.is_empty() && p.reorg_chance <= 0.0 {
                let finalizes = self.unfinal.keys().next().map(|b| b + u64::from(p.finality) - 1);
                finalizes.unwrap_or(target).clamp(next, target)
            } else {
                next
            };
            self.head = h;
            self.produce(p, h);
        }
        self.now = self.now.max(at);
    }

    fn produce(&mut self, p: &ChainParams, h: u64) {
        let at = p.time_of(h);
        if !self.mempool.is_empty() {
            let txs = std::mem::take(&mut self.mempool);
            for tx in &txs {
                self.mark(tx, State::Included(h), at);
            }
            self.unfinal.insert(h, txs);
        }
        if p.reorg_chance > 0.0 {
            let (roll, depth) = (self.rng.next_u64(), self.rng.next_u64());
            if unit(roll) < p.reorg_chance && p.max_reorg_depth > 0 {
                let depth = 1 + depth % u64::from(p.max_reorg_depth);
                self.reorg(p, u32::try_from(depth).unwrap_or(u32::MAX), at);
            }
        }
        let Some(last_final) = (h + 1).checked_sub(u64::from(p.finality)) else { return };
        while let Some(entry) = self.unfinal.first_entry() {
            if *entry.key() > last_final {
                break;
            }
            let (block, txs) = entry.remove_entry();
            for tx in txs {
                self.mark(&tx, State::Final(block), at);
            }
        }
    }

    /// Replace the last `depth` blocks, clamped so that no final block is touched; returns
    /// how many mints were dropped.
    fn reorg(&mut self, p: &ChainParams, depth: u32, at: UnixMillis) -> u32 {
        let depth = depth.min(p.finality - 1).min(u32::try_from(self.head).unwrap_or(u32::MAX));
        self.reorgs.extend((depth > 0).then_some((self.head, depth)));
        let gone = self.unfinal.split_off(&(self.head + 1 - u64::from(depth)));
        let mut dropped = 0;
        for tx in gone.into_values().flatten() {
            dropped += u32::from(self.mark(&tx, State::Dropped, at));
        }
        dropped
    }

    /// A batch posted at `posted_at` goes into the first block after it, and after each reorg
    /// that took it away, into the block after that reorg.
    fn landing(&self, p: &ChainParams, posted_at: UnixMillis) -> Landing {
        let mut block = p.height(posted_at) + 1;
        for &(head, depth) in &self.reorgs {
            if block <= head && block + u64::from(depth) > head {
                block = head + 1;
            }
        }
        if block > self.head {
            return Landing { block: None, confirmations: 0, final_at: None };
        }
        let confirmations = u32::try_from(self.head - block + 1).unwrap_or(u32::MAX);
        let final_at =
            (confirmations >= p.finality).then(|| p.time_of(block + u64::from(p.finality) - 1));
        Landing { block: Some(block), confirmations, final_at }
    }

    fn status(&self, p: &ChainParams, tx: &str) -> TxStatus {
        if let Some(m) = self.txs.get(tx) {
            return match m.state {
                State::Pending => TxStatus::Pending,
                State::Included(block) => TxStatus::Included {
                    block,
                    confirmations: u32::try_from(self.head - block + 1).unwrap_or(u32::MAX),
                    needed: p.finality,
                },
                State::Final(block) => TxStatus::Final { block },
                State::Dropped => TxStatus::Dropped,
            };
        }
        let Some(posted_at) = self.batches.get(tx) else { return TxStatus::Unknown };
        match self.landing(p, *posted_at) {
            Landing { block: None, .. } => TxStatus::Pending,
            Landing { block: Some(block), final_at: Some(_), .. } => TxStatus::Final { block },
            Landing { block: Some(block), confirmations, .. } => {
                TxStatus::Included { block, confirmations, needed: p.finality }
            }
        }
    }
}

/// The sandbox chain. Share it (`Arc`) with the [`super::SandboxL2`] that posts to it.
pub struct SandboxL1 {
    seed: u64,
    clock: Arc<SimClock>,
    params: ChainParams,
    books: Mutex<Books>,
}

impl SandboxL1 {
    /// The name receipts and the ledger use for this chain.
    pub const NAME: &'static str = "sandbox-l1";

    /// A chain whose hashes and reorgs derive from `seed`, on `clock` (shared with the other
    /// sandboxes, so one "three days later" moves them all).
    pub fn seeded(seed: u64, clock: Arc<SimClock>, params: ChainParams) -> Self {
        let books = Books {
            rng: ChaCha8Rng::seed_from_u64(seed),
            head: 0,
            now: params.genesis,
            by_key: HashMap::new(),
            txs: HashMap::new(),
            mempool: Vec::new(),
            unfinal: BTreeMap::new(),
            batches: HashMap::new(),
            reorgs: Vec::new(),
            published: Vec::new(),
        };
        SandboxL1 { seed, clock, params: params.clamped(), books: Mutex::new(books) }
    }

    pub fn clock(&self) -> &Arc<SimClock> {
        &self.clock
    }

    /// The parameters in force (after clamping).
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The chain's height when the server's time is `now` (0 if the books are poisoned).
    pub fn head(&self, now: UnixMillis) -> u64 {
        self.caught_up(self.clock.at(now)).map_or(0, |b| b.head)
    }

    /// Replace the last `depth` blocks now, as a test or a runbook asks; clamped so that final
    /// blocks are never touched. Returns how many mints were dropped (a transfer in them is
    /// dropped too, uncounted: its rail sends it again).
    pub fn inject_reorg(&self, depth: u32, now: UnixMillis) -> Result<u32, RailError> {
        let mut books = self.caught_up(self.clock.at(now))?;
        let at = books.now;
        Ok(books.reorg(&self.params, depth, at))
    }

    /// Post a rollup batch as a transaction, at sandbox time `posted_at`. Idempotent per
    /// `key`. It takes the first block after `posted_at` even if the chain already went past
    /// it (a rollup catches up lazily too, and where its batch lands must not depend on who
    /// asked the chain first); it yields no attestation, and a reorg sends it back to the
    /// mempool instead of dropping it.
    pub(super) fn post_batch(&self, key: &str, posted_at: UnixMillis) -> Result<String, RailError> {
        let tx = tx_hash(self.seed, b"batch\0", key);
        self.books()?.batches.entry(tx.clone()).or_insert(posted_at);
        Ok(tx)
    }

    /// Where batch transaction `tx` stands at sandbox time `at`; `None` if it was never posted.
    pub(super) fn landing(&self, tx: &str, at: UnixMillis) -> Result<Option<Landing>, RailError> {
        let books = self.caught_up(at)?;
        Ok(books.batches.get(tx).map(|posted_at| books.landing(&self.params, *posted_at)))
    }

    fn books(&self) -> Result<MutexGuard<'_, Books>, RailError> {
        self.books.lock().map_err(|_| RailError("sandbox chain poisoned".into()))
    }

    fn caught_up(&self, at: UnixMillis) -> Result<MutexGuard<'_, Books>, RailError> {
        let mut books = self.books()?;
        books.catch_up(&self.params, at);
        Ok(books)
    }
}

#[async_trait]
impl MintRail for SandboxL1 {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn finality(&self) -> Duration {
        self.params.block_time.saturating_mul(self.params.finality)
    }

    fn time(&self, now: UnixMillis) -> UnixMillis {
        self.clock.at(now)
    }

    /// Rejects a malformed `mint.to` with a [`RailError`] whose message starts with "invalid"
    /// (validate with [`is_address`] before calling); a known key answers its first result.
    async fn mint(&self, mint: &Mint, now: UnixMillis) -> Result<MintSubmitted, RailError> {
        let mut books = self.caught_up(self.clock.at(now))?;
        if let Some(done) = books.by_key.get(&mint.key) {
            return Ok(done.clone());
        }
        if !is_address(&mint.to) {
            return Err(invalid_address(&mint.to));
        }
        let tx = tx_hash(self.seed, b"", &mint.key);
        let token_id = u64::try_from(books.by_key.len()).unwrap_or(u64::MAX) + 1;
        let submitted = MintSubmitted { tx: tx.clone(), token_id, fee: self.params.fee_gwei };
        books.by_key.insert(mint.key.clone(), submitted.clone());
        let pending =
            OurTx { key: mint.key.clone(), token_id: Some(token_id), state: State::Pending };
        books.txs.insert(tx.clone(), pending);
        books.mempool.push(tx);
        Ok(submitted)
    }

    async fn status(&self, tx: &str, now: UnixMillis) -> Result<TxStatus, RailError> {
        let books = self.caught_up(self.clock.at(now))?;
        Ok(books.status(&self.params, tx))
    }

    async fn attestations(
        &self,
        after: u64,
        limit: usize,
        now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError> {
        let books = self.caught_up(self.clock.at(now))?;
        let start = books.published.partition_point(|a| a.seq <= after);
        Ok(books.published[start..].iter().take(limit).cloned().collect())
    }
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
