//! Timed drops: a merchant's works on sale for a window of the server's clock, at a drop price,
//! with a supply, a per-buyer limit and optionally an allowlist. The rule that decides whether
//! an intent falls in a drop ([`admit`]) is called by the device before it signs and by the
//! server when the intent arrives, like `acceptance`.
//!
//! A drop's quote is an ordinary format 2 [`Quote`] whose `issued_at` is the drop's start and
//! whose `valid_until` is its end, at the drop price: no new signing format, and a device that
//! saved it before going offline can buy during the drop. The server knows a drop's quote by
//! those three values; a list-price quote for a work that is in a drop is not honoured, so
//! nobody skips the drop with a quote saved earlier.

pub mod allowlist;
pub mod schedule;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Money, Quote, UnixMillis};

/// A drop's number.
pub type DropId = i64;

/// What the storefront shows about a work's drop (in gallery and item answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropInfo {
    /// The drop.
    pub id: DropId,
    /// Its name, e.g. "Night Drop".
    pub title: String,
    /// First moment of the sale, on the server's clock.
    pub starts_at: UnixMillis,
    /// Last moment of the sale (inclusive).
    pub ends_at: UnixMillis,
    /// Price of one edition in the drop.
    pub price: Money,
    /// Editions of this work in the drop.
    pub supply: u32,
    /// Editions not yet taken.
    pub remaining: u32,
    /// Most editions one buyer (one device, one email) may take.
    pub per_buyer_limit: u32,
    /// The allowlist's Merkle root (hex), when only listed buyers may buy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlist_root: Option<String>,
}

/// Where a drop is at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not started: how long until it does.
    Upcoming {
        starts_in_ms: i64,
    },
    /// On sale, with editions left.
    Live {
        remaining: u32,
    },
    /// On sale, nothing left.
    SoldOut,
    Ended,
}

impl DropInfo {
    /// The rule's view of the drop.
    pub fn terms(&self) -> Terms {
        Terms {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            price: self.price,
            per_buyer_limit: self.per_buyer_limit,
        }
    }

    /// The drop at `now` (the server's clock, as the device best knows it).
    pub fn phase(&self, now: UnixMillis) -> Phase {
        if now < self.starts_at {
            Phase::Upcoming { starts_in_ms: self.starts_at.0 - now.0 }
        } else if now > self.ends_at {
            Phase::Ended
        } else if self.remaining == 0 {
            Phase::SoldOut
        } else {
            Phase::Live { remaining: self.remaining }
        }
    }
}

/// What a work has left to sell: its stock, or what its drop has left of it if it is in one.
pub fn for_sale(stock: u32, drop: Option<&DropInfo>) -> u32 {
    drop.map_or(stock, |d| stock.min(d.remaining))
}

impl fmt::Display for Phase {
    /// "Starts in 02:14:05", "Live — 37 left", "Sold out", "Ended". Past a day the countdown
    /// says days, so it never wraps.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Phase::Upcoming { starts_in_ms } => {
                // Rounded up: "00:00:00" is shown only at the start itself.
                let secs = (starts_in_ms.max(0) + 999) / 1000;
                let (days, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
                match days {
                    0 => write!(f, "Starts in {h:02}:{m:02}:{s:02}"),
                    1 => write!(f, "Starts in 1 day {h:02}:{m:02}:{s:02}"),
                    n => write!(f, "Starts in {n} days {h:02}:{m:02}:{s:02}"),
                }
            }
            Phase::Live { remaining } => write!(f, "Live — {remaining} left"),
            Phase::SoldOut => f.write_str("Sold out"),
            Phase::Ended => f.write_str("Ended"),
        }
    }
}

/// What the drop rule needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub starts_at: UnixMillis,
    pub ends_at: UnixMillis,
    pub price: Money,
    pub per_buyer_limit: u32,
}

impl Terms {
    /// Whether `quote` is this drop's quote: the drop price over exactly the drop's window.
    pub fn is_quote(&self, quote: &Quote) -> bool {
        quote.price == self.price
            && quote.issued_at == self.starts_at
            && quote.valid_until == self.ends_at
    }
}

/// Why an intent is not honoured by a drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropRefusal {
    /// Signed before the drop started.
    NotStarted,
    /// Signed in the drop but arrived before the server's clock reached the start (the
    /// device's clock is a little fast): send again after `retry_after_ms`.
    StartsSoon { retry_after_ms: i64 },
    /// Signed after the drop ended.
    Ended,
    /// A price saved before the work went into this drop (or before its schedule changed).
    NotDropQuote,
    /// The buyer already has the most this drop allows.
    LimitReached { limit: u32, bought: u32 },
    /// The drop is for listed buyers, and this one's proof does not show they are listed.
    NotAllowlisted,
}

impl DropRefusal {
    /// The API code; only `StartsSoon` is transient (`clock_ahead`).
    pub fn code(&self) -> ErrorCode {
        match self {
            DropRefusal::NotStarted => ErrorCode::NotStarted,
            DropRefusal::StartsSoon { .. } => ErrorCode::ClockAhead,
            DropRefusal::Ended => ErrorCode::Ended,
            DropRefusal::NotDropQuote => ErrorCode::QuoteExpired,
            DropRefusal::LimitReached { .. } => ErrorCode::LimitReached,
            DropRefusal::NotAllowlisted => ErrorCode::NotAllowlisted,
        }
    }
}

impl fmt::Display for DropRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropRefusal::NotStarted => {
                f.write_str("This drop had not started when the purchase was made. Nothing was charged.")
            }
            DropRefusal::StartsSoon { .. } => {
                f.write_str("This drop starts in a moment; the purchase is kept and sent again at the start.")
            }
            DropRefusal::Ended => {
                f.write_str("This drop had ended when the purchase was made. Nothing was charged.")
            }
            DropRefusal::NotDropQuote => f.write_str(
                "This work is sold in a timed drop. Connect to the internet to get the drop's price.",
            ),
            DropRefusal::LimitReached { limit, .. } => write!(
                f,
                "This drop allows {limit} edition{} per buyer, and you have reached it. Nothing was charged.",
                if *limit == 1 { "" } else { "s" }
            ),
            DropRefusal::NotAllowlisted => f.write_str(
                "This drop is for collectors on its list, and this purchase's email or wallet is not on it. Nothing was charged.",
            ),
        }
    }
}

/// The drop's time rule for an intent signed at `device_time` arriving at `now` with
/// `quote`. Bounds are inclusive and have no clock skew: "before the start" means before it
/// on the server's clock, which the device corrects its own to. A drop quote signed during the
/// drop is honoured after the end too (offline buyers send late); supply and the per-buyer
/// limit are the writer's to check.
pub fn admit(
    terms: &Terms,
    quote: &Quote,
    device_time: UnixMillis,
    now: UnixMillis,
) -> Result<(), DropRefusal> {
    if device_time < terms.starts_at {
        return Err(DropRefusal::NotStarted);
    }
    if device_time > terms.ends_at {
        return Err(DropRefusal::Ended);
    }
    if !terms.is_quote(quote) {
        return Err(DropRefusal::NotDropQuote);
    }
    if now < terms.starts_at {
        return Err(DropRefusal::StartsSoon { retry_after_ms: terms.starts_at.0 - now.0 });
    }
    Ok(())
}

/// The per-buyer limit: `bought` is the most either this device or this email already holds
/// or owns in the drop.
pub fn within_limit(terms: &Terms, bought: u32, quantity: u32) -> Result<(), DropRefusal> {
    if bought.saturating_add(quantity) > terms.per_buyer_limit {
        return Err(DropRefusal::LimitReached { limit: terms.per_buyer_limit, bought });
    }
    Ok(())
}

/// Of a work's drops, the one a buyer meets at `now`: the live one, else the next to start,
/// else the last to end. `window` gives each one's start and end.
pub fn nearest<T>(
    drops: &[T],
    now: UnixMillis,
    window: impl Fn(&T) -> (UnixMillis, UnixMillis),
) -> Option<&T> {
    let live = drops.iter().find(|d| {
        let (start, end) = window(d);
        start <= now && now <= end
    });
    let next = || drops.iter().filter(|d| window(d).0 > now).min_by_key(|d| window(d).0);
    let last = || drops.iter().max_by_key(|d| window(d).1);
    live.or_else(next).or_else(last)
}

/// The device's check before it signs for a work in `drop`, at `now` (its clock corrected to
/// the server's): the time rule and the drop's quote. What is left is the server's to judge:
/// the count the device saw may be stale.
pub fn check_before_signing(drop: &DropInfo, quote: &Quote, now: UnixMillis) -> Result<(), String> {
    admit(&drop.terms(), quote, now, now).map_err(|refusal| match refusal {
        DropRefusal::NotStarted | DropRefusal::StartsSoon { .. } => {
            "This drop has not started yet: Buy opens at the start.".to_owned()
        }
        DropRefusal::Ended => "This drop has ended.".to_owned(),
        DropRefusal::NotDropQuote => "Reload this page to get the drop's price.".to_owned(),
        other => other.to_string(),
    })
}

/// How far a page's correction may move the device's clock: a day. Past that the device's
/// clock is simply wrong, and the certificate's windows say so.
pub const MAX_CLOCK_OFFSET_MS: i64 = 24 * 3_600_000;

/// The device's clock corrected to the server's by `offset_ms` (bounded).
pub fn corrected(device_now: UnixMillis, offset_ms: i64) -> UnixMillis {
    device_now.plus(offset_ms.clamp(-MAX_CLOCK_OFFSET_MS, MAX_CLOCK_OFFSET_MS))
}

/// One clock sample: a request sent at `sent` and answered at `received` (device clock) said
/// the server's time was `server`. The server read its clock somewhere in between; taking the
/// midpoint, the error is at most half the round trip. `(offset, round trip)`, in ms: keep the
/// sample with the shortest round trip.
pub fn clock_sample(sent: UnixMillis, server: UnixMillis, received: UnixMillis) -> (i64, i64) {
    let round_trip = (received.0 - sent.0).max(0);
    (server.0 - (sent.0 + round_trip / 2), round_trip)
}

#[cfg(test)]
mod tests;
