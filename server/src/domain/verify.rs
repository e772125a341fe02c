//! Is this intent one we may accept? Pure checks on the signed intent, cheap enough to run on
//! any thread before the write path (which then only does the stock arithmetic). The time
//! windows and limits are `protocol::acceptance`, the same rule the device applies. Also the
//! check of a device registration, before a device or a kiosk is certified.

use std::time::Duration;

use vitrine_protocol::acceptance::{self, Refusal, CLOCK_SKEW_MS};
use vitrine_protocol::signing::{PublicKey, Signed};
use vitrine_protocol::{DeviceRegistration, ErrorCode, Intent, Money, OfflineLimit, UnixMillis};

use crate::domain::keys::Keys;
use crate::domain::orders::Admission;
use crate::domain::settlement::Rails;

/// A reason to refuse, with the code the device will act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: ErrorCode,
    pub message: String,
    /// For transient refusals: when to try again.
    pub retry_after: Option<Duration>,
}

/// A device clock ahead of ours: transient, retried once the device time is within the skew.
pub(crate) fn clock_ahead(what: &str, retry_after_ms: i64) -> Rejection {
    let secs = u64::try_from(retry_after_ms).unwrap_or(0).div_ceil(1000).max(1);
    Rejection {
        code: ErrorCode::ClockAhead,
        message: format!("the {what} is dated ahead of our clock; send it again later"),
        retry_after: Some(Duration::from_secs(secs)),
    }
}

pub(crate) fn reject(code: ErrorCode, message: impl Into<String>) -> Rejection {
    Rejection { code, message: message.into(), retry_after: None }
}

/// An intent that may become an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub total: Money,
    /// The certificate's limit in the total's currency.
    pub limit: OfflineLimit,
    pub admission: Admission,
}

/// Check everything that needs no database: the signing format, the certificate chain (by
/// key id, through the key ring), the device's signature, the quote, the acceptance rule and
/// that `rails` settles on the intent's rail.
pub fn verify(
    signed: &Signed<Intent>,
    keys: &Keys,
    now: UnixMillis,
    rails: &Rails,
) -> Result<Verified, Rejection> {
    let intent = &signed.body;
    let (cert, quote) = (&intent.certificate, &intent.quote);
    if cert.body.format != intent.format {
        return Err(reject(
            ErrorCode::CertificateInvalid,
            "the device certificate is in another format than the intent",
        ));
    }
    let cert =
        keys.verify_grant(cert, cert.body.format, cert.body.key_id, now).ok_or_else(|| {
            reject(ErrorCode::CertificateInvalid, "the device certificate is not ours")
        })?;
    signed
        .verify(&cert.device_key)
        .map_err(|_| reject(ErrorCode::BadSignature, "the intent's signature does not verify"))?;
    let quote = keys
        .verify_grant(quote, quote.body.format, quote.body.key_id, now)
        .ok_or_else(|| reject(ErrorCode::ForgedQuote, "the price quote was not signed by us"))?;
    if quote.item != intent.item {
        return Err(reject(ErrorCode::ForgedQuote, "the price quote is for another item"));
    }
    let accepted = acceptance::accept(cert, quote, intent.quantity, intent.device_time, now);
    let (admission, total) = match accepted {
        Ok(total) => (Admission::InTime, total),
        // Late is only said after every bound and limit held, so the total exists.
        Err(Refusal::Late) => (
            Admission::Late,
            intent
                .total()
                .ok_or_else(|| reject(ErrorCode::InvalidQuantity, "the total is too large"))?,
        ),
        Err(Refusal::ClockAhead { retry_after_ms }) => {
            return Err(clock_ahead("intent", retry_after_ms))
        }
        Err(refusal) => return Err(reject(refusal.code(), refusal.to_string())),
    };
    let limit = *cert
        .limit(total.currency)
        .ok_or_else(|| reject(ErrorCode::OverLimit, "no offline limit in this currency"))?;
    // The free rail is for free claims: a purchase names a rail that takes money.
    if rails.get(&intent.payment.rail).is_none()
        || intent.payment.rail == vitrine_protocol::claims::FREE_RAIL
    {
        return Err(reject(
            ErrorCode::UnknownRail,
            format!("payment rail {:?} is not supported", intent.payment.rail),
        ));
    }
    // The work is minted to this address: one that is none would fail at the chain, after
    // the money was taken.
    if let Some(wallet) = intent.buyer.wallet.as_deref() {
        if !vitrine_protocol::wallet::is_address(wallet) {
            return Err(reject(
                ErrorCode::InvalidWallet,
                "the wallet address is not 0x followed by 40 hex digits",
            ));
        }
    }
    Ok(Verified { total, limit, admission })
}

/// The key a registration asks us to certify, once it is signed by that key (so nobody
/// certifies a key they do not hold) and dated within the clock skew of `now` (so a captured
/// registration cannot be replayed later). A buyer's device and a merchant's kiosk alike.
pub fn registration(
    signed: &Signed<DeviceRegistration>,
    now: UnixMillis,
) -> Result<PublicKey, Rejection> {
    let key = signed.body.device_key;
    signed.verify(&key).map_err(|_| {
        reject(ErrorCode::BadRegistration, "the registration is not signed by its key")
    })?;
    if signed.body.device_time.0.abs_diff(now.0) > CLOCK_SKEW_MS.unsigned_abs() {
        return Err(reject(
            ErrorCode::BadRegistration,
            "the device clock is more than 5 minutes off; set the time and try again",
        ));
    }
    Ok(key)
}
