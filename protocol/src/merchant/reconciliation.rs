//! What reconciliation raised about a merchant's orders
//! (`GET /api/v1/merchant/reconciliation`), as the console reads it.

use serde::{Deserialize, Serialize};

use crate::UnixMillis;

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
    /// `open` (waits for a person) or `applied` (an action proven safe was taken).
    pub status: String,
    pub applied: Option<String>,
    pub created_at: UnixMillis,
}

/// How people read a kind or an action: `late_finality` → "late finality".
pub fn words(code: &str) -> String {
    code.replace('_', " ")
}
