//! Background minting: each paid order's work becomes a token on its collection's chain, to the
//! buyer's wallet or the shop's custody wallet. An order's mint leaves the queue (filled by the
//! database when an order is paid or its mint is dropped) only as a written attempt, so a crash
//! loses none; the attempt's key is what the chain is called with, on every retry, so a crash
//! between the chain's answer and ours mints once. A reorg or a reverted batch drops the
//! attempt; the schema allows exactly one new attempt per drop (order_flow's `mint_due`).

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;
use vitrine_protocol::trace::trace_of;

use crate::domain::clock;
use crate::domain::settlement::{Mint, Rails, TxStatus};
use crate::domain::supervisor::{supervise, Liveness};
use crate::storage::mints::{MintAttempt, MintProgress, MintState};
use crate::storage::{Storage, StorageError};

const TICK: Duration = Duration::from_millis(500);
const PER_PASS: u32 = 1_000;

/// Where works go when the buyer gave no wallet: the shop keeps them for the buyer, who can
/// have them sent on later. A sandbox address ("vitrine-custody-0001" in hex).
pub const CUSTODY_WALLET: &str = "0x76697472696e652d637573746f64792d30303031";

/// Start the minter under a supervisor, if the server mints on any chain.
pub fn spawn(storage: Arc<dyn Storage>, rails: Rails) -> Option<Liveness> {
    if rails.chain_names().is_empty() {
        return None;
    }
    Some(supervise("minter", move || run(storage.clone(), rails.clone())))
}

async fn run(storage: Arc<dyn Storage>, rails: Rails) {
    loop {
        if let Err(error) = tick(storage.as_ref(), &rails).await {
            tracing::error!(%error, "mint pass failed; retrying");
        }
        tokio::time::sleep(TICK).await;
    }
}

/// One pass: open the attempts that are due, submit the ones written, and record where each
/// live one stands on its chain.
pub async fn tick(storage: &dyn Storage, rails: &Rails) -> Result<(), StorageError> {
    let now = clock::now();
    let chains = rails.chain_names();
    for due in storage.due_mints(&chains, PER_PASS).await? {
        let wallet = due.wallet.clone().unwrap_or_else(|| CUSTODY_WALLET.to_owned());
        if let Some(key) = storage.open_mint(&due, &wallet, now).await? {
            let trace_id = trace_of(due.order);
            tracing::info!(order = %due.order, %trace_id, %key, chain = %due.chain, "mint attempt opened");
        }
    }
    for attempt in storage.live_mints(PER_PASS).await? {
        let Some(chain) = rails.chain(&attempt.chain) else { continue };
        let mint = Mint {
            key: attempt.key.clone(),
            order: attempt.order,
            item: attempt.item,
            to: attempt.wallet.clone(),
        };
        // The chain's calls in the purchase's trace (an EVM adapter can forward it to its
        // node as `traceparent`: `Mint::order` names the trace). Each event names the trace
        // itself too, so a log line is found by it whatever the span.
        let trace_id = trace_of(attempt.order);
        let key = &attempt.key;
        let span = tracing::info_span!("mint", %trace_id, %key);
        let Some(tx) = attempt.tx.as_deref() else {
            match chain.mint(&mint, now).instrument(span.clone()).await {
                Ok(sent) => {
                    let (tx, token_id) = (&sent.tx, sent.token_id);
                    tracing::info!(%trace_id, %key, %tx, token_id, "mint submitted");
                    storage.mint_submitted(key, tx, token_id, sent.fee, now).await?
                }
                Err(error) => tracing::warn!(%error, %trace_id, %key, "mint failed; will retry"),
            }
            continue;
        };
        match chain.status(tx, now).instrument(span.clone()).await {
            // The chain forgot it (a sandbox restarted): the same key submits it again.
            Ok(TxStatus::Unknown) => {
                if let Err(error) = chain.mint(&mint, now).instrument(span).await {
                    tracing::warn!(%error, %trace_id, %key, "re-submitting a mint failed");
                }
            }
            Ok(status) => {
                let progress = progress(&attempt, status);
                if progress != current(&attempt) {
                    if progress.state == MintState::Dropped {
                        tracing::warn!(%trace_id, %key, tx, "mint dropped by the chain; re-minting");
                    }
                    if progress.state == MintState::Final {
                        tracing::info!(%trace_id, %key, tx, "mint final");
                    }
                    storage.mint_progress(key, progress, clock::now()).await?;
                }
            }
            Err(error) => tracing::warn!(%error, key = %attempt.key, "chain status failed"),
        }
    }
    Ok(())
}

fn current(attempt: &MintAttempt) -> MintProgress {
    MintProgress {
        state: attempt.state,
        block: attempt.block,
        confirmations: attempt.confirmations,
        needed: attempt.needed,
    }
}

fn progress(attempt: &MintAttempt, status: TxStatus) -> MintProgress {
    let now = current(attempt);
    match status {
        TxStatus::Pending | TxStatus::Unknown => MintProgress { state: MintState::Pending, ..now },
        TxStatus::Included { block, confirmations, needed } => {
            MintProgress { state: MintState::Included, block: Some(block), confirmations, needed }
        }
        TxStatus::Final { block } => MintProgress {
            state: MintState::Final,
            block: Some(block),
            confirmations: now.needed.max(now.confirmations),
            ..now
        },
        TxStatus::Dropped => MintProgress { state: MintState::Dropped, ..now },
    }
}
