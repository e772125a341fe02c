//! A claim: one voucher presented by a device (a collector's phone that scanned it, or a
//! merchant's kiosk), possibly offline, signed by the device key like an intent, and sent to
//! `POST /api/v1/claims` with the same outbox, idempotency and replay as a purchase.

use serde::{Deserialize, Serialize};

use super::SignedVoucher;
use crate::grants::DeviceCertificate;
use crate::signing::{Canonical, PublicKey, Signed, SigningBytes};
use crate::{Buyer, IntentId, Payment, UnixMillis};

/// The rail of a free claim: nothing is charged (the server settles it on its own `free`
/// rail, which takes only zero). A priced batch is paid on a real rail, like a purchase.
pub const FREE_RAIL: &str = "free";

/// Signing bytes: `"vitrine/claim/v1\0"`, id (16 bytes), voucher (84 bytes), certificate
/// (nested: bytes + signature), device_time (i64), payment rail (string), payment token
/// (string), buyer wallet (option), buyer email (option).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// `voucher.attempt_id(device key, attempt)`: the idempotency key, and the order's id.
    /// Signed, so `attempt` needs no signature of its own: another attempt makes another id.
    pub id: IntentId,
    /// 0 for the device's first claim of this voucher; one more for each try after a declined
    /// or expired one (`MAX_CLAIM_ATTEMPTS` at most).
    #[serde(default)]
    pub attempt: u8,
    /// The voucher, as its code.
    pub voucher: SignedVoucher,
    /// The server-signed grant for the device key that signs this claim (format 2).
    pub certificate: Signed<DeviceCertificate>,
    /// The device's clock when the voucher was scanned.
    pub device_time: UnixMillis,
    /// `free` for a free batch; otherwise how the collector pays.
    pub payment: Payment,
    #[serde(default)]
    pub buyer: Buyer,
}

impl Claim {
    pub fn device_key(&self) -> &PublicKey {
        &self.certificate.body.device_key
    }
}

impl SigningBytes for Claim {
    fn signing_bytes(&self) -> Vec<u8> {
        let bytes = Canonical::new(b"vitrine/claim/v1\0")
            .fixed(self.id.as_bytes())
            .fixed(&self.voucher.to_bytes())
            .fixed(&self.certificate.nested_bytes())
            .i64(self.device_time.0);
        crate::commerce::payment_and_buyer(bytes, &self.payment, &self.buyer)
    }
}

impl Serialize for SignedVoucher {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for SignedVoucher {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        SignedVoucher::parse(&code).map_err(|p| serde::de::Error::custom(p.message()))
    }
}
