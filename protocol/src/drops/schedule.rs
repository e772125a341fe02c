//! The hard safety rules every drop schedule must pass, whether the merchant typed it or the
//! suggestion model proposed it. Pure: the server checks with them before it lets a drop be
//! approved, and the console can show the same vetoes as the merchant types.

use serde::{Deserialize, Serialize};

use crate::UnixMillis;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A stretch of the server's clock, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub starts_at: UnixMillis,
    pub ends_at: UnixMillis,
}

impl Window {
    fn overlaps(&self, other: &Window) -> bool {
        self.starts_at <= other.ends_at && other.starts_at <= self.ends_at
    }

    fn covers(&self, t: UnixMillis) -> bool {
        self.starts_at <= t && t <= self.ends_at
    }
}

/// A shop's scheduling limits. The defaults are what a new shop gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopRules {
    /// A drop starts at least this long after it is approved, so buyers can hear of it.
    pub min_lead_minutes: u32,
    /// Most drops live at one moment (what this server and the shop's support can carry).
    pub max_live_at_once: u32,
    /// Most drops starting on one day of the shop's calendar.
    pub max_drops_per_day: u32,
    /// No drop starts in `[start, end)` hours of the shop's day (it may wrap midnight);
    /// `None` for none.
    pub quiet_hours: Option<(u8, u8)>,
    /// The shop's offset from UTC, for its day and its hours.
    pub utc_offset_minutes: i32,
    /// When the shop is down for maintenance: no drop may be live then.
    pub maintenance: Vec<Window>,
    /// Longest drop.
    pub max_duration_hours: u32,
}

impl Default for ShopRules {
    fn default() -> Self {
        ShopRules {
            min_lead_minutes: 15,
            max_live_at_once: 2,
            max_drops_per_day: 3,
            quiet_hours: Some((1, 7)),
            utc_offset_minutes: 0,
            maintenance: Vec::new(),
            max_duration_hours: 14 * 24,
        }
    }
}

impl ShopRules {
    /// Problems with the rules themselves, for the merchant's form.
    pub fn problems(&self) -> Vec<crate::FieldProblem> {
        let mut out = Vec::new();
        if self.max_live_at_once == 0 || self.max_drops_per_day == 0 {
            out.push(crate::FieldProblem::new(
                "max_live_at_once",
                "Allow at least one drop at a time and one a day.",
            ));
        }
        if let Some((a, b)) = self.quiet_hours {
            if a > 23 || b > 24 || a == b {
                out.push(crate::FieldProblem::new(
                    "quiet_hours",
                    "Quiet hours are two different hours between 0 and 24.",
                ));
            }
        }
        if self.utc_offset_minutes.abs() > 14 * 60 {
            out.push(crate::FieldProblem::new("utc_offset_minutes", "An offset is within ±14 h."));
        }
        if self.maintenance.iter().any(|w| w.ends_at < w.starts_at) || self.maintenance.len() > 100
        {
            out.push(crate::FieldProblem::new(
                "maintenance",
                "Each maintenance window ends after it starts (at most 100).",
            ));
        }
        if self.max_duration_hours == 0 {
            out.push(crate::FieldProblem::new("max_duration_hours", "Allow at least an hour."));
        }
        out
    }

    fn local(&self, t: UnixMillis) -> i64 {
        t.0 + i64::from(self.utc_offset_minutes) * MINUTE_MS
    }

    /// The shop's day number of `t`.
    pub fn day(&self, t: UnixMillis) -> i64 {
        self.local(t).div_euclid(DAY_MS)
    }

    /// The shop's hour (0–23) of `t`.
    pub fn hour(&self, t: UnixMillis) -> u8 {
        u8::try_from(self.local(t).rem_euclid(DAY_MS) / HOUR_MS).unwrap_or(0)
    }

    fn is_quiet(&self, t: UnixMillis) -> bool {
        let Some((a, b)) = self.quiet_hours else { return false };
        let h = self.hour(t);
        if a < b {
            (a..b).contains(&h)
        } else {
            h >= a || h < b
        }
    }
}

/// A schedule to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub window: Window,
    /// Per work: the supply asked for and the stock there is.
    pub supply: Vec<(u32, u32)>,
    /// Whether the drop is for an allowlist, and whether its root is committed.
    pub allowlist: AllowlistState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowlistState {
    Open,
    Committed,
    /// Only listed buyers, but no list yet.
    Missing,
}

/// Which rule vetoed a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    InThePast,
    EndsBeforeStart,
    TooLong,
    MinLeadTime,
    OverCapacity,
    SupplyOverStock,
    DailyLimit,
    QuietHours,
    Maintenance,
    AllowlistNotCommitted,
}

/// A rule a schedule breaks, and why, in words for the merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Veto {
    pub rule: Rule,
    pub reason: String,
}

fn veto(rule: Rule, reason: String) -> Veto {
    Veto { rule, reason }
}

/// Every rule `plan` breaks at `now`, next to the shop's other approved drops (`others`,
/// this drop excluded). Empty means it may be approved.
pub fn check(plan: &Plan, rules: &ShopRules, others: &[Window], now: UnixMillis) -> Vec<Veto> {
    let w = plan.window;
    let mut out = Vec::new();
    if w.starts_at <= now {
        out.push(veto(Rule::InThePast, "The start is not in the future.".into()));
    } else if w.starts_at < now.plus(i64::from(rules.min_lead_minutes) * MINUTE_MS) {
        out.push(veto(
            Rule::MinLeadTime,
            format!(
                "A drop starts at least {} minutes after it is approved, so buyers can hear of it.",
                rules.min_lead_minutes
            ),
        ));
    }
    if w.ends_at <= w.starts_at {
        out.push(veto(Rule::EndsBeforeStart, "The end is not after the start.".into()));
    } else if w.ends_at.0 - w.starts_at.0 > i64::from(rules.max_duration_hours) * HOUR_MS {
        out.push(veto(
            Rule::TooLong,
            format!("A drop lasts at most {} hours.", rules.max_duration_hours),
        ));
    }
    let live_at_once = std::iter::once(w.starts_at)
        .chain(others.iter().map(|o| o.starts_at).filter(|t| w.covers(*t)))
        .map(|t| 1 + others.iter().filter(|o| o.covers(t)).count())
        .max()
        .unwrap_or(1);
    if live_at_once > rules.max_live_at_once as usize {
        out.push(veto(
            Rule::OverCapacity,
            format!(
                "{live_at_once} drops would be live at once; the shop allows {}.",
                rules.max_live_at_once
            ),
        ));
    }
    if let Some((supply, stock)) = plan.supply.iter().find(|(supply, stock)| supply > stock) {
        out.push(veto(
            Rule::SupplyOverStock,
            format!("A supply of {supply} is more than the {stock} editions in stock."),
        ));
    }
    let day = rules.day(w.starts_at);
    let same_day = 1 + others.iter().filter(|o| rules.day(o.starts_at) == day).count();
    if same_day > rules.max_drops_per_day as usize {
        out.push(veto(
            Rule::DailyLimit,
            format!(
                "That day would have {same_day} drops; the shop allows {}.",
                rules.max_drops_per_day
            ),
        ));
    }
    if rules.is_quiet(w.starts_at) {
        let (a, b) = rules.quiet_hours.unwrap_or_default();
        out.push(veto(
            Rule::QuietHours,
            format!("Drops do not start in the shop's quiet hours ({a:02}:00–{b:02}:00)."),
        ));
    }
    if rules.maintenance.iter().any(|m| m.overlaps(&w)) {
        out.push(veto(
            Rule::Maintenance,
            "The drop would be live during a maintenance window.".into(),
        ));
    }
    if plan.allowlist == AllowlistState::Missing {
        out.push(veto(
            Rule::AllowlistNotCommitted,
            "The drop is for an allowlist, and its list is not committed yet.".into(),
        ));
    }
    out
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
