//! Plain transfers on the sandbox rollup, for the USDC rail (`settlement/usdc.rs`). They are
//! sequenced into the same blocks and batches as mints, so a reverted batch, a reorg of its
//! post or a halted batcher happens to them as to a mint; but they carry no token and are not
//! reported on the mint stream: the payment rail reports them in its own words.
//!
//! Unlike a mint, a dropped transfer is sent again under its key, and it is the same
//! transaction (the same signed bytes, so the same hash): the buyer signed one authorization
//! (EIP-3009 style, one nonce), which can move the money at most once, however often it is
//! broadcast.

use std::time::Duration;

use vitrine_protocol::UnixMillis;

use super::{BatchState, SandboxL2};
use crate::domain::settlement::chain::tx_hash;
use crate::domain::settlement::RailError;

impl SandboxL2 {
    /// Send the transfer signed under `key` into the next block, and answer its hash. Asked
    /// again while it is pending, in a block or final, nothing more happens; once dropped (its
    /// batch reverted) it is broadcast again, into the next block.
    pub(in crate::domain::settlement) fn send_transfer(
        &self,
        key: &str,
        now: UnixMillis,
    ) -> Result<String, RailError> {
        let mut books = self.caught_up(now)?;
        let tx = tx_hash(self.seed, b"l2-transfer\0", key);
        let on_chain = books.mints.get(&tx).is_some_and(|m| {
            books.batches.get(&m.batch).is_some_and(|b| b.state != BatchState::Reverted)
        });
        if !on_chain {
            self.sequence(&mut books, &tx, key, true);
        }
        Ok(tx)
    }

    /// Withdraw transfer `tx` before a block holds it, or after its batch was reverted: it
    /// never lands (and is not sent again). Answers whether it is off the chain for good:
    /// false once a block holds it, which only a transfer back can undo.
    pub(in crate::domain::settlement) fn cancel_transfer(
        &self,
        tx: &str,
        now: UnixMillis,
    ) -> Result<bool, RailError> {
        let mut books = self.caught_up(now)?;
        let Some(m) = books.mints.get(tx) else { return Ok(true) };
        let (block, batch, transfer) = (m.block, m.batch, m.transfer);
        let state = books.batches.get(&batch).map(|b| b.state.clone());
        let reverted = state == Some(BatchState::Reverted);
        if !transfer || (!reverted && self.time_of(block) <= books.now) {
            return Ok(false);
        }
        books.mints.remove(tx);
        if let Some(b) = books.batches.get_mut(&batch) {
            b.mints.retain(|t| t != tx);
            // An empty batch is not posted: as if it had never been opened.
            if b.mints.is_empty() && b.state == BatchState::Open {
                books.batches.remove(&batch);
                books.live.remove(&batch);
            }
        }
        Ok(true)
    }

    /// When L2 block `n` comes: a transfer in it is included then.
    pub(in crate::domain::settlement) fn block_at(&self, n: u64) -> UnixMillis {
        self.time_of(n)
    }

    /// How often a block comes: how soon a pending transfer can change.
    pub(in crate::domain::settlement) fn block_time(&self) -> Duration {
        self.params.block_time
    }
}
