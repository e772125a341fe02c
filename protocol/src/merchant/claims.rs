//! A merchant's claim batches: the request that makes one (its vouchers are signed by the
//! server at once), the batch with its counters, and one voucher as the console and the
//! sheet's CSV list it.

use serde::{Deserialize, Serialize};

use crate::claims::MAX_BATCH;
use crate::error::FieldProblem;
use crate::merchant::MAX_PRICE_MINOR;
use crate::{ItemId, Money, UnixMillis};

/// Highest per-person limit of a batch.
pub const MAX_PER_PERSON: u32 = 100;
/// The latest expiry a voucher can carry (its seconds are 32 bits).
pub const LATEST_EXPIRY: UnixMillis = UnixMillis(u32::MAX as i64 * 1000);

/// `POST /api/v1/merchant/claims`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClaimBatch {
    /// The work claimed (one edition per voucher).
    pub item: ItemId,
    /// Vouchers in the batch.
    pub count: u32,
    /// Paid on claiming; zero for free.
    pub price: Money,
    /// The last moment a voucher may be claimed (kept to the second).
    pub expires_at: UnixMillis,
    /// Most vouchers of this batch one person (device or email) may claim.
    pub per_person_limit: u32,
}

impl NewClaimBatch {
    pub fn problems(&self, now: UnixMillis) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if !(1..=MAX_BATCH).contains(&self.count) {
            out.push(FieldProblem::new("count", format!("1 to {MAX_BATCH} vouchers")));
        }
        if !(0..=MAX_PRICE_MINOR).contains(&self.price.amount_minor) {
            out.push(FieldProblem::new(
                "price",
                format!("0 (free) to {MAX_PRICE_MINOR} in minor units (cents)"),
            ));
        }
        if self.expires_at <= now || self.expires_at > LATEST_EXPIRY {
            out.push(FieldProblem::new("expires_at", "a moment in the future (before 2106)"));
        }
        if !(1..=MAX_PER_PERSON).contains(&self.per_person_limit) {
            out.push(FieldProblem::new("per_person_limit", format!("1 to {MAX_PER_PERSON}")));
        }
        out
    }
}

/// A batch as its merchant sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimBatch {
    pub id: i64,
    pub item: ItemId,
    /// The work's title.
    pub title: String,
    pub count: u32,
    pub price: Money,
    pub expires_at: UnixMillis,
    pub per_person_limit: u32,
    pub created_at: UnixMillis,
    /// Once revoked, no voucher of the batch is taken again (claims already made stand).
    pub revoked_at: Option<UnixMillis>,
    /// Vouchers claimed so far.
    pub claimed: u32,
}

/// One voucher of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherEntry {
    pub serial: u16,
    /// The 204-digit code of `/claim/{code}`.
    pub code: String,
    /// `batch-serial`, printed under the QR code for people.
    pub short_code: String,
    pub claimed_at: Option<UnixMillis>,
}
