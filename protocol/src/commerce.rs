//! Intents: a purchase made on the device, possibly offline, signed by the device key.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::grants::{DeviceCertificate, Format, Quote};
use crate::signing::{Canonical, PublicKey, Signed, SigningBytes};
use crate::{ItemId, Money, ParseIdError};

/// Milliseconds since the Unix epoch, UTC.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// `self + ms`, saturating.
    pub fn plus(self, ms: i64) -> UnixMillis {
        UnixMillis(self.0.saturating_add(ms))
    }

    /// `self - ms`, saturating.
    pub fn minus(self, ms: i64) -> UnixMillis {
        UnixMillis(self.0.saturating_sub(ms))
    }
}

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

    /// A new id from the clock and 10 random bytes (74 random bits keep devices apart; the
    /// time orders receipts). The caller supplies the randomness: this crate has no I/O.
    pub fn new_v7(unix_millis: u64, random: [u8; 10]) -> IntentId {
        IntentId(uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid())
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
/// Signing bytes: `"vitrine/intent/v2\0"` (format 1: `"vitrine/intent/v1\0"`), id (16 bytes), item (i64), quantity (u32), quote
/// (nested: bytes + signature), certificate (nested), device_time (i64), payment rail (string),
/// payment token (string), buyer wallet (option), buyer email (option). An intent, its quote
/// and its certificate are all in one format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// Signing format (`v` on the wire).
    #[serde(default, rename = "v")]
    pub format: Format,
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
        self.quote.body.price.times(self.quantity)
    }

    /// The key that must have signed this intent.
    pub fn device_key(&self) -> &PublicKey {
        &self.certificate.body.device_key
    }
}

/// The signing bytes' tail every device-signed order shares (intents and claims): payment
/// rail, payment token, buyer wallet (option), buyer email (option).
pub(crate) fn payment_and_buyer(bytes: Canonical, payment: &Payment, buyer: &Buyer) -> Vec<u8> {
    bytes
        .str(&payment.rail)
        .str(&payment.token)
        .opt_str(buyer.wallet.as_deref())
        .opt_str(buyer.email.as_deref())
        .finish()
}

impl SigningBytes for Intent {
    fn signing_bytes(&self) -> Vec<u8> {
        let tag: &[u8] = match self.format {
            Format::V1 => b"vitrine/intent/v1\0",
            Format::V2 => b"vitrine/intent/v2\0",
        };
        let bytes = Canonical::new(tag)
            .fixed(self.id.as_bytes())
            .i64(self.item.get())
            .u32(self.quantity)
            .fixed(&self.quote.nested_bytes())
            .fixed(&self.certificate.nested_bytes())
            .i64(self.device_time.0);
        payment_and_buyer(bytes, &self.payment, &self.buyer)
    }
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
            format: Format::V2,
            key_id: crate::KeyId(1),
            item: ItemId::try_from(1).unwrap(),
            price: Money { amount_minor: i64::MAX / 2 + 1, currency: crate::Currency::EUR },
            issued_at: UnixMillis(0),
            valid_until: UnixMillis(0),
        };
        let secret = crate::signing::SecretKey::from_bytes([1; 32]);
        let cert = DeviceCertificate {
            format: Format::V2,
            key_id: crate::KeyId(1),
            device_key: secret.public(),
            not_before: UnixMillis(0),
            not_after: UnixMillis(0),
            offline_window_ms: 0,
            max_quantity: 10,
            limits: vec![],
        };
        let intent = Intent {
            format: Format::V2,
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
