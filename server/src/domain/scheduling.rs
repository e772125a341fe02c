//! "When should this drop go live?": the suggestion model and its proposals.
//!
//! The model is named for what it is, here and in the console: **busiest hours**. It counts
//! the shop's own traffic of the last eight weeks by weekday and hour of the shop's day —
//! page views, and purchases weighted ×20 (a purchase says more than a look) — and proposes
//! the coming starts (on the hour, from the lead time to two weeks out) whose weekday-hour
//! scored highest, earlier first on a tie. Deterministic on the same traffic. Every proposal
//! then goes through the hard safety rules (`protocol::drops::schedule`); vetoed ones are
//! shown with the rule and the reason, never hidden, and nothing is approved but by the
//! merchant.

use vitrine_protocol::drops::schedule::{Plan, ShopRules, Veto, Window};
use vitrine_protocol::merchant::{Proposal, Proposals};
use vitrine_protocol::UnixMillis;

/// What the console calls the model.
pub const MODEL: &str = "Busiest hours: your shop's page views and purchases (×20) by weekday and hour over the last 8 weeks";

/// How far back the model looks.
pub const HISTORY_MS: i64 = 8 * 7 * DAY_MS;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const HORIZON_MS: i64 = 14 * DAY_MS;
const PURCHASE_WEIGHT: u64 = 20;
/// Proposals shown: stop after this many that pass, or this many in all.
const PASSING: usize = 3;
const MOST: usize = 8;

/// Traffic per hour: (hour number = unix ms / 3,600,000, page views, purchases).
pub type Traffic = [(i64, u64, u64)];

/// Score per (weekday, hour) of the shop's calendar; weekday 0 is Thursday (1970-01-01).
fn scores(traffic: &Traffic, rules: &ShopRules) -> [[u64; 24]; 7] {
    let mut s = [[0u64; 24]; 7];
    for &(hour, visits, purchases) in traffic {
        let t = UnixMillis(hour.saturating_mul(HOUR_MS));
        let (day, h) = (rules.day(t).rem_euclid(7), usize::from(rules.hour(t)));
        if let (Ok(day), true) = (usize::try_from(day), h < 24) {
            s[day][h] =
                s[day][h].saturating_add(visits).saturating_add(purchases * PURCHASE_WEIGHT);
        }
    }
    s
}

/// Proposals for a drop of `duration_ms` with `plan`'s supply and allowlist, at `now`.
pub fn propose(
    traffic: &Traffic,
    plan: &Plan,
    others: &[Window],
    rules: &ShopRules,
    now: UnixMillis,
    check: impl Fn(&Plan, &[Window], &ShopRules) -> Vec<Veto>,
) -> Proposals {
    let scores = scores(traffic, rules);
    let duration = (plan.window.ends_at.0 - plan.window.starts_at.0).max(HOUR_MS);
    let first = now.0 + i64::from(rules.min_lead_minutes) * 60_000;
    let first_hour = first.div_euclid(HOUR_MS) + 1;
    let mut candidates: Vec<(u64, i64)> = (first_hour..(now.0 + HORIZON_MS) / HOUR_MS)
        .map(|hour| {
            let t = UnixMillis(hour * HOUR_MS);
            let day = usize::try_from(rules.day(t).rem_euclid(7)).unwrap_or(0);
            (scores[day][usize::from(rules.hour(t))], t.0)
        })
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut proposals = Vec::new();
    let mut passing = 0;
    for (score, start) in candidates {
        let window = Window { starts_at: UnixMillis(start), ends_at: UnixMillis(start + duration) };
        let vetoes = check(&Plan { window, ..plan.clone() }, others, rules);
        passing += usize::from(vetoes.is_empty());
        proposals.push(Proposal { window, score, vetoes });
        if passing == PASSING || proposals.len() == MOST {
            break;
        }
    }
    Proposals { model: MODEL.to_owned(), proposals }
}

#[cfg(test)]
mod tests {
    use vitrine_protocol::drops::schedule::{check, AllowlistState, Rule};

    use super::*;

    /// Monday 2027-01-04 00:00 UTC.
    const MONDAY: i64 = 1_799_020_800_000;

    fn plan() -> Plan {
        Plan {
            window: Window { starts_at: UnixMillis(0), ends_at: UnixMillis(2 * HOUR_MS) },
            supply: vec![(10, 10)],
            allowlist: AllowlistState::Open,
        }
    }

    fn run(traffic: &Traffic, rules: &ShopRules) -> Proposals {
        let now = UnixMillis(MONDAY);
        propose(traffic, &plan(), &[], rules, now, |p, o, r| check(p, r, o, now))
    }

    /// Eight weeks in which Wednesdays at 19:00 are busy and Fridays at 03:00 busier.
    fn history() -> Vec<(i64, u64, u64)> {
        let mut t = Vec::new();
        for week in 1..=8 {
            let base = MONDAY / HOUR_MS - week * 7 * 24;
            t.push((base + 2 * 24 + 19, 50, 3)); // Wednesday 19:00
            t.push((base + 4 * 24 + 3, 400, 1)); // Friday 03:00
            t.push((base + 24 + 12, 10, 0)); // Tuesday 12:00
        }
        t
    }

    #[test]
    fn the_same_traffic_always_gives_the_same_proposals() {
        let rules = ShopRules::default();
        assert_eq!(run(&history(), &rules), run(&history(), &rules));
        let mut shuffled = history();
        shuffled.reverse();
        assert_eq!(run(&shuffled, &rules), run(&history(), &rules));
    }

    #[test]
    fn the_busiest_hour_is_proposed_and_vetoed_when_a_rule_forbids_it() {
        let p = run(&history(), &ShopRules::default());
        let week_hour =
            |p: &Proposal| (p.window.starts_at.0 - MONDAY).rem_euclid(7 * 24 * HOUR_MS) / HOUR_MS;
        let rules = |p: &Proposal| p.vetoes.iter().map(|v| v.rule).collect::<Vec<_>>();
        // Friday 03:00 scores 8 × 420 and comes first, this week and next; it is in the quiet
        // hours (01–07), so both are vetoed, with the rule.
        assert_eq!(p.proposals.iter().map(week_hour).collect::<Vec<_>>(), [99, 99, 67, 67, 36]);
        assert_eq!(rules(&p.proposals[0]), [Rule::QuietHours]);
        assert_eq!(rules(&p.proposals[1]), [Rule::QuietHours]);
        assert!(p.proposals[1].window.starts_at > p.proposals[0].window.starts_at);
        // Then Wednesday 19:00 (8 × 110), both weeks, then Tuesday 12:00 (8 × 10): they pass.
        assert!(p.proposals[2..].iter().all(|p| p.vetoes.is_empty()));
        assert_eq!(p.proposals[2].score, 8 * 110);
        assert_eq!(p.model, MODEL);
    }

    #[test]
    fn without_traffic_the_earliest_allowed_hours_come_first() {
        let p = run(&[], &ShopRules { quiet_hours: None, ..ShopRules::default() });
        assert_eq!(p.proposals[0].window.starts_at, UnixMillis(MONDAY + HOUR_MS));
        assert!(p.proposals.windows(2).all(|w| w[0].window.starts_at < w[1].window.starts_at));
    }
}
