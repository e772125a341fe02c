//! Service level objectives, judged over a time range of what the shop recorded: each names its
//! target, what was measured, over how many samples, and whether it was met. `vitrine slo`
//! prints them; the figures come from storage (`storage::slo`), the rules are here.

use std::time::Duration;

/// What the shop recorded in the range, as the objectives read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Samples {
    /// Per rail report stored in the range: its wait from its date on the rail to its window.
    pub reconcile_ms: Vec<i64>,
    /// Per order paid in the range: from accepted to paid.
    pub paid_ms: Vec<i64>,
    /// Items still open for a person that were raised more than a day before the range's end.
    pub stale_items: i64,
    /// Replays workers reported answered for good, and answered "try again", in the range.
    pub replays_answered: i64,
    pub replays_retried: i64,
}

/// One objective over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub name: &'static str,
    /// The target, as people read it: "≤ 31.0 s".
    pub target: String,
    /// What was measured; `None` when nothing was recorded in the range.
    pub measured: Option<String>,
    pub samples: usize,
    /// `None` with no samples: nothing to judge, not a miss.
    pub met: Option<bool>,
}

/// Accepted to paid: the sandbox card pays within a settler pass; a real processor answers in
/// seconds. Past this, holds are at risk and buyers wait.
pub const PAID_TARGET: Duration = Duration::from_secs(5);

/// Replays that got a final answer, of those the shop answered: a phone with no network is
/// not the shop's failure and is not counted.
pub const REPLAY_SUCCESS: f64 = 0.999;

/// The nearest-rank percentile `p` (0–100) of `values`; `None` when empty.
pub fn percentile(values: &[i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (sorted.len() * p.min(100) as usize).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn p95_within(name: &'static str, values: &[i64], target: Duration) -> Objective {
    let limit = i64::try_from(target.as_millis()).unwrap_or(i64::MAX);
    let p95 = percentile(values, 95).map(|v| v.max(0));
    Objective {
        name,
        target: format!("≤ {}", seconds(limit)),
        measured: p95.map(seconds),
        samples: values.len(),
        met: p95.map(|v| v <= limit),
    }
}

fn replay_success(answered: i64, retried: i64) -> Objective {
    let total = answered.saturating_add(retried).max(0);
    let share = (total > 0).then(|| answered as f64 / total as f64);
    Objective {
        name: "replay success (workers' replays answered for good)",
        target: format!("≥ {:.1} %", REPLAY_SUCCESS * 100.0),
        measured: share.map(|s| format!("{:.2} %", s * 100.0)),
        samples: usize::try_from(total).unwrap_or(usize::MAX),
        met: share.map(|s| s >= REPLAY_SUCCESS),
    }
}

/// The shop's objectives over `samples`, with reconciliation every `window`.
pub fn judge(samples: &Samples, window: Duration) -> Vec<Objective> {
    vec![
        p95_within(
            "reconciliation p95 (report to reconciled entry)",
            &samples.reconcile_ms,
            window + Duration::from_secs(1),
        ),
        p95_within("accepted to paid p95", &samples.paid_ms, PAID_TARGET),
        replay_success(samples.replays_answered, samples.replays_retried),
        Objective {
            name: "items waiting for a person over a day",
            target: "= 0".to_owned(),
            measured: Some(samples.stale_items.to_string()),
            samples: 1,
            met: Some(samples.stale_items == 0),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_rank_percentile_of_a_hundred_is_its_ninety_fifth() {
        let values: Vec<i64> = (1..=100).rev().collect();
        assert_eq!(percentile(&values, 95), Some(95));
        assert_eq!(percentile(&values, 100), Some(100));
        assert_eq!(percentile(&[7], 95), Some(7));
        assert_eq!(percentile(&[], 95), None);
    }

    #[test]
    fn reconciliation_is_met_within_a_window_and_a_second_and_missed_past_it() {
        let window = Duration::from_secs(30);
        let mut samples = Samples { reconcile_ms: vec![1_000; 95], ..Samples::default() };
        samples.reconcile_ms.extend([40_000; 5]);
        let judged = judge(&samples, window);
        assert_eq!(judged[0].target, "≤ 31.0 s");
        assert_eq!((judged[0].met, judged[0].samples), (Some(true), 100));
        samples.reconcile_ms.push(40_000);
        let judged = judge(&samples, window);
        assert_eq!((judged[0].measured.as_deref(), judged[0].met), (Some("40.0 s"), Some(false)));
    }

    #[test]
    fn nothing_recorded_is_nothing_to_judge_and_a_stale_item_is_a_miss() {
        let judged =
            judge(&Samples { stale_items: 1, ..Samples::default() }, Duration::from_secs(30));
        assert_eq!((judged[0].measured.clone(), judged[0].met), (None, None));
        assert_eq!((judged[1].measured.clone(), judged[1].met), (None, None));
        assert_eq!((judged[2].measured.clone(), judged[2].met), (None, None));
        assert_eq!(judged[3].met, Some(false));
    }

    #[test]
    fn replay_success_counts_the_shops_answers_against_its_target() {
        let window = Duration::from_secs(30);
        let samples = Samples { replays_answered: 999, replays_retried: 1, ..Samples::default() };
        let judged = judge(&samples, window);
        assert_eq!(judged[2].target, "≥ 99.9 %");
        assert_eq!((judged[2].measured.as_deref(), judged[2].met), (Some("99.90 %"), Some(true)));
        assert_eq!(judged[2].samples, 1_000);
        let samples = Samples { replays_answered: 998, replays_retried: 2, ..samples };
        assert_eq!(judge(&samples, window)[2].met, Some(false));
    }
}
