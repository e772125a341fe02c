//! `vitrine slo`: the shop's service level objectives over the last hours, read from its
//! database, each against its target. Exits non-zero when one is missed, so a cron job or a
//! runbook can act on it.

use std::time::Duration;

use vitrine_server::domain::{clock, slo};
use vitrine_server::storage::Storage;

#[derive(clap::Args)]
pub struct SloArgs {
    /// Judge the last HOURS hours, up to now.
    #[arg(long, default_value_t = 24)]
    hours: u64,
    /// Seconds between the server's reconciliation windows, as it serves (`--reconcile-window`):
    /// reconciliation's target is a window and a second.
    #[arg(long, env = "VITRINE_RECONCILE_WINDOW", default_value_t = 30)]
    reconcile_window: u64,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Print the objectives; `false` when one was missed.
pub async fn run(storage: &dyn Storage, args: SloArgs) -> anyhow::Result<bool> {
    let to = clock::now();
    let span = i64::try_from(args.hours.max(1).saturating_mul(3_600_000)).unwrap_or(i64::MAX);
    let from = to.minus(span);
    let samples = storage.slo_samples(from, to, to.minus(DAY_MS)).await?;
    let window = Duration::from_secs(args.reconcile_window.max(1));
    let judged = slo::judge(&samples, window);
    println!(
        "SLOs over the last {} h ({} to {})",
        args.hours.max(1),
        clock::http_date(from),
        clock::http_date(to)
    );
    for o in &judged {
        let measured = o.measured.as_deref().unwrap_or("no data");
        let verdict = match o.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "nothing to judge",
        };
        println!(
            "  {:<50} target {:<9} measured {:<9} over {:>6} sample(s)  {verdict}",
            o.name, o.target, measured, o.samples
        );
    }
    Ok(judged.iter().all(|o| o.met != Some(false)))
}
