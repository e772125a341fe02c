//! What a collector's service worker tells the shop about itself, now and then: how its image
//! cache served and how its replays of queued purchases were answered since its last report.
//! Counts only: nothing about the person, the works or the orders. The server checks the
//! bounds here; `/metrics` and `vitrine slo` read the sums.

use serde::{Deserialize, Serialize};

use crate::FieldProblem;

/// The most of any count one report may carry: a device sends every minute at most, and no
/// phone serves this many images or replays in between (a kiosk's 1,000 queued claims fit).
/// More is refused, not clipped. Reports are not signed, so the figures they feed are
/// advisory: bounded per report and per address, not proven.
pub const MAX_PER_REPORT: u32 = 10_000;

/// Counts since the worker's last accepted report (`POST /api/v1/telemetry`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerReport {
    /// Images served from the worker's cache.
    pub cache_hits: u32,
    /// Images the cache did not hold (fetched, or a placeholder offline).
    pub cache_misses: u32,
    /// Replays of queued purchases and claims that got a final answer (accepted, or refused
    /// for good).
    pub replays_answered: u32,
    /// Replays the shop answered "try again" (429, 5xx, 425): the shop's failures, counted
    /// against replay success. A phone with no network is not counted: that is not the shop.
    pub replays_retried: u32,
}

impl WorkerReport {
    /// Whether there is anything to say.
    pub fn is_empty(&self) -> bool {
        *self == WorkerReport::default()
    }

    /// The fields over [`MAX_PER_REPORT`].
    pub fn problems(&self) -> Vec<FieldProblem> {
        [
            ("cache_hits", self.cache_hits),
            ("cache_misses", self.cache_misses),
            ("replays_answered", self.replays_answered),
            ("replays_retried", self.replays_retried),
        ]
        .into_iter()
        .filter(|(_, n)| *n > MAX_PER_REPORT)
        .map(|(field, _)| FieldProblem::new(field, format!("at most {MAX_PER_REPORT} a report")))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_past_the_bound_are_named_and_unknown_fields_refused() {
        let report = WorkerReport { cache_hits: MAX_PER_REPORT + 1, ..WorkerReport::default() };
        let fields: Vec<String> = report.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["cache_hits"]);
        assert!(WorkerReport { cache_hits: MAX_PER_REPORT, ..report }.problems().is_empty());
        assert!(serde_json::from_str::<WorkerReport>(r#"{"cache_hits":1,"who":"x"}"#).is_err());
        assert!(serde_json::from_str::<WorkerReport>(r#"{"cache_hits":-1}"#).is_err());
        assert!(WorkerReport::default().is_empty());
    }
}
