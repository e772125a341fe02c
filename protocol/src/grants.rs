//! What the server grants and signs: price quotes and device certificates, and the device's
//! signed request for a certificate.
//!
//! Two signing formats exist. Format 1 (tags `…/v1`) had only upper time bounds; format 2
//! (tags `…/v2`) adds the lower bounds (`issued_at`, `not_before`), the offline window, the
//! quantity bound and the id of the server key that signed. The server signs format 2 only;
//! it still verifies format 1, so intents queued on a device before an upgrade are judged
//! truthfully (`acceptance` derives format 1's missing bounds from the policy it was issued
//! under). On the wire the format is the field `v`; an object without it is format 1.

use serde::{Deserialize, Serialize};

use crate::signing::{Canonical, PublicKey, SigningBytes};
use crate::{Currency, ItemId, Money, UnixMillis};

/// The signing format of a signed object: `1` (no lower time bounds) or `2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Format {
    /// The first format; only verified, never signed any more. The default, because a
    /// format 1 object has no `v` field.
    #[default]
    V1,
    /// The current format.
    V2,
}

impl Format {
    /// What the server and devices sign today.
    pub const CURRENT: Format = Format::V2;
}

impl TryFrom<u8> for Format {
    type Error = String;

    fn try_from(v: u8) -> Result<Self, String> {
        match v {
            1 => Ok(Format::V1),
            2 => Ok(Format::V2),
            other => Err(format!("unknown signing format {other}; expected 1 or 2")),
        }
    }
}

impl From<Format> for u8 {
    fn from(f: Format) -> u8 {
        match f {
            Format::V1 => 1,
            Format::V2 => 2,
        }
    }
}

/// Which of the server's signing keys signed an object (`GET /api/v1/keys` lists them).
/// Format 1 objects carry none: they were all signed by key 1.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct KeyId(pub u32);

impl KeyId {
    /// The key that signed every format 1 object.
    pub const FIRST: KeyId = KeyId(1);
}

/// A price the server promises to honour from `issued_at` until `valid_until`, even if the
/// list price changes.
///
/// Signing bytes, format 2: `"vitrine/quote/v2\0"`, key_id (u32), item (i64), amount (i64),
/// currency (3 ASCII bytes), issued_at (i64), valid_until (i64).
/// Format 1: `"vitrine/quote/v1\0"`, item, amount, currency, valid_until.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Signing format (`v` on the wire).
    #[serde(default, rename = "v")]
    pub format: Format,
    /// The server key that signed (format 2).
    #[serde(default)]
    pub key_id: KeyId,
    /// The item priced.
    pub item: ItemId,
    /// Price of one edition.
    pub price: Money,
    /// First moment the quote may be used (format 2).
    #[serde(default)]
    pub issued_at: UnixMillis,
    /// Last moment the quote may be used.
    pub valid_until: UnixMillis,
}

impl SigningBytes for Quote {
    fn signing_bytes(&self) -> Vec<u8> {
        match self.format {
            Format::V1 => Canonical::new(b"vitrine/quote/v1\0")
                .i64(self.item.get())
                .i64(self.price.amount_minor)
                .fixed(self.price.currency.code().as_bytes())
                .i64(self.valid_until.0)
                .finish(),
            Format::V2 => Canonical::new(b"vitrine/quote/v2\0")
                .u32(self.key_id.0)
                .i64(self.item.get())
                .i64(self.price.amount_minor)
                .fixed(self.price.currency.code().as_bytes())
                .i64(self.issued_at.0)
                .i64(self.valid_until.0)
                .finish(),
        }
    }
}

/// How much a device may spend offline in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineLimit {
    /// Currency of both amounts.
    pub currency: Currency,
    /// Largest total of one intent, in minor units.
    pub max_per_intent_minor: i64,
    /// Largest total of this device's orders that are not final yet (waiting on the device,
    /// or held on the server), in minor units. The server enforces it too.
    pub max_outstanding_minor: i64,
}

/// The server's grant of an offline risk budget to one device key, for a short time.
///
/// Signing bytes, format 2: `"vitrine/device-cert/v2\0"`, key_id (u32), device_key (32),
/// not_before (i64), not_after (i64), offline_window_ms (i64), max_quantity (u32), limit
/// count (u32), then per limit: currency (3 ASCII bytes), max_per_intent (i64),
/// max_outstanding (i64).
/// Format 1: `"vitrine/device-cert/v1\0"`, device_key, not_after, limit count, limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCertificate {
    /// Signing format (`v` on the wire).
    #[serde(default, rename = "v")]
    pub format: Format,
    /// The server key that signed (format 2).
    #[serde(default)]
    pub key_id: KeyId,
    /// The device's public key.
    pub device_key: PublicKey,
    /// When it was issued: intents dated earlier are not honoured (format 2).
    #[serde(default)]
    pub not_before: UnixMillis,
    /// Intents signed after this are not honoured.
    pub not_after: UnixMillis,
    /// How long after its `device_time` an intent may still reach the server and be
    /// honoured (format 2). Later, it becomes a conflict: nothing charged.
    #[serde(default)]
    pub offline_window_ms: i64,
    /// Most editions one intent may buy (format 2).
    #[serde(default)]
    pub max_quantity: u32,
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
        let mut c = match self.format {
            Format::V1 => Canonical::new(b"vitrine/device-cert/v1\0")
                .fixed(&self.device_key.0)
                .i64(self.not_after.0),
            Format::V2 => Canonical::new(b"vitrine/device-cert/v2\0")
                .u32(self.key_id.0)
                .fixed(&self.device_key.0)
                .i64(self.not_before.0)
                .i64(self.not_after.0)
                .i64(self.offline_window_ms)
                .u32(self.max_quantity),
        }
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
/// Signing bytes: `"vitrine/device-registration/v2\0"` (format 1: `…/v1\0`), device_key (32),
/// device_time (i64). The server answers a format 1 registration with a format 1 certificate,
/// so a device still running an older release keeps working until it updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRegistration {
    /// Signing format (`v` on the wire).
    #[serde(default, rename = "v")]
    pub format: Format,
    /// The key to certify.
    pub device_key: PublicKey,
    /// The device's clock when it asked; the server refuses requests outside the clock skew.
    pub device_time: UnixMillis,
}

impl DeviceRegistration {
    /// A registration in the current format.
    pub fn new(device_key: PublicKey, device_time: UnixMillis) -> Self {
        DeviceRegistration { format: Format::CURRENT, device_key, device_time }
    }
}

impl SigningBytes for DeviceRegistration {
    fn signing_bytes(&self) -> Vec<u8> {
        let tag: &[u8] = match self.format {
            Format::V1 => b"vitrine/device-registration/v1\0",
            Format::V2 => b"vitrine/device-registration/v2\0",
        };
        Canonical::new(tag).fixed(&self.device_key.0).i64(self.device_time.0).finish()
    }
}
