//! What a device needs besides the voucher: each open batch's terms (public, cached by the
//! service worker so a phone knows offline whether a code is free), and the answers of the
//! kiosk's batch endpoint, one per claim.

use serde::{Deserialize, Serialize};

use crate::{IntentId, ItemId, Money, UnixMillis};

/// Most claims in one `POST /api/v1/claims/batch`.
pub const MAX_CLAIMS_PER_REQUEST: usize = 200;

/// One batch's public terms, as `GET /api/v1/claims/terms` lists them: every batch whose
/// vouchers have not expired, revoked ones included (so a device can say so offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchTerms {
    pub batch: u32,
    pub item: ItemId,
    /// Paid on claiming; zero for free.
    pub price: Money,
    /// The batch's expiry (no voucher of it is claimable after).
    pub expires_at: UnixMillis,
    /// When the shop withdrew the batch, if it did.
    pub revoked_at: Option<UnixMillis>,
}

impl BatchTerms {
    pub fn is_free(&self) -> bool {
        self.price.amount_minor == 0
    }
}

/// One claim's answer within `POST /api/v1/claims/batch`: the status and body that
/// `POST /api/v1/claims` would have answered for it alone (an `Order`, or the error shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimAnswer {
    pub id: IntentId,
    pub status: u16,
    pub body: serde_json::Value,
    /// `Retry-After` in seconds, when that answer would carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}
