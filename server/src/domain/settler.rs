//! Background settlement: charges held orders through their rail, and releases holds whose
//! escrow ran out. Each order leaves `held` at most once (the storage's conditional update).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use vitrine_protocol::UnixMillis;

use crate::domain::clock;
use crate::domain::orders::EXPIRED_REASON;
use crate::domain::settlement::{Charge, Outcome, Rails};
use crate::domain::supervisor::{supervise, Liveness};
use crate::storage::orders::Resolution;
use crate::storage::Storage;

const TICK: Duration = Duration::from_millis(250);
const RETRY_ON_RAIL_ERROR: Duration = Duration::from_secs(5);

/// Start the settler under a supervisor; the answer says whether it is running.
pub fn spawn(storage: Arc<dyn Storage>, rails: Rails, wake: Arc<Notify>) -> Liveness {
    supervise("settler", move || run(storage.clone(), rails.clone(), wake.clone()))
}

async fn run(storage: Arc<dyn Storage>, rails: Rails, wake: Arc<Notify>) {
    loop {
        if let Err(error) = tick(storage.as_ref(), &rails).await {
            tracing::error!(%error, "settlement pass failed; retrying");
        }
        tokio::select! {
            () = wake.notified() => {},
            () = tokio::time::sleep(TICK) => {},
        }
    }
}

fn later(now: UnixMillis, by: Duration) -> UnixMillis {
    UnixMillis(now.0.saturating_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX)))
}

async fn tick(storage: &dyn Storage, rails: &Rails) -> Result<(), crate::storage::StorageError> {
    let now = clock::now();
    let expired = storage.expire_holds(now, EXPIRED_REASON).await?;
    if expired > 0 {
        tracing::info!(expired, "escrow holds expired; stock released");
    }
    for order in storage.due_settlements(now, 100).await? {
        let resolution = match rails.get(&order.rail) {
            None => Resolution::Declined { reason: format!("no rail named {}", order.rail) },
            Some(rail) => {
                let charge = Charge {
                    order: order.id,
                    amount: order.total,
                    token: order.token.clone(),
                    accepted_at: order.accepted_at,
                };
                match rail.settle(&charge, now).await {
                    Ok(Outcome::Approved { reference }) => Resolution::Paid { reference },
                    Ok(Outcome::Declined { reason }) => Resolution::Declined { reason },
                    Ok(Outcome::Pending { retry_after }) => {
                        Resolution::RetryAt(later(now, retry_after))
                    }
                    Err(error) => {
                        tracing::warn!(%error, order = %order.id, "rail failed; will retry");
                        Resolution::RetryAt(later(now, RETRY_ON_RAIL_ERROR))
                    }
                }
            }
        };
        storage.resolve(order.id, resolution, clock::now()).await?;
    }
    Ok(())
}
