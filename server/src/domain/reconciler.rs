//! Batched reconciliation: every window, read what each rail reported since its cursor, judge
//! each report against the ledger (`domain::reconcile`), and store the reports, their verdicts
//! and the items they raise in one transaction per rail and batch; then raise an item for each
//! capture the rail has not reported a whole window after it should have, and for each mint
//! not final a window past its chain's finality (closed when the chain reports it final).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use vitrine_protocol::UnixMillis;

use crate::domain::clock;
use crate::domain::metrics::Metrics;
use crate::domain::reconcile::{
    capture_not_paid, flow_event, judge, kind_of, late_after, late_mint, missing_capture, order_of,
    refused, Verdict,
};
use crate::domain::settlement::{Attestation, RailError, Rails};
use crate::domain::supervisor::{supervise, Liveness};
use crate::storage::reconcile::Stamp;
use crate::storage::{Storage, StorageError};

/// Reports read per call to a rail.
const PER_READ: usize = 5_000;

/// How far back a window looks for captures of orders that were never paid.
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Rail(#[from] RailError),
}

/// Start reconciliation every `window`, supervised.
pub fn spawn(
    storage: Arc<dyn Storage>,
    rails: Rails,
    window: Duration,
    metrics: Metrics,
) -> Liveness {
    supervise("reconciler", move || run(storage.clone(), rails.clone(), window, metrics.clone()))
}

async fn run(storage: Arc<dyn Storage>, rails: Rails, window: Duration, metrics: Metrics) {
    loop {
        tokio::time::sleep(window).await;
        if let Err(error) = pass(storage.as_ref(), &rails, window, &metrics).await {
            tracing::error!(%error, "reconciliation pass failed; next window retries");
        }
    }
}

/// One window: every rail's new reports, then the captures still unreported.
pub async fn pass(
    storage: &dyn Storage,
    rails: &Rails,
    window: Duration,
    metrics: &Metrics,
) -> Result<(), ReconcileError> {
    for name in rails.payment_names() {
        let Some(rail) = rails.get(name) else { continue };
        let rail = rail.clone();
        let dated = rail.clone();
        read(
            storage,
            name,
            |now| dated.time(now),
            metrics,
            |after, now| {
                let rail = rail.clone();
                async move { rail.attestations(after, PER_READ, now).await }
            },
        )
        .await?;
        let late = clock::now().minus(i64::try_from(window.as_millis() * 2).unwrap_or(i64::MAX));
        let missing: Vec<_> = storage
            .unreported_captures(name, late, 1_000)
            .await?
            .into_iter()
            .map(|(order, paid_at)| missing_capture(&order, paid_at, clock::now()))
            .collect();
        storage.raise_items(name, &missing, clock::now()).await?;
        // A capture read as ours while its order was being settled, and the order never
        // paid: looked at again once its order had two windows to be paid, for a day.
        let since = late.minus(DAY_MS);
        let strays: Vec<_> = storage
            .captures_not_paid(name, since, late, 1_000)
            .await?
            .into_iter()
            .map(|(key, taken)| capture_not_paid(&key, taken))
            .collect();
        storage.raise_items(name, &strays, clock::now()).await?;
    }
    for name in rails.chain_names() {
        let Some(chain) = rails.chain(name) else { continue };
        let chain = chain.clone();
        // The chain's time first, then its reports: every mint final by then has its report
        // stored before lateness is judged, even if sandbox time jumps during the pass.
        let now = chain.time(clock::now());
        let dated = chain.clone();
        read(
            storage,
            name,
            |now| dated.time(now),
            metrics,
            |after, now| {
                let chain = chain.clone();
                async move { chain.attestations(after, PER_READ, now).await }
            },
        )
        .await?;
        storage.close_late(name, clock::now()).await?;
        // Late on the chain's own clock, which its reports are dated on.
        let before = now.minus(late_after(chain.finality(), window));
        let late: Vec<_> = storage
            .late_mints(name, before, 1_000)
            .await?
            .into_iter()
            .map(|(key, included_at)| late_mint(&key, included_at, now))
            .collect();
        storage.raise_items(name, &late, clock::now()).await?;
    }
    Ok(())
}

/// Read `rail`'s reports from its cursor until there are no more, a batch at a time.
async fn read<F, Fut>(
    storage: &dyn Storage,
    rail: &str,
    rail_time: impl Fn(UnixMillis) -> UnixMillis,
    metrics: &Metrics,
    fetch: F,
) -> Result<(), ReconcileError>
where
    F: Fn(u64, UnixMillis) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Attestation>, RailError>>,
{
    loop {
        let from = storage.rail_cursor(rail).await?;
        let reports = fetch(from, clock::now()).await?;
        if reports.is_empty() {
            return Ok(());
        }
        let orders: Vec<&str> = reports.iter().map(|a| order_of(&a.key)).collect();
        let facts = storage.order_facts(&orders).await?;
        let pairs: Vec<(String, &'static str)> =
            reports.iter().map(|a| (a.key.clone(), kind_of(&a.event))).collect();
        let mut seen = storage.reported(rail, &pairs).await?;
        let deciding: Vec<&str> = reports
            .iter()
            .filter(|a| flow_event(&a.event).is_some())
            .map(|a| order_of(&a.key))
            .collect();
        let mut flows = storage.flows(&deciding).await?;
        let mut moves = Vec::new();
        let mut judged = Vec::with_capacity(reports.len());
        let mut items = Vec::new();
        let mut raised: HashMap<(&'static str, String), ()> = HashMap::new();
        for report in &reports {
            let pair = (report.key.clone(), kind_of(&report.event).to_owned());
            // Seen before, or earlier in this very batch.
            let again = !seen.insert(pair);
            let (verdict, mut item) = judge(report, facts.get(order_of(&report.key)), again);
            // A dispute the processor decided is applied to the ledger, through the state
            // machine, in the transaction that stores the report.
            if let (Verdict::Matched, Some(event)) = (verdict, flow_event(&report.event)) {
                let order = order_of(&report.key);
                match flows.get(order).map(|flow| flow.apply(event)) {
                    Some(Ok((next, steps))) => {
                        flows.insert(order.to_owned(), next);
                        moves.push((order.to_owned(), steps));
                    }
                    Some(Err(why)) => item = Some(refused(report, &why.to_string())),
                    None => item = Some(refused(report, "the ledger has no such order")),
                }
            }
            if let Some(item) = item {
                if raised.insert((item.kind.as_str(), item.key.clone()), ()).is_none() {
                    items.push(item);
                }
            }
            judged.push((report.clone(), verdict));
        }
        // Reconciled now, on the clock the rail dates its reports by.
        let at = Stamp { server: clock::now(), rail: rail_time(clock::now()) };
        if !storage.record_reports(rail, from, &judged, &items, &moves, at).await? {
            // Another pass stored this batch: read again from where it left the cursor.
            continue;
        }
        for report in &reports {
            metrics.reconciled(report.at, at.rail);
        }
        if reports.len() < PER_READ {
            return Ok(());
        }
    }
}
