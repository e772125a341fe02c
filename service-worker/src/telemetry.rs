//! The worker tells the shop, now and then, how its image cache served and how its replays
//! were answered (`POST /api/v1/telemetry`): counts only, nothing about the person or their
//! orders. Both counts are lifetime totals in IndexedDB (`image-stats`, `replay-stats`); a
//! report sends what they grew by since the last accepted one (`telemetry-reported`), so a
//! report that fails, or a worker stopped before it sends, loses nothing: the next one carries
//! it. Reports go a few seconds after something was counted, at most once a minute.

use std::cell::Cell;

use rexie::Rexie;
use serde::{Deserialize, Serialize};
use vitrine_protocol::paths;
use vitrine_protocol::telemetry::{WorkerReport, MAX_PER_REPORT};

use crate::device_db::{self, DbError, MetaRecord};
use crate::{image_cache, js};

/// Let a burst of counts gather before reporting.
const GATHER_MS: i64 = 5_000;
/// At most one report a minute: the shop's limit per address is shared by a whole venue.
const EVERY_MS: i64 = 60_000;

thread_local! {
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    static LAST_SENT: Cell<i64> = const { Cell::new(i64::MIN / 2) };
}

/// Replays answered over the worker's lifetime.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ReplayStats {
    id: String,
    answered: u64,
    retried: u64,
}

impl MetaRecord for ReplayStats {
    const KEY: &'static str = "replay-stats";
}

/// What the shop has accepted so far.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Reported {
    id: String,
    cache_hits: u64,
    cache_misses: u64,
    replays_answered: u64,
    replays_retried: u64,
}

impl MetaRecord for Reported {
    const KEY: &'static str = "telemetry-reported";
}

/// Count replays: `answered` got a final answer, `retried` were told to try again (a phone
/// with no network counts as neither: that is not the shop).
pub async fn replayed(db: &Rexie, answered: u64, retried: u64) {
    if answered == 0 && retried == 0 {
        return;
    }
    let counted = device_db::update_meta::<ReplayStats>(db, |r| {
        r.id = ReplayStats::KEY.to_owned();
        r.answered = r.answered.saturating_add(answered);
        r.retried = r.retried.saturating_add(retried);
    });
    if let Err(error) = counted.await {
        js::warn("replays not counted", &error.0.into());
    }
    soon();
}

/// Whether an answer is the shop's own "try again": 425, 429 or a 5xx.
pub fn shop_failed(status: u16) -> bool {
    matches!(status, 425 | 429 | 500..=599)
}

/// Something was counted: report it after a while, once a minute at most.
pub fn soon() {
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let now = js::now().0;
        let next = LAST_SENT.get().saturating_add(EVERY_MS).max(now.saturating_add(GATHER_MS));
        js::sleep(i32::try_from(next - now).unwrap_or(i32::MAX)).await;
        if let Err(error) = report().await {
            js::warn("counts not read or marked as reported", &error.0.into());
        }
        // Only now: a count made while this report was on its way waits for the next one
        // instead of sending the same growth twice.
        SCHEDULED.set(false);
    });
}

/// `total - sent`, as much as one report may carry.
fn grown(total: u64, sent: u64) -> u32 {
    u32::try_from(total.saturating_sub(sent)).unwrap_or(u32::MAX).min(MAX_PER_REPORT)
}

async fn report() -> Result<(), DbError> {
    let (hits, misses) = image_cache::totals().await.unwrap_or((0, 0));
    let db = device_db::open().await?;
    let replays = device_db::meta::<ReplayStats>(&db).await?.unwrap_or_default();
    let sent = device_db::meta::<Reported>(&db).await?.unwrap_or_default();
    let report = WorkerReport {
        cache_hits: grown(hits, sent.cache_hits),
        cache_misses: grown(misses, sent.cache_misses),
        replays_answered: grown(replays.answered, sent.replays_answered),
        replays_retried: grown(replays.retried, sent.replays_retried),
    };
    if report.is_empty() {
        return Ok(());
    }
    LAST_SENT.set(js::now().0);
    let body = serde_json::to_string(&report)?;
    let accepted = match js::post_json(paths::TELEMETRY, &body, &[]).await {
        Ok(response) => response.status() == 204,
        Err(_) => false,
    };
    if !accepted {
        // Offline, or refused for now (a rate limit): the totals keep it for the next report.
        return Ok(());
    }
    device_db::update_meta::<Reported>(&db, |r| {
        r.id = Reported::KEY.to_owned();
        r.cache_hits = r.cache_hits.saturating_add(u64::from(report.cache_hits));
        r.cache_misses = r.cache_misses.saturating_add(u64::from(report.cache_misses));
        r.replays_answered = r.replays_answered.saturating_add(u64::from(report.replays_answered));
        r.replays_retried = r.replays_retried.saturating_add(u64::from(report.replays_retried));
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_carries_what_grew_up_to_its_bound_and_never_goes_back() {
        assert_eq!(grown(10, 4), 6);
        assert_eq!(grown(4, 10), 0, "a reset store never reports a negative");
        assert_eq!(grown(u64::MAX, 0), MAX_PER_REPORT);
    }

    #[test]
    fn only_the_shops_own_try_again_is_its_failure() {
        for status in [425, 429, 500, 503] {
            assert!(shop_failed(status), "{status}");
        }
        for status in [200, 201, 404, 409, 422] {
            assert!(!shop_failed(status), "{status}");
        }
    }
}
