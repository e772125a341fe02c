//! Plain transfers on the sandbox chain, for the USDC rail on the L1 (`settlement/usdc.rs`).
//! They wait in the mempool, are taken into the next block, gain confirmations and become final
//! like a mint, and a reorg of their block drops them as it drops a mint; but they carry no
//! token and are not reported on the mint stream: the payment rail reports them in its own
//! words.
//!
//! Unlike a mint, a dropped transfer is sent again under its key, and it is the same
//! transaction (the same signed bytes, so the same hash): the buyer signed one authorization
//! (EIP-3009 style, one nonce), which can move the money at most once, however often it is
//! broadcast.

use std::time::Duration;

use vitrine_protocol::{sandbox, UnixMillis};

use super::{tx_hash, OurTx, SandboxL1, State};
use crate::domain::settlement::transfer_chain::TransferChain;
use crate::domain::settlement::{RailError, TxStatus};

impl TransferChain for SandboxL1 {
    fn usdc_rail(&self) -> &'static str {
        sandbox::USDC_L1_RAIL
    }

    fn send_transfer(&self, key: &str, now: UnixMillis) -> Result<String, RailError> {
        let mut books = self.caught_up(self.clock.at(now))?;
        let tx = tx_hash(self.seed, b"l1-transfer\0", key);
        let on_chain = books.txs.get(&tx).is_some_and(|t| t.state != State::Dropped);
        if !on_chain {
            // Into the mempool: the next block takes it.
            let pending = OurTx { key: key.to_owned(), token_id: None, state: State::Pending };
            books.txs.insert(tx.clone(), pending);
            books.mempool.push(tx.clone());
        }
        Ok(tx)
    }

    fn cancel_transfer(&self, tx: &str, now: UnixMillis) -> Result<bool, RailError> {
        let mut books = self.caught_up(self.clock.at(now))?;
        let Some(t) = books.txs.get(tx) else { return Ok(true) };
        let off_chain = matches!(t.state, State::Pending | State::Dropped);
        if t.token_id.is_some() || !off_chain {
            return Ok(false);
        }
        books.txs.remove(tx);
        books.mempool.retain(|t| t != tx);
        Ok(true)
    }

    fn transfer_status(&self, tx: &str, now: UnixMillis) -> Result<TxStatus, RailError> {
        let books = self.caught_up(self.clock.at(now))?;
        Ok(books.status(&self.params, tx))
    }

    fn chain_time(&self, now: UnixMillis) -> UnixMillis {
        self.clock.at(now)
    }

    fn block_at(&self, block: u64) -> UnixMillis {
        self.params.time_of(block)
    }

    fn block_time(&self) -> Duration {
        self.params.block_time
    }
}
