//! Quotes, device certificates, intents and orders: what an offline purchase is made of.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::signing::{Canonical, PublicKey, Signed, SigningBytes};
use crate::{Currency, ItemId, Money, ParseIdError};

/// Milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

/// An intent's id: a UUID v7 made on the device before anything is sent, reused on every retry.
/// It is the idempotency key, and the order's id once accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IntentId(Uuid);

impl IntentId {
    /// Wrap a UUID, which must be version 7.
    pub fn from_uuid(uuid: Uuid) -> Result<Self, ParseIdError> {
        if uuid.get_version_num() == 7 {
            Ok(IntentId(uuid))
        } else {
            Err(ParseIdError { expected: "an intent id, a UUID version 7" })
        }
    }

    /// The 16 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl FromStr for IntentId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, ParseIdError> {
        // Only the hyphenated lowercase form: one id, one spelling, one idempotency key.
        let uuid = Uuid::try_parse(s)
            .ok()
            .filter(|u| u.hyphenated().to_string() == s)
            .ok_or(ParseIdError { expected: "an intent id, a lowercase hyphenated UUID v7" })?;
        IntentId::from_uuid(uuid)
    }
}

impl TryFrom<String> for IntentId {
    type Error = ParseIdError;

    fn try_from(s: String) -> Result<Self, ParseIdError> {
        s.parse()
    }
}

impl From<IntentId> for String {
    fn from(id: IntentId) -> String {
        id.to_string()
    }
}

impl fmt::Display for IntentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

/// A price the server promises to honour until `valid_until`, even if the list price changes.
/// Signing bytes: `"vitrine/quote/v1\0"`, item (i64), amount (i64), currency (3 ASCII bytes),
/// valid_until (i64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The item priced.
    pub item: ItemId,
    /// Price of one edition.
    pub price: Money,
    /// Last moment the quote may be used.
    pub valid_until: UnixMillis,
}

impl SigningBytes for Quote {
    fn signing_bytes(&self) -> Vec<u8> {
        Canonical::new(b"vitrine/quote/v1\0")
            .i64(self.item.get())
            .i64(self.price.amount_minor)
            .fixed(self.price.currency.code().as_bytes())
            .i64(self.valid_until.0)
            .finish()
    }
}

/// How much a device may spend offline in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineLimit {
    /// Currency of both amounts.
    pub currency: Currency,
    /// Largest total of one intent, in minor units.
    pub max_per_intent_minor: i64,
    /// Largest total of all intents not yet accepted by the server, in minor units.
    pub max_outstanding_minor: i64,
}

/// The server's grant of an offline risk budget to one device key, for a short time.
/// Signing bytes: `"vitrine/device-cert/v1\0"`, device_key (32), not_after (i64), limit count
/// (u32), then per limit: currency (3 ASCII bytes), max_per_intent (i64), max_outstanding (i64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCertificate {
    /// The device's public key.
    pub device_key: PublicKey,
    /// Intents signed after this are not honoured.
    pub not_after: UnixMillis,
    /// One entry per currency the device may buy in offline; others are refused.
    pub limits: Vec<OfflineLimit>,
}

impl DeviceCertificate {
    /// The limit for `currency`, if the device may spend it offline.
    pub fn limit(&self, currency: Currency) -> Option<&OfflineLimit> {
        self.limits.iter().find(|l| l.currency == currency)
    }
}

impl SigningBytes for DeviceCertificate {
    fn signing_bytes(&self) -> Vec<u8> {
        let count = u32::try_from(self.limits.len()).unwrap_or(u32::MAX);
        let mut c = Canonical::new(b"vitrine/device-cert/v1\0")
            .fixed(&self.device_key.0)
            .i64(self.not_after.0)
            .u32(count);
        for l in &self.limits {
            c = c
                .fixed(l.currency.code().as_bytes())
                .i64(l.max_per_intent_minor)
                .i64(l.max_outstanding_minor);
        }
        c.finish()
    }
}

/// A device asking for a certificate, signed by the key itself (proof of possession).
/// Signing bytes: `"vitrine/device-registration/v1\0"`, device_key (32), device_time (i64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRegistration {
    /// The key to certify.
    pub device_key: PublicKey,
    /// The device's clock when it asked; the server refuses stale requests.
    pub device_time: UnixMillis,
}

impl SigningBytes for DeviceRegistration {
    fn signing_bytes(&self) -> Vec<u8> {
        Canonical::new(b"vitrine/device-registration/v1\0")
            .fixed(&self.device_key.0)
            .i64(self.device_time.0)
            .finish()
    }
}

/// How the buyer pays: a settlement rail and the instrument it understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Rail name, e.g. `sandbox-card`.
    pub rail: String,
    /// Rail-specific token (for `sandbox-card`, a test card number).
    pub token: String,
}

/// Who is buying; both optional, so a purchase needs no account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    /// Where to deliver the token, if on chain.
    pub wallet: Option<String>,
    /// Where to send the receipt.
    pub email: Option<String>,
}

/// A purchase made on the device, possibly offline, signed by the device key.
/// Signing bytes: `"vitrine/intent/v1\0"`, id (16 bytes), item (i64), quantity (u32), quote
/// (nested: bytes + signature), certificate (nested), device_time (i64), payment rail (string),
/// payment token (string), buyer wallet (option), buyer email (option).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// Made on the device; the idempotency key.
    pub id: IntentId,
    /// What is bought.
    pub item: ItemId,
    /// How many editions.
    pub quantity: u32,
    /// The server-signed price relied on.
    pub quote: Signed<Quote>,
    /// The server-signed grant for the device key that signs this intent.
    pub certificate: Signed<DeviceCertificate>,
    /// The device's clock when the buyer tapped "Buy".
    pub device_time: UnixMillis,
    /// How the buyer pays.
    pub payment: Payment,
    /// Optional contact details.
    #[serde(default)]
    pub buyer: Buyer,
}

impl Intent {
    /// Total price: quantity × quoted price, or `None` on overflow.
    pub fn total(&self) -> Option<Money> {
        let price = self.quote.body.price;
        let amount = price.amount_minor.checked_mul(i64::from(self.quantity))?;
        Some(Money { amount_minor: amount, currency: price.currency })
    }

    /// The key that must have signed this intent.
    pub fn device_key(&self) -> &PublicKey {
        &self.certificate.body.device_key
    }
}

impl SigningBytes for Intent {
    fn signing_bytes(&self) -> Vec<u8> {
        Canonical::new(b"vitrine/intent/v1\0")
            .fixed(self.id.as_bytes())
            .i64(self.item.get())
            .u32(self.quantity)
            .fixed(&self.quote.nested_bytes())
            .fixed(&self.certificate.nested_bytes())
            .i64(self.device_time.0)
            .str(&self.payment.rail)
            .str(&self.payment.token)
            .opt_str(self.buyer.wallet.as_deref())
            .opt_str(self.buyer.email.as_deref())
            .finish()
    }
}

/// Where an order stands. Only `Held` can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Accepted; stock is held in escrow while payment settles.
    Held,
    /// Paid; the editions are the buyer's.
    Paid,
    /// The payment was declined; stock released, nothing charged.
    Declined,
    /// Payment did not settle before the hold ran out; stock released, nothing charged.
    Expired,
    /// Accepted, but the stock was gone when the intent arrived: nothing charged, the buyer
    /// chooses what happens next.
    Conflict,
}

impl OrderState {
    /// Whether the order can no longer change by itself.
    pub fn is_final(self) -> bool {
        !matches!(self, OrderState::Held)
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Held => "held",
            OrderState::Paid => "paid",
            OrderState::Declined => "declined",
            OrderState::Expired => "expired",
            OrderState::Conflict => "conflict",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Held, Self::Paid, Self::Declined, Self::Expired, Self::Conflict]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// What the buyer can do about a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SuggestedAction {
    /// Nothing was charged; nothing to do.
    NothingCharged,
    /// Buy a similar item that is in stock.
    SimilarItem {
        /// The suggestion.
        item: ItemId,
        /// Its title.
        title: String,
    },
    /// Be told when an edition frees up.
    JoinWaitlist,
}

/// The server's record of one intent, as the device sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The intent's id.
    pub id: IntentId,
    /// Where it stands.
    pub state: OrderState,
    /// What was bought.
    pub item: ItemId,
    /// How many editions.
    pub quantity: u32,
    /// Total at the quoted price.
    pub total: Money,
    /// When the escrow hold ends, while `Held`.
    pub hold_expires_at: Option<UnixMillis>,
    /// Why it ended as it did, in words, for declines, expiries and conflicts.
    pub reason: Option<String>,
    /// What the buyer may do next (conflicts).
    pub suggested_actions: Vec<SuggestedAction>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_ids_are_lowercase_hyphenated_v7() {
        let v7 = "01890a5d-ac96-774b-bcce-b302099a8057";
        assert_eq!(v7.parse::<IntentId>().map(|id| id.to_string()).ok(), Some(v7.to_owned()));
        for bad in [
            "01890A5D-AC96-774B-BCCE-B302099A8057", // one key, one spelling
            "01890a5dac96774bbcceb302099a8057",     // unhyphenated
            "6ba7b810-9dad-41d1-80b4-00c04fd430c8", // v4: not made as an intent id
            "{01890a5d-ac96-774b-bcce-b302099a8057}",
            "",
        ] {
            assert!(bad.parse::<IntentId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn totals_refuse_to_overflow() {
        let quote = Quote {
            item: ItemId::try_from(1).unwrap(),
            price: Money { amount_minor: i64::MAX / 2 + 1, currency: Currency::EUR },
            valid_until: UnixMillis(0),
        };
        let secret = crate::signing::SecretKey::from_bytes([1; 32]);
        let cert = DeviceCertificate {
            device_key: secret.public(),
            not_after: UnixMillis(0),
            limits: vec![],
        };
        let intent = Intent {
            id: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
            item: quote.item,
            quantity: 2,
            quote: Signed::sign(quote, &secret),
            certificate: Signed::sign(cert, &secret),
            device_time: UnixMillis(0),
            payment: Payment { rail: "sandbox-card".into(), token: String::new() },
            buyer: Buyer::default(),
        };
        assert_eq!(intent.total(), None);
    }
}
