//! Page views per hour, for the scheduling model: counted in memory on every catalog read
//! (one atomic add, nothing on the request's path touches the database) and added to
//! `traffic_hours` once a minute by a supervised task.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::domain::clock;
use crate::domain::supervisor::{supervise, Liveness};
use crate::storage::Storage;

const HOUR_MS: i64 = 3_600_000;

#[derive(Default)]
pub struct Visits {
    hour: AtomicI64,
    count: AtomicU64,
}

impl Visits {
    /// One page view now.
    pub fn record(&self) {
        // The count is flushed under the latest hour seen, so across an hour's turn at most a
        // minute's views land in the next hour: noise for a model that counts weeks.
        self.hour.store(clock::now().0 / HOUR_MS, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Take what was counted: (hour, views).
    fn take(&self) -> (i64, u64) {
        (self.hour.load(Ordering::Relaxed), self.count.swap(0, Ordering::Relaxed))
    }
}

/// Flush the counts every minute.
pub fn start(visits: Arc<Visits>, storage: Arc<dyn Storage>) -> Liveness {
    supervise("traffic counter", move || {
        let (visits, storage) = (visits.clone(), storage.clone());
        async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let (hour, count) = visits.take();
                if count == 0 {
                    continue;
                }
                let n = i64::try_from(count).unwrap_or(i64::MAX);
                if let Err(error) = storage.record_visits(hour, n).await {
                    tracing::warn!(%error, "page views not recorded");
                }
            }
        }
    })
}
