//! What a page and the service worker say to each other, and the device's own records.
//!
//! The worker owns the device key, the outbox and the receipts (IndexedDB); pages ask it by
//! `postMessage` with these JSON messages. Keeping checkout in the worker keeps ed25519 and
//! IndexedDB code out of the page's first load, and makes the worker the only sender of intents.

use serde::{Deserialize, Serialize};

use crate::signing::{Signature, Signed};
use crate::{
    Buyer, DeviceCertificate, IntentId, ItemId, OfflineLimit, Order, OrderState, Payment, Quote,
    SuggestedAction, UnixMillis,
};
use crate::{Currency, Money};

// Messages are externally tagged: internally tagged enums buffer through serde's `Content`,
// which costs the page's first load kilobytes of wasm.

/// A page's request to the worker; each gets exactly one [`WorkerReply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageRequest {
    /// May this device buy `quantity` at `quote` now? Answered `Allowed` or `Refused`.
    Check {
        /// The server-signed price.
        quote: Signed<Quote>,
        /// How many editions.
        quantity: u32,
    },
    /// Make, sign and store an intent; the worker sends it when it can.
    Buy(Purchase),
    /// Every receipt on this device, newest first.
    Receipts,
    /// Try to send the outbox now. `force` ignores backoff (the network just came back).
    Replay {
        /// Skip the waiting time of intents that failed on the network.
        force: bool,
    },
    /// Sent to a *waiting* worker when the buyer accepts an update: take over now.
    Activate,
    /// How the image cache has done so far (answered `ImageStats`).
    ImageStats,
    /// The collector's limit on the space images may take on this device (the worker uses the
    /// smaller of it and its share of the storage quota). Answered `ImageStats`.
    ImageBudget {
        /// Bytes; 0 removes the collector's limit.
        max_bytes: u64,
    },
}

/// The image cache's counters since this device first installed Vitrine, plus its size now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageCacheStats {
    /// Answered from the cache.
    pub hits: u64,
    /// Not in the cache (fetched, or answered by a fallback when offline).
    pub misses: u64,
    /// Offline misses answered by another cached size of the same image.
    pub fallbacks: u64,
    /// Offline misses answered by the "available when online" placeholder.
    pub placeholders: u64,
    /// Entries removed to stay within the bounds.
    pub evictions: u64,
    /// Entries in the cache now.
    pub entries: u64,
    /// Bytes of image bodies in the cache now.
    pub bytes: u64,
    /// The byte bound in force (a share of the storage quota, capped).
    pub byte_budget: u64,
}

/// What the buyer asked for, as the item page knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// The item bought.
    pub item: ItemId,
    /// Its title, kept on the receipt so it reads well offline.
    pub title: String,
    /// How many editions.
    pub quantity: u32,
    /// The server-signed price relied on.
    pub quote: Signed<Quote>,
    /// How the buyer pays.
    pub payment: Payment,
    /// Optional contact details.
    pub buyer: Buyer,
}

/// The worker's answer to one [`PageRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerReply {
    /// The purchase checked is within the device's offline budget.
    Allowed {
        /// What it would cost.
        total: Money,
    },
    /// The receipt of an intent just stored.
    Bought(Receipt),
    /// A purchase the device refuses to make, with the reason in plain words.
    Refused {
        /// Why, for the buyer.
        reason: String,
    },
    /// Answer to `Receipts`.
    Receipts {
        /// Newest first.
        receipts: Vec<Receipt>,
    },
    /// Answer to `ImageStats`.
    ImageStats(ImageCacheStats),
    /// The request was carried out.
    Done,
    /// The worker failed (storage unavailable…); nothing was stored.
    Failed {
        /// What went wrong.
        message: String,
    },
}

/// Sent by the worker to every open page when a receipt changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerNotice {
    /// Re-read the receipts.
    ReceiptChanged {
        /// Which one.
        id: IntentId,
    },
}

/// Where a purchase stands, as the buyer sees it on the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Stored on the device, not yet accepted by the server.
    Waiting,
    /// Accepted; stock held while payment settles.
    Held,
    /// Paid.
    Paid,
    /// The stock was gone when the intent arrived; nothing charged.
    Conflict,
    /// The payment was declined; nothing charged.
    Declined,
    /// The hold ran out before payment settled; nothing charged.
    Expired,
    /// The server refused the intent for good; nothing charged.
    Rejected,
}

impl ReceiptStatus {
    /// The words shown on the receipt.
    pub fn label(self) -> &'static str {
        match self {
            ReceiptStatus::Waiting => "Waiting to send",
            ReceiptStatus::Held => "Accepted — stock held",
            ReceiptStatus::Paid => "Paid",
            ReceiptStatus::Conflict => "Needs your attention",
            ReceiptStatus::Declined => "Payment declined — nothing charged",
            ReceiptStatus::Expired => "Hold expired — nothing charged",
            ReceiptStatus::Rejected => "Rejected",
        }
    }

    /// Whether the worker still has something to do for this receipt.
    pub fn is_final(self) -> bool {
        !matches!(self, ReceiptStatus::Waiting | ReceiptStatus::Held)
    }
}

impl From<OrderState> for ReceiptStatus {
    fn from(state: OrderState) -> Self {
        match state {
            OrderState::Held => ReceiptStatus::Held,
            OrderState::Paid => ReceiptStatus::Paid,
            OrderState::Declined => ReceiptStatus::Declined,
            OrderState::Expired => ReceiptStatus::Expired,
            OrderState::Conflict => ReceiptStatus::Conflict,
        }
    }
}

/// The device's own record of a purchase, made before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The intent's id.
    pub id: IntentId,
    /// What was bought.
    pub item: ItemId,
    /// Its title when bought.
    pub title: String,
    /// How many editions.
    pub quantity: u32,
    /// Total at the quoted price.
    pub total: Money,
    /// The device clock when the buyer tapped "Buy".
    pub created_at: UnixMillis,
    /// Where it stands.
    pub status: ReceiptStatus,
    /// Why, for rejections, declines, expiries and conflicts.
    pub reason: Option<String>,
    /// What the buyer may do next (conflicts).
    #[serde(default)]
    pub suggested_actions: Vec<SuggestedAction>,
    /// The device key's signature over the intent: the buyer's proof of what was asked.
    pub signature: Signature,
    /// When the worker last heard from the server about it.
    pub updated_at: Option<UnixMillis>,
}

impl Receipt {
    /// Take the server's view of the order.
    pub fn apply(&mut self, order: &Order, now: UnixMillis) {
        self.status = order.state.into();
        self.reason = order.reason.clone();
        self.suggested_actions = order.suggested_actions.clone();
        self.updated_at = Some(now);
    }

    /// The status in words, with the reason when there is one.
    pub fn status_text(&self) -> String {
        match (&self.status, &self.reason) {
            (ReceiptStatus::Rejected, Some(reason)) => format!("Rejected: {reason}"),
            (status, _) => status.label().to_owned(),
        }
    }
}

/// Why the device will not make an offline intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No certificate yet.
    NotRegistered,
    /// The certificate's `not_after` has passed.
    CertificateExpired,
    /// The quote's `valid_until` has passed.
    QuoteExpired,
    /// Zero, or more than one intent may buy.
    InvalidQuantity,
    /// The certificate grants nothing in this currency.
    CurrencyNotAllowed(Currency),
    /// Above the per-intent limit.
    OverPerIntent {
        /// This purchase.
        total: Money,
        /// The limit.
        limit: Money,
    },
    /// Outstanding plus this purchase is above the outstanding limit.
    OverOutstanding {
        /// Waiting to be sent already.
        outstanding: Money,
        /// The limit.
        limit: Money,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotRegistered => f.write_str(
                "This device is not set up for offline purchases yet. Connect to the internet once, then try again.",
            ),
            Refusal::CertificateExpired => f.write_str(
                "This device's permission to buy offline has expired. Connect to the internet to renew it.",
            ),
            Refusal::QuoteExpired => f.write_str(
                "The saved price for this item has expired. Connect to the internet to get a current price.",
            ),
            Refusal::InvalidQuantity => write!(f, "Choose between 1 and {MAX_QUANTITY} editions."),
            Refusal::CurrencyNotAllowed(c) => {
                write!(f, "Purchases in {} cannot be made offline on this device.", c.code())
            }
            Refusal::OverPerIntent { total, limit } => write!(
                f,
                "This purchase ({total}) is above the offline limit of {limit} per purchase."
            ),
            Refusal::OverOutstanding { outstanding, limit } => write!(
                f,
                "Purchases waiting to be sent ({outstanding}) plus this one would go over the offline limit of {limit}. Connect to the internet so they can be sent."
            ),
        }
    }
}

/// Most editions one intent may buy; the server enforces the same bound.
pub const MAX_QUANTITY: u32 = 10;

/// Whether the device may make this intent now, and its total if so. The worker answers the
/// page's `Check` with it (to explain the Buy button) and checks again before signing.
pub fn check_purchase(
    certificate: Option<&DeviceCertificate>,
    quote: &Quote,
    quantity: u32,
    outstanding_minor: i64,
    now: UnixMillis,
) -> Result<Money, Refusal> {
    let certificate = certificate.ok_or(Refusal::NotRegistered)?;
    if certificate.not_after <= now {
        return Err(Refusal::CertificateExpired);
    }
    if quote.valid_until <= now {
        return Err(Refusal::QuoteExpired);
    }
    if quantity == 0 || quantity > MAX_QUANTITY {
        return Err(Refusal::InvalidQuantity);
    }
    let currency = quote.price.currency;
    let limit: &OfflineLimit =
        certificate.limit(currency).ok_or(Refusal::CurrencyNotAllowed(currency))?;
    let money = |amount_minor| Money { amount_minor, currency };
    let total = quote
        .price
        .amount_minor
        .checked_mul(i64::from(quantity))
        .ok_or(Refusal::InvalidQuantity)?;
    if total > limit.max_per_intent_minor {
        return Err(Refusal::OverPerIntent {
            total: money(total),
            limit: money(limit.max_per_intent_minor),
        });
    }
    if outstanding_minor.saturating_add(total) > limit.max_outstanding_minor {
        return Err(Refusal::OverOutstanding {
            outstanding: money(outstanding_minor),
            limit: money(limit.max_outstanding_minor),
        });
    }
    Ok(money(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::SecretKey;

    fn cert(not_after: i64) -> DeviceCertificate {
        DeviceCertificate {
            device_key: SecretKey::from_bytes([7; 32]).public(),
            not_after: UnixMillis(not_after),
            limits: vec![OfflineLimit {
                currency: Currency::EUR,
                max_per_intent_minor: 20_000,
                max_outstanding_minor: 50_000,
            }],
        }
    }

    fn quote(amount_minor: i64, currency: Currency, valid_until: i64) -> Quote {
        Quote {
            item: ItemId::try_from(101).unwrap(),
            price: Money { amount_minor, currency },
            valid_until: UnixMillis(valid_until),
        }
    }

    #[test]
    fn a_purchase_within_every_limit_is_allowed() {
        let q = quote(4_500, Currency::EUR, 2_000);
        let total = check_purchase(Some(&cert(2_000)), &q, 4, 30_000, UnixMillis(1_000));
        assert_eq!(total, Ok(Money { amount_minor: 18_000, currency: Currency::EUR }));
    }

    #[test]
    fn each_limit_refuses_with_its_own_reason() {
        let now = UnixMillis(1_000);
        let c = cert(2_000);
        let eur = quote(4_500, Currency::EUR, 2_000);
        let check = |c: Option<&DeviceCertificate>, q: &Quote, n, out| {
            check_purchase(c, q, n, out, now).map_err(|r| std::mem::discriminant(&r))
        };
        let d = std::mem::discriminant::<Refusal>;
        assert_eq!(check(None, &eur, 1, 0), Err(d(&Refusal::NotRegistered)));
        assert_eq!(check(Some(&cert(1_000)), &eur, 1, 0), Err(d(&Refusal::CertificateExpired)));
        let stale = quote(4_500, Currency::EUR, 1_000);
        assert_eq!(check(Some(&c), &stale, 1, 0), Err(d(&Refusal::QuoteExpired)));
        assert_eq!(check(Some(&c), &eur, 0, 0), Err(d(&Refusal::InvalidQuantity)));
        assert_eq!(check(Some(&c), &eur, 11, 0), Err(d(&Refusal::InvalidQuantity)));
        let yen = quote(100, Currency::JPY, 2_000);
        assert_eq!(
            check(Some(&c), &yen, 1, 0),
            Err(d(&Refusal::CurrencyNotAllowed(Currency::JPY)))
        );
        let over = Refusal::OverPerIntent { total: eur.price, limit: eur.price };
        assert_eq!(check(Some(&c), &eur, 5, 0), Err(d(&over)));
        let outstanding = Refusal::OverOutstanding { outstanding: eur.price, limit: eur.price };
        assert_eq!(check(Some(&c), &eur, 1, 45_501), Err(d(&outstanding)));
        assert!(check(Some(&c), &eur, 1, 45_500).is_ok());
    }

    #[test]
    fn refusals_name_the_amounts() {
        let m = |amount_minor| Money { amount_minor, currency: Currency::EUR };
        let text = Refusal::OverPerIntent { total: m(22_500), limit: m(20_000) }.to_string();
        assert_eq!(
            text,
            "This purchase (225.00 EUR) is above the offline limit of 200.00 EUR per purchase."
        );
    }

    #[test]
    fn messages_round_trip_as_tagged_json() {
        let json = serde_json::to_string(&PageRequest::Replay { force: true }).unwrap();
        assert_eq!(json, r#"{"replay":{"force":true}}"#);
        let back: PageRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, PageRequest::Replay { force: true });
        let notice: WorkerNotice = serde_json::from_str(
            r#"{"receipt_changed":{"id":"01890a5d-ac96-774b-bcce-b302099a8057"}}"#,
        )
        .unwrap();
        assert!(matches!(notice, WorkerNotice::ReceiptChanged { .. }));
    }
}
