//! `sandbox-l2`: a simulated rollup whose sequencer posts batches to a [`SandboxL1`],
//! deterministic under a seed and on the chain's [`SimClock`]. Like the chain, it runs only when
//! asked, catching up to the clock's now.
//!
//! Life of a mint: the sequencer puts it in the next L2 block (every `block_time` after the
//! chain's genesis): a soft confirmation, reported as included with 0 confirmations. Batch `k`
//! holds the L2 blocks after `(k-1) × batch_every` up to `k × batch_every`, and is posted at
//! that time as one transaction on the chain; an empty batch is not posted. A chain reorg does
//! not lose it: the post goes back to the chain's mempool and lands again. Once the post is
//! final on the chain and `finality_delay` (the challenge window) has passed, its mints are
//! final. Until then a batch can be reverted — on posting, with `revert_chance`, or by
//! [`SandboxL2::inject_revert`] — and all its mints are dropped. [`SandboxL2::inject_halt`]
//! stops the batcher for a while (a real rollup's failure mode): batches due meanwhile are
//! posted when it is back, so their mints are final late. Plain transfers (the USDC rail's)
//! ride the same blocks and batches, so all of this happens to them too (`rollup/transfers.rs`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vitrine_protocol::UnixMillis;

use super::chain::{invalid_address, ms, tx_hash, unit};
use super::{
    Attestation, Mint, MintRail, MintSubmitted, RailError, RailEvent, SandboxL1, TxStatus,
};
use vitrine_protocol::wallet::is_address;

/// How the sandbox rollup behaves.
#[derive(Debug, Clone)]
pub struct RollupParams {
    pub block_time: Duration,
    /// How often the sequencer posts a batch to the chain.
    pub batch_every: Duration,
    /// The challenge window: how long after its post is final on the chain a batch becomes
    /// final (and can still be reverted).
    pub finality_delay: Duration,
    /// Chance that a batch is reverted when posted (its post never reaches the chain), in
    /// `0.0..=1.0`; drawn per batch index from the seed.
    pub revert_chance: f64,
    /// A mint's fee, in gwei: flat, like the chain's.
    pub fee_gwei: u64,
}

impl Default for RollupParams {
    fn default() -> Self {
        RollupParams {
            block_time: Duration::from_secs(2),
            batch_every: Duration::from_secs(60),
            finality_delay: Duration::ZERO,
            revert_chance: 0.0,
            // 21,000 gas at 0.1 gwei.
            fee_gwei: 2_100,
        }
    }
}

/// An L2 transaction of ours: a mint, or a plain transfer (`transfers.rs`).
#[derive(Debug)]
struct L2Mint {
    key: String,
    block: u64,
    batch: u64,
    /// A transfer: no token, and nothing on the mint stream.
    transfer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum BatchState {
    /// Sequencing; not posted yet.
    Open,
    Posted {
        l1_tx: String,
    },
    Final,
    Reverted,
}

#[derive(Debug)]
struct Batch {
    mints: Vec<String>,
    state: BatchState,
}

#[derive(Debug, Default)]
struct Books {
    /// The latest sandbox time the rollup was asked at: reports never go back in time.
    now: UnixMillis,
    next_token: u64,
    by_key: HashMap<String, MintSubmitted>,
    /// Mint transactions by hash.
    mints: HashMap<String, L2Mint>,
    /// Batches holding mints, by index.
    batches: BTreeMap<u64, Batch>,
    /// Batches neither final nor reverted.
    live: BTreeSet<u64>,
    /// Reports not yet due, in the order they were made.
    scheduled: Vec<(UnixMillis, String, RailEvent)>,
    published: Vec<Attestation>,
    /// When the batcher was down, as `[from, until)` in sandbox time, oldest first.
    halts: Vec<(UnixMillis, UnixMillis)>,
}

impl Books {
    /// When a batch due at `due` is posted: at once, or when the batcher is back.
    fn posted_at(&self, due: UnixMillis) -> UnixMillis {
        self.halts
            .iter()
            .fold(due, |at, &(from, until)| if from <= at && at < until { until } else { at })
    }

    fn report(&mut self, at: UnixMillis, key: &str, event: RailEvent) {
        self.scheduled.push((at, key.to_owned(), event));
    }

    /// Move every report due by `at` to the published stream, in time order.
    fn publish(&mut self, at: UnixMillis) {
        let (mut due, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.scheduled).into_iter().partition(|(t, _, _)| *t <= at);
        self.scheduled = later;
        due.sort_by_key(|(t, _, _)| *t);
        for (t, key, event) in due {
            let seq = self.published.last().map_or(1, |a| a.seq + 1);
            self.published.push(Attestation { seq, key, event, at: t });
        }
    }

    /// End batch `k` as `state`, reporting `event` for each of its mints at `at`.
    fn settle(&mut self, k: u64, state: BatchState, at: UnixMillis) -> u32 {
        self.live.remove(&k);
        let Some(batch) = self.batches.get_mut(&k) else { return 0 };
        batch.state = state.clone();
        let mut reports = Vec::new();
        for tx in &batch.mints {
            let Some(m) = self.mints.get(tx).filter(|m| !m.transfer) else { continue };
            let event = match state {
                BatchState::Final => RailEvent::MintFinal { tx: tx.clone(), block: m.block },
                _ => RailEvent::MintDropped { tx: tx.clone() },
            };
            reports.push((m.key.clone(), event));
        }
        let count = u32::try_from(reports.len()).unwrap_or(u32::MAX);
        for (key, event) in reports {
            self.report(at, &key, event);
        }
        count
    }
}

/// The sandbox rollup.
pub struct SandboxL2 {
    seed: u64,
    l1: Arc<SandboxL1>,
    params: RollupParams,
    books: Mutex<Books>,
}

impl SandboxL2 {
    /// The name receipts and the ledger use for this rollup.
    pub const NAME: &'static str = "sandbox-l2";

    /// A rollup whose hashes and reverts derive from `seed`, posting to `l1` and on its clock.
    pub fn seeded(seed: u64, l1: Arc<SandboxL1>, params: RollupParams) -> Self {
        let books = Books { now: l1.params().genesis, next_token: 1, ..Books::default() };
        // NaN, like anything not above 0, is no chance at all.
        let chance = if params.revert_chance > 0.0 { params.revert_chance.min(1.0) } else { 0.0 };
        let params = RollupParams { revert_chance: chance, ..params };
        SandboxL2 { seed, l1, params, books: Mutex::new(books) }
    }

    /// The chain the batches go to.
    pub fn l1(&self) -> &Arc<SandboxL1> {
        &self.l1
    }

    /// Revert the most recent batch that is posted and not final yet (still in its challenge
    /// window): its mints are dropped now. A batch not posted yet cannot be reverted, so with
    /// none in the window this does nothing. Returns how many mints were dropped.
    pub fn inject_revert(&self, now: UnixMillis) -> Result<u32, RailError> {
        let mut books = self.caught_up(now)?;
        let posted = books.live.iter().rev().copied().find(|k| {
            books.batches.get(k).is_some_and(|b| matches!(b.state, BatchState::Posted { .. }))
        });
        let Some(k) = posted else { return Ok(0) };
        let at = books.now;
        let dropped = books.settle(k, BatchState::Reverted, at);
        books.publish(at);
        Ok(dropped)
    }

    /// Stop the batcher from now for `for_` of sandbox time, as a test or a runbook asks:
    /// batches due meanwhile are posted when it is back. Returns when that is.
    pub fn inject_halt(&self, for_: Duration, now: UnixMillis) -> Result<UnixMillis, RailError> {
        let mut books = self.caught_up(now)?;
        let from = books.now;
        let until = from.plus(i64::try_from(for_.as_millis()).unwrap_or(i64::MAX));
        // Every batch due before now is posted (caught up above): ended halts are history.
        books.halts.retain(|&(_, end)| end > from);
        books.halts.push((from, until));
        Ok(until)
    }

    /// The chain transaction that carries the batch holding L2 transaction `tx`, once posted.
    pub fn batch_tx(&self, tx: &str, now: UnixMillis) -> Result<Option<String>, RailError> {
        let books = self.caught_up(now)?;
        let batch = books.mints.get(tx).and_then(|m| books.batches.get(&m.batch));
        Ok(match batch.map(|b| &b.state) {
            Some(BatchState::Posted { l1_tx }) => Some(l1_tx.clone()),
            _ => None,
        })
    }

    fn genesis(&self) -> UnixMillis {
        self.l1.params().genesis
    }

    /// When L2 block `n` comes.
    fn time_of(&self, n: u64) -> UnixMillis {
        let offset = n.saturating_mul(ms(self.params.block_time));
        self.genesis().plus(i64::try_from(offset).unwrap_or(i64::MAX))
    }

    /// The first L2 block after `at`.
    fn next_block(&self, at: UnixMillis) -> u64 {
        let since = u64::try_from(at.0.saturating_sub(self.genesis().0)).unwrap_or(0);
        since / ms(self.params.block_time) + 1
    }

    /// The batch holding L2 block `n`.
    fn batch_of(&self, n: u64) -> u64 {
        n.saturating_mul(ms(self.params.block_time)).div_ceil(ms(self.params.batch_every))
    }

    /// When batch `k` is posted.
    fn post_time(&self, k: u64) -> UnixMillis {
        let offset = k.saturating_mul(ms(self.params.batch_every));
        self.genesis().plus(i64::try_from(offset).unwrap_or(i64::MAX))
    }

    /// Put our transaction `tx` in the block after now, and that block in its batch.
    fn sequence(&self, books: &mut Books, tx: &str, key: &str, transfer: bool) -> u64 {
        // The batch of a block after now is not posted yet: it is open.
        let block = self.next_block(books.now);
        let batch = self.batch_of(block);
        let entry = L2Mint { key: key.to_owned(), block, batch, transfer };
        books.mints.insert(tx.to_owned(), entry);
        books
            .batches
            .entry(batch)
            .or_insert_with(|| Batch { mints: Vec::new(), state: BatchState::Open })
            .mints
            .push(tx.to_owned());
        books.live.insert(batch);
        block
    }

    /// Where our transaction `tx` stands, as [`MintRail::status`] answers it.
    pub(super) fn tx_status(&self, tx: &str, now: UnixMillis) -> Result<TxStatus, RailError> {
        let books = self.caught_up(now)?;
        let Some(m) = books.mints.get(tx) else { return Ok(TxStatus::Unknown) };
        let state = books.batches.get(&m.batch).map(|b| b.state.clone());
        let needed = self.l1.params().finality;
        Ok(match state {
            Some(BatchState::Reverted) => TxStatus::Dropped,
            Some(BatchState::Final) => TxStatus::Final { block: m.block },
            _ if self.time_of(m.block) > books.now => TxStatus::Pending,
            Some(BatchState::Posted { l1_tx }) => {
                let landing = self.l1.landing(&l1_tx, books.now)?;
                let confirmations = landing.map_or(0, |l| l.confirmations);
                TxStatus::Included { block: m.block, confirmations, needed }
            }
            _ => TxStatus::Included { block: m.block, confirmations: 0, needed },
        })
    }

    /// Whether batch `k` is reverted when posted: one draw on its own stream, so it does not
    /// depend on which other batches held mints.
    fn reverts(&self, k: u64) -> bool {
        if self.params.revert_chance <= 0.0 {
            return false;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(k);
        unit(rng.next_u64()) < self.params.revert_chance
    }

    fn books(&self) -> Result<MutexGuard<'_, Books>, RailError> {
        self.books.lock().map_err(|_| RailError("sandbox rollup poisoned".into()))
    }

    /// The books, with every batch due by the clock's now posted or reverted and every batch
    /// whose post is final (and whose window has passed) final. Locks the rollup, then the chain.
    fn caught_up(&self, now: UnixMillis) -> Result<MutexGuard<'_, Books>, RailError> {
        let mut books = self.books()?;
        let at = self.l1.clock().at(now).max(books.now);
        books.now = at;
        let delay = i64::try_from(self.params.finality_delay.as_millis()).unwrap_or(i64::MAX);
        for k in books.live.clone() {
            let Some(state) = books.batches.get(&k).map(|b| b.state.clone()) else { continue };
            let post = books.posted_at(self.post_time(k));
            let l1_tx = match state {
                BatchState::Open if post > at => continue,
                BatchState::Open if self.reverts(k) => {
                    books.settle(k, BatchState::Reverted, post);
                    continue;
                }
                BatchState::Open => {
                    let l1_tx = self.l1.post_batch(&format!("l2-batch:{k}"), post)?;
                    if let Some(b) = books.batches.get_mut(&k) {
                        b.state = BatchState::Posted { l1_tx: l1_tx.clone() };
                    }
                    l1_tx
                }
                BatchState::Posted { l1_tx } => l1_tx,
                BatchState::Final | BatchState::Reverted => continue,
            };
            let landing = self.l1.landing(&l1_tx, at)?;
            let final_at = landing.and_then(|l| l.final_at).map(|t| t.plus(delay));
            if let Some(final_at) = final_at.filter(|t| *t <= at) {
                books.settle(k, BatchState::Final, final_at);
            }
        }
        books.publish(at);
        Ok(books)
    }
}

#[async_trait]
impl MintRail for SandboxL2 {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// A mint waits for its batch's post, the post's landing and finality on the chain (a
    /// reorg as deep as the chain allows re-posts it that many blocks later), and the
    /// challenge window.
    fn finality(&self) -> Duration {
        let l1 = self.l1.params();
        self.params.batch_every
            + l1.block_time.saturating_mul(1 + l1.max_reorg_depth)
            + self.l1.finality()
            + self.params.finality_delay
    }

    fn time(&self, now: UnixMillis) -> UnixMillis {
        self.l1.clock().at(now)
    }

    /// Rejects a malformed `mint.to` as [`SandboxL1`] does; a known key answers its first result.
    async fn mint(&self, mint: &Mint, now: UnixMillis) -> Result<MintSubmitted, RailError> {
        let mut books = self.caught_up(now)?;
        if let Some(done) = books.by_key.get(&mint.key) {
            return Ok(done.clone());
        }
        if !is_address(&mint.to) {
            return Err(invalid_address(&mint.to));
        }
        let tx = tx_hash(self.seed, b"l2\0", &mint.key);
        let token_id = books.next_token;
        books.next_token += 1;
        let submitted = MintSubmitted { tx: tx.clone(), token_id, fee: self.params.fee_gwei };
        books.by_key.insert(mint.key.clone(), submitted.clone());
        let block = self.sequence(&mut books, &tx, &mint.key, false);
        let event = RailEvent::MintIncluded { tx, block, token_id, confirmations: 0 };
        books.report(self.time_of(block), &mint.key, event);
        Ok(submitted)
    }

    async fn status(&self, tx: &str, now: UnixMillis) -> Result<TxStatus, RailError> {
        self.tx_status(tx, now)
    }

    async fn attestations(
        &self,
        after: u64,
        limit: usize,
        now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError> {
        let books = self.caught_up(now)?;
        let start = books.published.partition_point(|a| a.seq <= after);
        Ok(books.published[start..].iter().take(limit).cloned().collect())
    }
}

/// Plain transfers on the rollup, for the USDC rail.
mod transfers;

#[cfg(test)]
#[path = "rollup_tests.rs"]
mod tests;
