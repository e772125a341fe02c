//! An outbox entry: what it sends (an intent or a claim) and its sending schedule.

use serde::{Deserialize, Serialize};
use vitrine_protocol::claims::Claim;
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{Intent, IntentId, UnixMillis};

/// What an outbox entry sends. Records stored before claims existed have only `intent`, and
/// read as `Intent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outgoing {
    /// A purchase, to `POST /api/v1/intents`.
    Intent { intent: Signed<Intent> },
    /// A voucher's claim, to `POST /api/v1/claims/batch`.
    Claim { claim: Signed<Claim> },
}

/// One intent (or claim) waiting for a final answer. It stays after the server accepts it (`accepted`)
/// until the order is final: if the server later says it has no such order (a restore from
/// backup lost it), the worker sends the kept intent again, and exactly-once makes that safe.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: IntentId,
    #[serde(flatten)]
    pub outgoing: Outgoing,
    pub attempts: u32,
    pub next_attempt_at: UnixMillis,
    /// The last transient failure, for DevTools and support.
    pub last_error: Option<String>,
    /// The server answered 2xx; only order-state checks remain.
    #[serde(default)]
    pub accepted: bool,
    /// For a drop with an allowlist: the buyer's proof (hex hashes), sent as `Allowlist-Proof`.
    #[serde(default)]
    pub allowlist_proof: Vec<String>,
}

impl OutboxEntry {
    /// A new entry, due at once.
    pub fn new(
        id: IntentId,
        outgoing: Outgoing,
        now: UnixMillis,
        allowlist_proof: Vec<String>,
    ) -> Self {
        OutboxEntry {
            id,
            outgoing,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            accepted: false,
            allowlist_proof,
        }
    }
}
