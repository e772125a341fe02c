//! What reconciliation raised about a merchant's orders
//! (`GET /api/v1/merchant/reconciliation`), as the console reads it, and a person's decision
//! on one that waits (`POST /api/v1/merchant/reconciliation/{id}/resolve`).

use serde::{Deserialize, Serialize};

use super::text;
use crate::{FieldProblem, Money, UnixMillis};

/// One mismatch between what a rail reported and the ledger, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciliationItem {
    pub id: i64,
    /// `missing`, `duplicate`, `amount_differs`, `reorged`, `late_finality` or `unknown`.
    pub kind: String,
    /// The rail or chain that reported it.
    pub rail: String,
    /// Our idempotency key the report was about (`{order}/charge`, `{order}/mint/{n}`).
    pub key: String,
    pub order: Option<String>,
    /// What happened, in a sentence.
    pub detail: String,
    /// Suggested actions, best first: `merge_duplicate`, `refund`, `re_mint`,
    /// `wait_for_finality`, `manual_review`.
    pub suggested: Vec<String>,
    /// `open` (waits for a person) or `applied` (an action was taken: automatically when
    /// proven safe, or by a person, then `resolution` says who and why).
    pub status: String,
    pub applied: Option<String>,
    pub created_at: UnixMillis,
    /// A person's decision, when one settled it.
    #[serde(default)]
    pub resolution: Option<ItemResolution>,
}

/// What a person may do about an item that waits, one click each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemAction {
    /// Give back what the rail took that the ledger does not hold: the excess of an amount
    /// that differs, or the whole of a capture for an order not paid here.
    Refund,
    /// Looked into and settled outside Vitrine; the note says how.
    ManualReview,
}

impl ItemAction {
    pub const ALL: [ItemAction; 2] = [ItemAction::Refund, ItemAction::ManualReview];

    /// As the item's `suggested` list spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemAction::Refund => "refund",
            ItemAction::ManualReview => "manual_review",
        }
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            ItemAction::Refund => "Refund what the rail took too much",
            ItemAction::ManualReview => "Mark reviewed",
        }
    }

    /// The actions a person may take on an item that suggests these, in its order.
    pub fn offered(suggested: &[String]) -> Vec<ItemAction> {
        suggested
            .iter()
            .filter_map(|s| ItemAction::ALL.into_iter().find(|a| a.as_str() == s))
            .collect()
    }
}

/// The longest note kept with a decision.
pub const MAX_ITEM_NOTE: usize = 500;

/// `POST /api/v1/merchant/reconciliation/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveItem {
    pub action: ItemAction,
    /// Why, for the audit log: required to mark an item reviewed (what was checked, what was
    /// done outside Vitrine), optional for a refund.
    #[serde(default)]
    pub note: String,
}

impl ResolveItem {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let required = self.action == ItemAction::ManualReview;
        text(&mut out, "note", &self.note, MAX_ITEM_NOTE, required);
        out
    }
}

/// A person's decision on an item: the live one, or the last refund the rail declined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResolution {
    pub action: ItemAction,
    /// `asked` (a refund the rail has not answered: ask again, under the same key), `done`,
    /// or `declined` (the rail refused the refund; the item stays open).
    pub state: String,
    pub note: String,
    /// Who decided (the token's or session's label).
    pub by: String,
    pub at: UnixMillis,
    /// For a refund: the amount asked for, the rail's reference once given, its reason if
    /// declined.
    pub refund: Option<Money>,
    pub reference: Option<String>,
    pub reason: Option<String>,
}

/// How people read a kind or an action: `late_finality` → "late finality".
pub fn words(code: &str) -> String {
    code.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_offered_only_the_actions_a_person_takes_in_the_items_order() {
        let suggested = ["wait_for_finality", "manual_review"].map(String::from);
        assert_eq!(ItemAction::offered(&suggested), [ItemAction::ManualReview]);
        let suggested = ["refund", "manual_review"].map(String::from);
        assert_eq!(ItemAction::offered(&suggested), [ItemAction::Refund, ItemAction::ManualReview]);
        assert!(ItemAction::offered(&["merge_duplicate".to_owned()]).is_empty());
    }

    #[test]
    fn marking_reviewed_needs_a_note_a_refund_does_not() {
        let review = ResolveItem { action: ItemAction::ManualReview, note: " ".into() };
        assert_eq!(review.problems()[0].field, "note");
        let refund = ResolveItem { action: ItemAction::Refund, note: String::new() };
        assert!(refund.problems().is_empty());
        let long = ResolveItem { action: ItemAction::Refund, note: "x".repeat(MAX_ITEM_NOTE + 1) };
        assert_eq!(long.problems().len(), 1);
        let wire: ResolveItem =
            serde_json::from_str(r#"{"action":"manual_review","note":"called the bank"}"#).unwrap();
        assert_eq!(wire.action, ItemAction::ManualReview);
        assert!(serde_json::from_str::<ResolveItem>(r#"{"action":"re_mint"}"#).is_err());
    }
}
