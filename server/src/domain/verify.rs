//! Is this intent one we may accept? Pure checks on the signed intent, cheap enough to run on
//! any thread before the write path (which then only does the stock arithmetic).

use vitrine_protocol::signing::{PublicKey, Signed};
use vitrine_protocol::{ErrorCode, Intent, UnixMillis};

use crate::domain::settlement::Rails;

/// A reason to refuse, with the code the device will act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: ErrorCode,
    pub message: String,
}

fn reject(code: ErrorCode, message: impl Into<String>) -> Rejection {
    Rejection { code, message: message.into() }
}

/// How far ahead of the server a device clock may run.
const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// Check everything that needs no database: the certificate chain, the device's signature, the
/// quote, the time window, the limits, and that `rails` settles on the intent's rail.
/// `max_quantity` bounds one intent.
pub fn verify(
    signed: &Signed<Intent>,
    server: &PublicKey,
    now: UnixMillis,
    max_quantity: u32,
    rails: &Rails,
) -> Result<(), Rejection> {
    let intent = &signed.body;
    if intent.quantity == 0 || intent.quantity > max_quantity {
        return Err(reject(
            ErrorCode::InvalidQuantity,
            format!("quantity must be between 1 and {max_quantity}"),
        ));
    }
    let cert =
        signed.body.certificate.verify(server).map_err(|_| {
            reject(ErrorCode::CertificateInvalid, "the device certificate is not ours")
        })?;
    signed
        .verify(&cert.device_key)
        .map_err(|_| reject(ErrorCode::BadSignature, "the intent's signature does not verify"))?;
    if intent.device_time > UnixMillis(now.0.saturating_add(CLOCK_SKEW_MS)) {
        return Err(reject(ErrorCode::BadSignature, "the intent is dated in the future"));
    }
    if intent.device_time > cert.not_after {
        return Err(reject(
            ErrorCode::CertificateExpired,
            "the device certificate had expired when this purchase was made",
        ));
    }
    let quote = intent
        .quote
        .verify(server)
        .map_err(|_| reject(ErrorCode::ForgedQuote, "the price quote was not signed by us"))?;
    if quote.item != intent.item {
        return Err(reject(ErrorCode::ForgedQuote, "the price quote is for another item"));
    }
    // The buyer relied on the quote when they tapped; honour it if it was valid then.
    if quote.valid_until < intent.device_time {
        return Err(reject(ErrorCode::QuoteExpired, "the price quote had expired"));
    }
    let total = intent
        .total()
        .ok_or_else(|| reject(ErrorCode::InvalidQuantity, "the total is too large"))?;
    let limit = cert.limit(total.currency).ok_or_else(|| {
        reject(
            ErrorCode::OverLimit,
            format!("offline purchases in {} are not allowed", total.currency.code()),
        )
    })?;
    if total.amount_minor > limit.max_per_intent_minor {
        return Err(reject(
            ErrorCode::OverLimit,
            "this purchase is above the offline limit for one order",
        ));
    }
    if rails.get(&intent.payment.rail).is_none() {
        return Err(reject(
            ErrorCode::UnknownRail,
            format!("payment rail {:?} is not supported", intent.payment.rail),
        ));
    }
    Ok(())
}
