//! Refunds through their rail: each request a merchant made (written with its key before any
//! call) is asked of the rail with that key until the rail decides; an approval writes the
//! refund transfer the order's state machine gives, in the transaction that records it. Run
//! by the settler on each pass.

use vitrine_protocol::UnixMillis;

use crate::domain::order_flow::Event;
use crate::domain::settlement::{Outcome, Rails, Refund};
use crate::storage::{Storage, StorageError};

const PER_PASS: u32 = 200;

pub async fn pass(
    storage: &dyn Storage,
    rails: &Rails,
    now: UnixMillis,
) -> Result<(), StorageError> {
    for request in storage.open_refunds(PER_PASS).await? {
        let Some(rail) = rails.get(&request.rail) else { continue };
        let refund = Refund {
            key: request.key.clone(),
            charge_key: format!("{}/charge", request.order),
            amount: request.amount,
        };
        let answer = match rail.refund(&refund, now).await {
            Ok(Outcome::Approved { reference }) => Ok(reference),
            Ok(Outcome::Declined { reason }) => Err(reason),
            // Undecided or unreachable: asked again, with the same key, on the next pass.
            Ok(Outcome::Pending { .. }) => continue,
            Err(error) => {
                tracing::warn!(%error, key = %request.key, "refund not answered; will retry");
                continue;
            }
        };
        let mut moves = Vec::new();
        if answer.is_ok() {
            let order = request.order.to_string();
            let flows = storage.flows(&[order.as_str()]).await?;
            let event = Event::Refunded { amount_minor: request.amount.amount_minor };
            match flows.get(&order).map(|flow| flow.apply(event)) {
                Some(Ok((_, steps))) => moves = steps,
                // The request was checked to fit; a dispute since then can refuse it. The rail
                // gave the money back, so the report reaches reconciliation, which raises it.
                Some(Err(refused)) => {
                    tracing::error!(%refused, key = %request.key, "refund approved but not recordable")
                }
                None => tracing::error!(key = %request.key, "refund of an order the ledger lacks"),
            }
        }
        storage.finish_refund(&request.key, answer, &moves, now).await?;
    }
    Ok(())
}
