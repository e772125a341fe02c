//! The acceptance rule: may an intent made at `device_time`, with this certificate and this
//! quote, be honoured at `now`? One function, called by the service worker before it signs
//! (with `device_time = now`) and by the server when the intent arrives, so the two can never
//! disagree on a comparison.
//!
//! The windows (all bounds inclusive, `skew` = [`CLOCK_SKEW_MS`]):
//! - `cert.not_before − skew ≤ device_time ≤ min(cert.not_after, now + skew)`
//! - `quote.issued_at − skew ≤ device_time ≤ quote.valid_until`
//! - `device_time ≥ now − cert.offline_window_ms`
//!
//! A device time ahead of `now + skew` is a clock running fast: the answer is "retry later",
//! never a final refusal. An intent signed in time but arriving after the offline window is
//! *late*: the server records it as a conflict (nothing charged), never loses it and never
//! silently accepts it.

use std::fmt;

use crate::grants::{DeviceCertificate, Format, Quote};
use crate::{Currency, ErrorCode, Money, OfflineLimit, UnixMillis};

/// How far a device clock may be from the server's: for registrations and for intents.
pub const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// How long after it was made an intent may still be honoured, unless the certificate says
/// otherwise (Stripe Terminal and others allow 72 h offline).
pub const DEFAULT_OFFLINE_WINDOW_MS: i64 = 72 * HOUR_MS;

/// Most editions one intent may buy, unless the certificate says otherwise.
pub const MAX_QUANTITY: u32 = 10;

const HOUR_MS: i64 = 3_600_000;

/// Format 1 grants had no lower bounds; the server issued them under a fixed policy, so their
/// issue time is known from their expiry: certificates lasted 24 h, quotes 48 h from the start
/// of the hour they were made in.
const V1_CERTIFICATE_TTL_MS: i64 = 24 * HOUR_MS;
const V1_QUOTE_SPAN_MS: i64 = 49 * HOUR_MS;

impl DeviceCertificate {
    /// The first moment intents may be dated.
    pub fn valid_from(&self) -> UnixMillis {
        match self.format {
            Format::V1 => self.not_after.minus(V1_CERTIFICATE_TTL_MS),
            Format::V2 => self.not_before,
        }
    }

    /// How late an intent may arrive and still be honoured.
    pub fn offline_window(&self) -> i64 {
        match self.format {
            Format::V1 => DEFAULT_OFFLINE_WINDOW_MS,
            Format::V2 => self.offline_window_ms,
        }
    }

    /// Most editions one intent may buy.
    pub fn max_quantity(&self) -> u32 {
        match self.format {
            Format::V1 => MAX_QUANTITY,
            Format::V2 => self.max_quantity,
        }
    }
}

impl Quote {
    /// The first moment the quote may be relied on.
    pub fn valid_from(&self) -> UnixMillis {
        match self.format {
            Format::V1 => self.valid_until.minus(V1_QUOTE_SPAN_MS),
            Format::V2 => self.issued_at,
        }
    }
}

/// Why an intent is not honoured (or, on the device, not made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No certificate yet.
    NotRegistered,
    /// The device's certificate is in an older format: it must renew before buying.
    NeedsRenewal,
    /// Dated before the certificate was issued.
    CertificateNotYetValid,
    /// Dated after the certificate's `not_after`.
    CertificateExpired,
    /// Dated before the quote was issued.
    QuoteNotYetValid,
    /// Dated after the quote's `valid_until`.
    QuoteExpired,
    /// The quote and certificate are in different formats.
    FormatMismatch,
    /// Dated ahead of the server's clock by more than the skew: retry later.
    ClockAhead {
        /// How long until the device time is within the skew.
        retry_after_ms: i64,
    },
    /// Signed in time, arrived after the offline window: a conflict, nothing charged.
    Late,
    /// Zero, or more than one intent may buy.
    InvalidQuantity {
        /// The bound.
        max: u32,
    },
    /// The certificate grants nothing in this currency.
    CurrencyNotAllowed(Currency),
    /// Above the per-intent limit.
    OverPerIntent {
        /// This purchase.
        total: Money,
        /// The limit.
        limit: Money,
    },
    /// This device's outstanding purchases plus this one are above the outstanding limit.
    OverOutstanding {
        /// Not final yet.
        outstanding: Money,
        /// The limit.
        limit: Money,
    },
}

impl Refusal {
    /// The API code the server answers with. `Late` and `OverOutstanding` become conflict
    /// orders instead, and `ClockAhead` is transient.
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::NotRegistered | Refusal::NeedsRenewal | Refusal::FormatMismatch => {
                ErrorCode::CertificateInvalid
            }
            Refusal::CertificateNotYetValid => ErrorCode::CertificateNotYetValid,
            Refusal::CertificateExpired => ErrorCode::CertificateExpired,
            Refusal::QuoteNotYetValid => ErrorCode::QuoteNotYetValid,
            Refusal::QuoteExpired => ErrorCode::QuoteExpired,
            Refusal::ClockAhead { .. } => ErrorCode::ClockAhead,
            Refusal::InvalidQuantity { .. } => ErrorCode::InvalidQuantity,
            Refusal::CurrencyNotAllowed(_) | Refusal::OverPerIntent { .. } => ErrorCode::OverLimit,
            Refusal::Late | Refusal::OverOutstanding { .. } => ErrorCode::OverLimit,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotRegistered => f.write_str(
                "This device is not set up for offline purchases yet. Connect to the internet once, then try again.",
            ),
            Refusal::NeedsRenewal => f.write_str(
                "This device's permission to buy offline needs renewing. Connect to the internet, then try again.",
            ),
            Refusal::CertificateNotYetValid => f.write_str(
                "This purchase is dated before the device was allowed to buy offline.",
            ),
            Refusal::CertificateExpired => f.write_str(
                "This device's permission to buy offline has expired. Connect to the internet to renew it.",
            ),
            Refusal::QuoteNotYetValid => {
                f.write_str("This purchase is dated before its price was offered.")
            }
            Refusal::QuoteExpired => f.write_str(
                "The saved price for this item has expired. Connect to the internet to get a current price.",
            ),
            Refusal::FormatMismatch => f.write_str(
                "The saved price and this device's permission are from different releases. Connect to the internet to refresh them.",
            ),
            Refusal::ClockAhead { .. } => f.write_str(
                "This device's clock is ahead of ours; the purchase is kept and sent again later.",
            ),
            Refusal::Late => f.write_str(
                "This purchase reached us after the offline window closed, so it was not honoured. Nothing was charged.",
            ),
            Refusal::InvalidQuantity { max } => write!(f, "Choose between 1 and {max} editions."),
            Refusal::CurrencyNotAllowed(c) => {
                write!(f, "Purchases in {} cannot be made offline on this device.", c.code())
            }
            Refusal::OverPerIntent { total, limit } => write!(
                f,
                "This purchase ({total}) is above the offline limit of {limit} per purchase."
            ),
            Refusal::OverOutstanding { outstanding, limit } => write!(
                f,
                "Purchases not yet complete on this device ({outstanding}) plus this one would go over the offline limit of {limit}."
            ),
        }
    }
}

/// The acceptance rule (see the module docs). Returns the intent's total when honoured.
/// Bounds are checked before the offline window, so only an intent that was valid when it was
/// signed can be `Late`.
pub fn accept(
    cert: &DeviceCertificate,
    quote: &Quote,
    quantity: u32,
    device_time: UnixMillis,
    now: UnixMillis,
) -> Result<Money, Refusal> {
    if cert.format != quote.format {
        return Err(Refusal::FormatMismatch);
    }
    let max = cert.max_quantity();
    if quantity == 0 || quantity > max {
        return Err(Refusal::InvalidQuantity { max });
    }
    if device_time < cert.valid_from().minus(CLOCK_SKEW_MS) {
        return Err(Refusal::CertificateNotYetValid);
    }
    if device_time > cert.not_after {
        return Err(Refusal::CertificateExpired);
    }
    if device_time < quote.valid_from().minus(CLOCK_SKEW_MS) {
        return Err(Refusal::QuoteNotYetValid);
    }
    if device_time > quote.valid_until {
        return Err(Refusal::QuoteExpired);
    }
    let ahead_by = device_time.0.saturating_sub(now.plus(CLOCK_SKEW_MS).0);
    if ahead_by > 0 {
        return Err(Refusal::ClockAhead { retry_after_ms: ahead_by });
    }
    let currency = quote.price.currency;
    let limit = cert.limit(currency).ok_or(Refusal::CurrencyNotAllowed(currency))?;
    let total = quote.price.times(quantity).ok_or(Refusal::InvalidQuantity { max })?;
    if total.amount_minor > limit.max_per_intent_minor {
        return Err(Refusal::OverPerIntent {
            total,
            limit: Money { amount_minor: limit.max_per_intent_minor, currency },
        });
    }
    if device_time < now.minus(cert.offline_window()) {
        return Err(Refusal::Late);
    }
    Ok(total)
}

/// Whether `total` fits the outstanding limit next to `outstanding_minor` (this device's
/// purchases in `total`'s currency that are not final yet). The device checks it against
/// its waiting receipts; the server's writer against its held orders, in the transaction
/// that takes the stock.
pub fn within_outstanding(
    limit: &OfflineLimit,
    outstanding_minor: i64,
    total: Money,
) -> Result<(), Refusal> {
    if outstanding_minor.saturating_add(total.amount_minor) > limit.max_outstanding_minor {
        let money = |amount_minor| Money { amount_minor, currency: total.currency };
        return Err(Refusal::OverOutstanding {
            outstanding: money(outstanding_minor),
            limit: money(limit.max_outstanding_minor),
        });
    }
    Ok(())
}

/// The device's question before it signs: the acceptance rule at this moment, in the current
/// format, and the outstanding limit against what the device still has waiting.
pub fn check_purchase(
    certificate: Option<&DeviceCertificate>,
    quote: &Quote,
    quantity: u32,
    outstanding_minor: i64,
    now: UnixMillis,
) -> Result<Money, Refusal> {
    let certificate = certificate.ok_or(Refusal::NotRegistered)?;
    if certificate.format != Format::CURRENT {
        return Err(Refusal::NeedsRenewal);
    }
    if quote.format != Format::CURRENT {
        // A price saved by an older release; a fresh one comes with the next page load.
        return Err(Refusal::QuoteExpired);
    }
    let total = accept(certificate, quote, quantity, now, now)?;
    let limit =
        certificate.limit(total.currency).ok_or(Refusal::CurrencyNotAllowed(total.currency))?;
    within_outstanding(limit, outstanding_minor, total)?;
    Ok(total)
}

#[cfg(test)]
mod tests;
