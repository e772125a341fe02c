//! Background settlement: charges held orders through their rail, releases holds whose escrow
//! ran out and voids their charge at the rail. Each order leaves `held` at most once (the
//! storage's conditional update), in its own transaction.
//!
//! A rail a real processor stands behind needs three promises from us, kept here: the attempt
//! (with its idempotency key) is on disk before the rail is called, so a crash between the
//! rail's charge and our record is retried with the same key and charged once; an expired hold
//! is voided at the rail, so a late approval never leaves money taken on an "Expired" order;
//! and one order that cannot be handled goes to review with a code while the others flow.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tracing::Instrument;
use vitrine_protocol::trace::trace_of;
use vitrine_protocol::UnixMillis;

use crate::domain::clock;
use crate::domain::metrics::Metrics;
use crate::domain::order_flow::{Event, Flow, Move};
use crate::domain::orders::EXPIRED_REASON;
use crate::domain::settlement::{Charge, Outcome, RailError, Rails, SettlementRail};
use crate::domain::supervisor::{supervise, Liveness};
use crate::storage::settlement::{AttemptKind, AttemptOutcome, HeldOrder, Resolution, Settled};
use crate::storage::{Storage, StorageError};

const TICK: Duration = Duration::from_millis(250);
const MIN_GAP: Duration = Duration::from_millis(50);
/// Orders per pass. A pass writes its attempts and outcomes in a few set-wide statements, so
/// a large pass costs little more lock time than a small one, and the settler keeps up with
/// the writer (BENCHMARKS.md: every order paid shortly after the last answer).
const PER_PASS: u32 = 1_000;
const RETRY_ON_RAIL_ERROR: Duration = Duration::from_secs(5);
/// A rail that has not answered by then is treated as unavailable; the attempt stays open and
/// is retried with the same key.
pub const RAIL_TIMEOUT: Duration = Duration::from_secs(10);

/// Review codes: why an order left the automatic flow.
pub const UNREADABLE: &str = "unreadable_order";
pub const NO_RAIL: &str = "unknown_rail";

/// Start the settler under a supervisor; the answer says whether it is running. `metrics`,
/// when given, times each order from acceptance to paid.
pub fn spawn(
    storage: Arc<dyn Storage>,
    rails: Rails,
    wake: Arc<Notify>,
    metrics: Option<Metrics>,
) -> Liveness {
    supervise("settler", move || run(storage.clone(), rails.clone(), wake.clone(), metrics.clone()))
}

async fn run(storage: Arc<dyn Storage>, rails: Rails, wake: Arc<Notify>, metrics: Option<Metrics>) {
    loop {
        if let Err(error) = tick(storage.as_ref(), &rails, metrics.as_ref()).await {
            tracing::error!(%error, "settlement pass failed; retrying");
        }
        // Under load the writer commits many times a second; a pass per commit would take the
        // write lock (and an fsync) as often. A short gap gathers more orders into each pass.
        tokio::time::sleep(MIN_GAP).await;
        tokio::select! {
            () = wake.notified() => {},
            () = tokio::time::sleep(TICK) => {},
        }
    }
}

fn later(now: UnixMillis, by: Duration) -> UnixMillis {
    now.plus(i64::try_from(by.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) async fn with_timeout<T>(
    call: impl Future<Output = Result<T, RailError>>,
) -> Result<T, RailError> {
    tokio::time::timeout(RAIL_TIMEOUT, call)
        .await
        .unwrap_or_else(|_| Err(RailError("the rail did not answer in time".into())))
}

/// One pass: expire, void what expiry left at the rails, settle what is due. A failure on one
/// order is logged and the pass goes on.
pub async fn tick(
    storage: &dyn Storage,
    rails: &Rails,
    metrics: Option<&Metrics>,
) -> Result<(), StorageError> {
    let now = clock::now();
    for released in storage.expire_holds(now, EXPIRED_REASON).await? {
        tracing::info!(order = %released.id, "escrow hold expired; stock released");
        if released.charge_key.is_some() {
            open_void(storage, &released.id, now).await?;
        }
    }
    for void in storage.open_voids().await? {
        let Some(rail) = rails.get(&void.rail) else { continue };
        match with_timeout(rail.void(&void.charge_key, now)).await {
            Ok(()) => storage.finish_void(&void, clock::now()).await?,
            Err(error) => tracing::warn!(%error, order = %void.order, "void failed; will retry"),
        }
    }
    let mut due = Vec::new();
    for row in storage.due_settlements(now, PER_PASS).await? {
        match row {
            Ok(order) if rails.get(&order.rail).is_some() => due.push(order),
            Ok(order) => storage.to_review(&order.id.to_string(), NO_RAIL, now).await?,
            Err(unreadable) => {
                tracing::error!(order = %unreadable.id, error = %unreadable.error,
                    "held order does not read; sent to review");
                storage.to_review(&unreadable.id, UNREADABLE, now).await?;
            }
        }
    }
    if !due.is_empty() {
        settle(storage, rails, &due, now, metrics).await?;
    }
    crate::domain::refunds::pass(storage, rails, clock::now()).await?;
    crate::domain::item_decisions::pass(storage, rails, clock::now()).await?;
    Ok(())
}

async fn open_void(
    storage: &dyn Storage,
    order: &str,
    now: UnixMillis,
) -> Result<(), StorageError> {
    for opened in storage.open_attempts(&[order], AttemptKind::Void, now).await? {
        opened?;
    }
    Ok(())
}

/// An NFT sale is delivered at once, so an authorization is captured in the same pass. Asked
/// again after a crash, both calls answer their first result under the same key.
/// The answer says whether the rail authorized, even when capture failed: the sale is then
/// reserved in the ledger until the hold runs out.
async fn authorize_and_capture(
    rail: &dyn SettlementRail,
    charge: &Charge,
    now: UnixMillis,
) -> (bool, Result<Outcome, RailError>) {
    match with_timeout(rail.authorize(charge, now)).await {
        Ok(Outcome::Approved { .. }) => {}
        other => return (false, other),
    }
    let captured = with_timeout(rail.capture(&charge.key, now)).await;
    if let Ok(Outcome::Declined { .. }) = captured {
        // Authorized but not capturable: release the authorization, so nothing stays taken.
        if let Err(error) = with_timeout(rail.void(&charge.key, now)).await {
            return (true, Err(error));
        }
    }
    (true, captured)
}

/// The money a settlement moves, as the order's state machine says.
fn moves(order: &HeldOrder, authorized: bool, resolution: &Resolution) -> Vec<Move> {
    let authorize = Event::Authorized { hold_until: order.hold_until };
    let events: &[Event] = match resolution {
        Resolution::Paid { .. } => &[authorize, Event::Captured],
        Resolution::RetryAt { .. } if authorized => &[authorize],
        _ => &[],
    };
    let mut flow = Flow::held(order.total.amount_minor);
    let mut moves = Vec::new();
    for event in events {
        match flow.apply(*event) {
            Ok((next, more)) => {
                flow = next;
                moves.extend(more);
            }
            Err(refused) => tracing::error!(%refused, order = %order.id, "order flow refused"),
        }
    }
    moves
}

/// Settle a batch: attempts on disk first (one commit), then the rails, then every outcome
/// (one commit, one savepoint per order).
async fn settle(
    storage: &dyn Storage,
    rails: &Rails,
    due: &[HeldOrder],
    now: UnixMillis,
    metrics: Option<&Metrics>,
) -> Result<(), StorageError> {
    let ids: Vec<String> = due.iter().map(|o| o.id.to_string()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let keys = storage.open_attempts(&refs, AttemptKind::Charge, now).await?;
    let mut outcomes = Vec::with_capacity(due.len());
    // Alongside `outcomes` (an order skipped there is skipped here): for the metrics.
    let mut accepted_at = Vec::with_capacity(due.len());
    for (order, key) in due.iter().zip(keys) {
        let key = match key {
            Ok(key) => key,
            Err(error) => {
                tracing::error!(%error, order = %order.id, "cannot record a settlement attempt");
                continue;
            }
        };
        let Some(rail) = rails.get(&order.rail) else { continue };
        let charge = Charge {
            order: order.id,
            key: key.clone(),
            amount: order.total,
            token: order.token.clone(),
            accepted_at: order.accepted_at,
        };
        // The rail's calls in the purchase's trace (a real adapter forwards it as
        // `traceparent`: `Charge::order` names the trace).
        let span = tracing::info_span!("settle", trace_id = %trace_of(order.id), order = %order.id);
        let (authorized, answer) =
            authorize_and_capture(rail.as_ref(), &charge, now).instrument(span).await;
        let resolution = match answer {
            Ok(Outcome::Approved { reference }) => Resolution::Paid { reference },
            Ok(Outcome::Declined { reason }) => Resolution::Declined { reason },
            Ok(Outcome::Pending { retry_after }) => Resolution::RetryAt {
                at: later(now, retry_after),
                outcome: AttemptOutcome::Pending,
            },
            Err(error) => {
                tracing::warn!(%error, order = %order.id, "rail failed; will retry with the same key");
                Resolution::RetryAt {
                    at: later(now, RETRY_ON_RAIL_ERROR),
                    outcome: AttemptOutcome::Failed,
                }
            }
        };
        let moves = moves(order, authorized, &resolution);
        outcomes.push(Settled { order: order.id, attempt: key, resolution, moves });
        accepted_at.push(order.accepted_at);
    }
    let recorded_at = clock::now();
    let results = storage.resolve_all(&outcomes, recorded_at).await?;
    for ((settled, changed), accepted_at) in outcomes.iter().zip(results).zip(accepted_at) {
        match changed {
            // Approved after the order stopped being held: give the money back.
            Ok(false) if matches!(settled.resolution, Resolution::Paid { .. }) => {
                open_void(storage, &settled.order.to_string(), clock::now()).await?;
            }
            Ok(true) if matches!(settled.resolution, Resolution::Paid { .. }) => {
                let trace_id = trace_of(settled.order);
                tracing::info!(order = %settled.order, %trace_id, "paid");
                if let Some(metrics) = metrics {
                    metrics.paid(accepted_at, recorded_at);
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%error, order = %settled.order, "recording a settlement failed");
            }
        }
    }
    Ok(())
}
