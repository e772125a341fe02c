//! The page's and the worker's words about vouchers: what a scanned code is (checked on the
//! device, offline), the claim to make of it, and the kiosk's state.

use serde::{Deserialize, Serialize};

use super::Receipt;
use crate::claims::BatchTerms;
use crate::{Buyer, ItemId, Payment, UnixMillis};

/// A code checked on the device: genuine (signed by one of the shop's published keys) and not
/// expired. What the server alone knows (claimed elsewhere, over the limit) comes later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherView {
    /// The full code (a typed short code resolved to it).
    pub code: String,
    /// `batch-serial`, as printed under the QR code.
    pub short_code: String,
    pub item: ItemId,
    pub expires_at: UnixMillis,
    /// The batch's terms, when this device has them (online, or cached from an earlier visit).
    pub terms: Option<BatchTerms>,
    /// This device's claim of the code, when it made one already (its latest attempt).
    pub receipt: Option<Box<Receipt>>,
    /// Whether this device may claim it again: its latest attempt gave the voucher back
    /// (`ReceiptStatus::gives_voucher_back`) and was not its last (`MAX_CLAIM_ATTEMPTS`).
    #[serde(default)]
    pub may_try_again: bool,
}

/// Claim a voucher from this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRequest {
    /// The code as scanned or typed (a kiosk may type the short code).
    pub code: String,
    /// The work's title, kept on the receipt so it reads well offline.
    pub title: String,
    /// How a priced claim is paid; `None` for a free one.
    pub payment: Option<Payment>,
    #[serde(default)]
    pub buyer: Buyer,
    /// The page's estimate of the server's clock minus this device's (ms).
    #[serde(default)]
    pub clock_offset_ms: i64,
    /// Made by the kiosk (its own key and certificate), not by the collector's phone.
    #[serde(default)]
    pub kiosk: bool,
}

/// One voucher a kiosk downloaded while online, so a code typed by its short form is found
/// offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskVoucher {
    pub short_code: String,
    pub code: String,
}

/// Where the kiosk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskState {
    /// Until when its certificate lets it claim; `None` before it is set up.
    pub certified_until: Option<UnixMillis>,
    /// Claims made here that the server has not answered yet.
    pub waiting: u32,
    /// Vouchers it can look up by short code.
    pub vouchers: u32,
}
