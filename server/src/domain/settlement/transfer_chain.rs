//! What the USDC rail (`usdc.rs`) needs of the chain it pays on: plain transfers under our
//! keys, followed there like a mint (blocks, confirmations, reorgs or reverted batches,
//! finality) but never reported on the chain's mint stream. The sandbox L1 (`chain/transfers.rs`)
//! and the sandbox rollup (`rollup/transfers.rs`) both have them, so one rail's logic pays on
//! either; a real EVM adapter would implement this over its node client.

use std::time::Duration;

use vitrine_protocol::UnixMillis;

use super::{RailError, TxStatus};

/// A chain that carries the USDC rail's transfers. Every call first catches the chain up to
/// its clock's now, as its mint calls do; `now` is always the server's time.
pub(super) trait TransferChain: Send + Sync + 'static {
    /// The name intents use for the USDC rail that pays on this chain.
    fn usdc_rail(&self) -> &'static str;

    /// Broadcast the transfer signed under `key` and answer its hash. Asked again while it is
    /// pending, in a block or final, nothing more happens; once dropped it is broadcast again:
    /// the same signed bytes, so the same transaction, which can move the money only once.
    fn send_transfer(&self, key: &str, now: UnixMillis) -> Result<String, RailError>;

    /// Withdraw transfer `tx` while no block holds it (pending, or dropped): it never lands and
    /// is not sent again. Answers whether it is off the chain for good: false once a block holds
    /// it (only a transfer back undoes that), and for anything that is not our transfer.
    fn cancel_transfer(&self, tx: &str, now: UnixMillis) -> Result<bool, RailError>;

    /// Where transaction `tx` stands, as the chain's `MintRail::status` would answer it.
    fn transfer_status(&self, tx: &str, now: UnixMillis) -> Result<TxStatus, RailError>;

    /// The chain's clock when the server's is `now`: the rail's reports are dated on it.
    fn chain_time(&self, now: UnixMillis) -> UnixMillis;

    /// When block `block` came: a transfer in it landed then.
    fn block_at(&self, block: u64) -> UnixMillis;

    /// How often a block comes: how soon a pending transfer can change.
    fn block_time(&self) -> Duration;
}
