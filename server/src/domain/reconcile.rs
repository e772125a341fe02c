//! Reconciliation's rules: how one report from a rail reads against our ledger, and which
//! mismatches get an action applied automatically. Only actions proven safe are: merging an
//! exact duplicate report (it moves nothing), re-minting a dropped mint (the schema allows one
//! live attempt per order; tests/it/mints.rs), and closing a late mint's item once the chain
//! reports it final (waiting did it; nothing moves). Everything else waits for a person, with
//! suggestions. No I/O here: the reconciler gathers the facts, storage writes the outcome.

use std::time::Duration;

use vitrine_protocol::{Money, UnixMillis};

use crate::domain::order_flow::Event;
use crate::domain::settlement::{Attestation, RailEvent};

/// What kind of mismatch an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The ledger expects a report the rail has not sent.
    Missing,
    /// The rail said the same thing twice.
    Duplicate,
    /// The rail's amount is not the ledger's.
    AmountDiffers,
    /// The chain dropped a mint (reorg, reverted batch).
    Reorged,
    /// A mint is taking longer than its chain's finality.
    LateFinality,
    /// The rail reports something the ledger has no record of, or no reason for.
    Unknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Duplicate => "duplicate",
            Kind::AmountDiffers => "amount_differs",
            Kind::Reorged => "reorged",
            Kind::LateFinality => "late_finality",
            Kind::Unknown => "unknown",
        }
    }
}

/// What can be done about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    MergeDuplicate,
    Refund,
    ReMint,
    WaitForFinality,
    ManualReview,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::MergeDuplicate => "merge_duplicate",
            Action::Refund => "refund",
            Action::ReMint => "re_mint",
            Action::WaitForFinality => "wait_for_finality",
            Action::ManualReview => "manual_review",
        }
    }
}

/// How a report was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Matched,
    Duplicate,
    Mismatch,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Matched => "matched",
            Verdict::Duplicate => "duplicate",
            Verdict::Mismatch => "mismatch",
        }
    }
}

/// A mismatch, with what to do about it; `applied` when an action proven safe was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    pub key: String,
    pub order: Option<String>,
    pub detail: String,
    pub suggested: Vec<Action>,
    pub applied: Option<Action>,
}

/// What the ledger knows about the order a report names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub total: Money,
    /// Captured here (the order is paid).
    pub paid: bool,
    /// Still held: being settled right now. The rail reports a capture when it makes it,
    /// before the settler's transaction records the order paid, so a window may read the
    /// report in between; it is the capture we asked for, not a stranger's.
    pub settling: bool,
}

/// The order a key names: every key of ours starts with the order's id.
pub fn order_of(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

/// The report kind as stored.
pub fn kind_of(event: &RailEvent) -> &'static str {
    match event {
        RailEvent::Authorized { .. } => "authorized",
        RailEvent::Captured { .. } => "captured",
        RailEvent::Declined => "declined",
        RailEvent::Voided => "voided",
        RailEvent::Settled { .. } => "settled",
        RailEvent::Refunded { .. } => "refunded",
        RailEvent::Disputed { .. } => "disputed",
        RailEvent::DisputeWon => "dispute_won",
        RailEvent::DisputeLost { .. } => "dispute_lost",
        RailEvent::MintIncluded { .. } => "mint_included",
        RailEvent::MintFinal { .. } => "mint_final",
        RailEvent::MintDropped { .. } => "mint_dropped",
    }
}

/// The money a report speaks of, if any.
pub fn amount_of(event: &RailEvent) -> Option<Money> {
    match event {
        RailEvent::Authorized { amount }
        | RailEvent::Captured { amount }
        | RailEvent::Settled { amount }
        | RailEvent::Refunded { amount }
        | RailEvent::Disputed { amount }
        | RailEvent::DisputeLost { amount } => Some(*amount),
        _ => None,
    }
}

fn item(kind: Kind, key: &str, detail: String, suggested: Vec<Action>) -> Item {
    let order = Some(order_of(key).to_owned());
    Item { kind, key: key.to_owned(), order, detail, suggested, applied: None }
}

/// Read one report. `order` is what the ledger holds for the order its key names; `seen` is
/// whether the same (rail, key, kind) was reported before.
pub fn judge(
    report: &Attestation,
    order: Option<&OrderFacts>,
    seen: bool,
) -> (Verdict, Option<Item>) {
    let key = report.key.as_str();
    let kind = kind_of(&report.event);
    if seen {
        let detail = format!("the rail reported {kind} for {key} again");
        let merged = Item {
            applied: Some(Action::MergeDuplicate),
            ..item(Kind::Duplicate, key, detail, vec![Action::MergeDuplicate])
        };
        return (Verdict::Duplicate, Some(merged));
    }
    let Some(order) = order else {
        let detail = format!("the rail reported {kind} for {key}, which the ledger does not know");
        return (
            Verdict::Mismatch,
            Some(item(Kind::Unknown, key, detail, vec![Action::ManualReview])),
        );
    };
    if let RailEvent::MintDropped { tx } = &report.event {
        let detail = format!("the chain dropped mint {tx}; the work is minted again");
        let remint = Item {
            applied: Some(Action::ReMint),
            ..item(Kind::Reorged, key, detail, vec![Action::ReMint])
        };
        return (Verdict::Matched, Some(remint));
    }
    if let Some(amount) = amount_of(&report.event) {
        // Refunds and disputes may be partial; every other report is about the whole sale.
        let whole = !matches!(
            report.event,
            RailEvent::Refunded { .. } | RailEvent::Disputed { .. } | RailEvent::DisputeLost { .. }
        );
        if amount.currency != order.total.currency || (whole && amount != order.total) {
            let detail = format!(
                "the rail reported {kind} of {amount} for {key}; the ledger has {}",
                order.total
            );
            let suggested = if amount.amount_minor > order.total.amount_minor {
                vec![Action::Refund, Action::ManualReview]
            } else {
                vec![Action::ManualReview]
            };
            return (Verdict::Mismatch, Some(item(Kind::AmountDiffers, key, detail, suggested)));
        }
    }
    let taken = matches!(report.event, RailEvent::Captured { .. } | RailEvent::Settled { .. });
    if taken && !order.paid && !order.settling {
        let detail = format!("the rail reported {kind} for {key}, an order not paid here");
        return (
            Verdict::Mismatch,
            Some(item(Kind::Unknown, key, detail, vec![Action::Refund, Action::ManualReview])),
        );
    }
    (Verdict::Matched, None)
}

/// The step of the order's state machine a report is, when the rail decides it on its own
/// (the buyer disputed; the dispute was decided). Applying it records a fact the processor
/// has already acted on: the money is frozen or gone whether or not our ledger says so.
pub fn flow_event(event: &RailEvent) -> Option<Event> {
    match event {
        RailEvent::Disputed { .. } => Some(Event::Disputed),
        RailEvent::DisputeWon => Some(Event::DisputeWon),
        RailEvent::DisputeLost { .. } => Some(Event::DisputeLost),
        _ => None,
    }
}

/// A report the state machine refuses (a dispute of an order not captured here).
pub fn refused(report: &Attestation, why: &str) -> Item {
    let detail = format!("the rail reported {} for {}: {why}", kind_of(&report.event), report.key);
    item(Kind::Unknown, &report.key, detail, vec![Action::ManualReview])
}

/// A capture the rail reported while its order was being settled, whose order was not paid
/// after all (declined, expired, or held for review): money taken for nothing sold here.
pub fn capture_not_paid(key: &str, taken: Money) -> Item {
    let detail = format!("the rail took {taken} for {key}, and the order was not paid here");
    item(Kind::Unknown, key, detail, vec![Action::Refund, Action::ManualReview])
}

/// A capture the ledger recorded at `paid_at` that the rail has not reported by `now`.
pub fn missing_capture(order: &str, paid_at: UnixMillis, now: UnixMillis) -> Item {
    let seconds = (now.0 - paid_at.0).max(0) / 1000;
    let detail = format!("paid here {seconds} s ago; the rail has not reported its capture");
    item(Kind::Missing, &format!("{order}/charge"), detail, vec![Action::ManualReview])
}

/// A mint the chain included at `included_at` (its time) and has not made final by `now`,
/// later than its finality allows. Waiting is the first suggestion: a halted batcher or a
/// slow chain catches up, and the item closes itself when the mint is final.
pub fn late_mint(key: &str, included_at: UnixMillis, now: UnixMillis) -> Item {
    let seconds = now.0.saturating_sub(included_at.0).max(0) / 1000;
    let detail =
        format!("included {seconds} s ago and not final yet, later than the chain's finality");
    item(Kind::LateFinality, key, detail, vec![Action::WaitForFinality, Action::ManualReview])
}

/// What a person's refund of an item gives back: what the rail took (`taken`: its capture, or
/// its settlement line) that the ledger does not hold — the excess over the sale for an amount
/// that differs, the whole for a capture of an order not paid here. Nothing else is refunded
/// from an item: a sale the ledger holds is refunded from its order.
pub fn refund_due(
    kind: &str,
    taken: Option<Money>,
    order: Option<&OrderFacts>,
) -> Result<Money, String> {
    let Some(taken) = taken.filter(|t| t.amount_minor > 0) else {
        return Err("the rail reported no money taken for this charge".into());
    };
    let Some(order) = order else {
        return Err("the ledger has no such order".into());
    };
    if taken.currency != order.total.currency {
        return Err(format!("the rail took {taken}, not the order's currency: review it"));
    }
    match kind {
        "amount_differs" if order.paid && taken.amount_minor > order.total.amount_minor => {
            let excess = taken.amount_minor - order.total.amount_minor;
            Ok(Money { amount_minor: excess, currency: taken.currency })
        }
        "amount_differs" => Err(format!(
            "the rail took {taken} and the ledger holds {}: nothing over it to give back",
            order.total
        )),
        // Not while it is being settled: the capture may be the one we asked for, and the
        // order paid a moment later.
        "unknown" if !order.paid && !order.settling => Ok(taken),
        "unknown" if order.settling => Err("the order is being settled: look again shortly".into()),
        "unknown" => Err("the order is paid here now: refund it from the order".into()),
        _ => Err("a refund is not suggested for this item".into()),
    }
}

/// When a mint included at chain time `t` is late: past the chain's finality and a window.
pub fn late_after(finality: Duration, window: Duration) -> i64 {
    i64::try_from((finality + window).as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
