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

use vitrine_protocol::{sandbox, UnixMillis};

use super::{BatchState, SandboxL2};
use crate::domain::settlement::chain::tx_hash;
use crate::domain::settlement::transfer_chain::TransferChain;
use crate::domain::settlement::{MintRail, RailError, TxStatus};

impl TransferChain for SandboxL2 {
    fn usdc_rail(&self) -> &'static str {
        sandbox::USDC_RAIL
    }

    /// Into the next L2 block; once dropped (its batch reverted), into the next block again.
    fn send_transfer(&self, key: &str, now: UnixMillis) -> Result<String, RailError> {
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

    /// Before its L2 block comes, or after its batch was reverted.
    fn cancel_transfer(&self, tx: &str, now: UnixMillis) -> Result<bool, RailError> {
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

    fn transfer_status(&self, tx: &str, now: UnixMillis) -> Result<TxStatus, RailError> {
        self.tx_status(tx, now)
    }

    fn chain_time(&self, now: UnixMillis) -> UnixMillis {
        self.time(now)
    }

    /// When L2 block `block` comes (a soft confirmation: final only with its batch).
    fn block_at(&self, block: u64) -> UnixMillis {
        self.time_of(block)
    }

    fn block_time(&self) -> Duration {
        self.params.block_time
    }
}
