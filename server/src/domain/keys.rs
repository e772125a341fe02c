//! The server's signing keys: the newest signs price quotes and device certificates; every key
//! verifies what it signed until all of that has expired (`vitrine keys rotate` adds a key).

use std::sync::Arc;
use std::time::Duration;

use vitrine_protocol::acceptance::{CLOCK_SKEW_MS, DEFAULT_OFFLINE_WINDOW_MS, MAX_QUANTITY};
use vitrine_protocol::claims::{SignedVoucher, Voucher};
use vitrine_protocol::drops::DropInfo;
use vitrine_protocol::signing::{PublicKey, SecretKey, Signed, SigningBytes};
use vitrine_protocol::{
    Currency, DeviceCertificate, Format, ItemId, KeyId, Money, OfflineLimit, Order, PublishedKey,
    PublishedKeys, Quote, UnixMillis,
};

use crate::domain::verified::VerifiedGrants;

/// How long grants last and how much they allow.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Lifetime of a device certificate.
    pub certificate_ttl: Duration,
    /// Lifetime of a price quote.
    pub quote_ttl: Duration,
    /// How long accepted stock stays held while payment settles.
    pub escrow_ttl: Duration,
    /// How late an intent may arrive after it was made and still be honoured.
    pub offline_window: Duration,
    /// Offline budget per currency.
    pub limits: Vec<OfflineLimit>,
    /// Most editions one intent may buy.
    pub max_quantity: u32,
}

impl Default for Policy {
    /// Small budgets, like Square's offline defaults: a lost device costs little.
    fn default() -> Self {
        let limit = |currency, per, total| OfflineLimit {
            currency,
            max_per_intent_minor: per,
            max_outstanding_minor: total,
        };
        Policy {
            certificate_ttl: Duration::from_secs(24 * 3600),
            quote_ttl: Duration::from_secs(48 * 3600),
            escrow_ttl: Duration::from_secs(15 * 60),
            offline_window: Duration::from_millis(DEFAULT_OFFLINE_WINDOW_MS.unsigned_abs()),
            // Minor units: 200.00 per intent, 500.00 outstanding (30,000 / 75,000 yen).
            limits: vec![
                limit(Currency::EUR, 20_000, 50_000),
                limit(Currency::USD, 20_000, 50_000),
                limit(Currency::JPY, 30_000, 75_000),
            ],
            max_quantity: MAX_QUANTITY,
        }
    }
}

pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// One key of the ring, as storage keeps it.
#[derive(Clone)]
pub struct RingKey {
    pub id: KeyId,
    pub secret: SecretKey,
    pub created_at: UnixMillis,
    /// When a newer key took over signing.
    pub retired_at: Option<UnixMillis>,
}

/// The key ring and the policy it signs under.
#[derive(Clone)]
pub struct Keys {
    /// Oldest first; the last is the signing key.
    ring: Vec<RingKey>,
    pub policy: Policy,
    /// Grants of this ring whose signatures already verified.
    verified: Arc<VerifiedGrants>,
}

const HOUR_MS: i64 = 3_600_000;

/// Why the ring cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the key ring is empty")]
pub struct EmptyRing;

impl Keys {
    pub fn new(mut ring: Vec<RingKey>, policy: Policy) -> Result<Self, EmptyRing> {
        ring.sort_by_key(|k| k.id);
        if ring.is_empty() {
            return Err(EmptyRing);
        }
        Ok(Keys { ring, policy, verified: Arc::default() })
    }

    fn signer(&self) -> &RingKey {
        // `new` refuses an empty ring.
        &self.ring[self.ring.len() - 1]
    }

    /// The signing key's public half.
    pub fn public(&self) -> PublicKey {
        self.signer().secret.public()
    }

    /// How long after retirement a key must keep verifying: the longest a grant it signed can
    /// stay valid, plus the offline window an intent relying on it may take to arrive.
    fn verify_grace_ms(&self) -> i64 {
        let longest = millis(self.policy.quote_ttl.max(self.policy.certificate_ttl));
        longest
            .saturating_add(HOUR_MS)
            .saturating_add(millis(self.policy.offline_window))
            .saturating_add(CLOCK_SKEW_MS)
    }

    fn verifies_until(&self, key: &RingKey) -> Option<UnixMillis> {
        key.retired_at.map(|at| at.plus(self.verify_grace_ms()))
    }

    /// The key that verifies an object of `format` naming `id`, if it still verifies at `now`.
    pub fn verifier(&self, format: Format, id: KeyId, now: UnixMillis) -> Option<PublicKey> {
        let id = match format {
            Format::V1 => KeyId::FIRST,
            Format::V2 => id,
        };
        let key = self.ring.iter().find(|k| k.id == id)?;
        match self.verifies_until(key) {
            Some(until) if until < now => None,
            _ => Some(key.secret.public()),
        }
    }

    /// A grant (quote or certificate) this ring signed with key `id`, if that key still
    /// verifies at `now` and the signature holds. Each distinct grant is verified once.
    pub fn verify_grant<'a, T: SigningBytes>(
        &self,
        signed: &'a Signed<T>,
        format: Format,
        id: KeyId,
        now: UnixMillis,
    ) -> Option<&'a T> {
        let key = self.verifier(format, id, now)?;
        self.verified.verify(signed, &key).ok()
    }

    /// A quote for `item` at `price`, valid from the start of this hour for the quote TTL.
    /// Both ends are rounded to the hour so catalog responses (and their ETags) stay stable
    /// for an hour rather than changing on every request.
    pub fn quote(&self, item: ItemId, price: Money, now: UnixMillis) -> Signed<Quote> {
        let hour = UnixMillis(now.0 - now.0.rem_euclid(HOUR_MS));
        let signer = self.signer();
        let quote = Quote {
            format: Format::CURRENT,
            key_id: signer.id,
            item,
            price,
            issued_at: hour,
            valid_until: hour.plus(millis(self.policy.quote_ttl)),
        };
        Signed::sign(quote, &signer.secret)
    }

    /// A drop's quote: the drop price from its start to its end (`protocol::drops`).
    pub fn drop_quote(&self, item: ItemId, info: &DropInfo) -> Signed<Quote> {
        let signer = self.signer();
        let quote = Quote {
            format: Format::CURRENT,
            key_id: signer.id,
            item,
            price: info.price,
            issued_at: info.starts_at,
            valid_until: info.ends_at,
        };
        Signed::sign(quote, &signer.secret)
    }

    /// Claim voucher `serial` of `batch`, signed by the signing key, with a random nonce;
    /// `None` when the key's id does not fit a voucher's one byte or there is no randomness.
    pub fn voucher(
        &self,
        batch: u32,
        serial: u16,
        item: u32,
        expires_at: u32,
    ) -> Option<SignedVoucher> {
        let signer = self.signer();
        let mut nonce = [0u8; 4];
        getrandom::getrandom(&mut nonce).ok()?;
        let voucher = Voucher {
            key_id: u8::try_from(signer.id.0).ok()?,
            batch,
            serial,
            item,
            expires_at,
            nonce,
        };
        Some(SignedVoucher::sign(voucher, &signer.secret))
    }

    /// A fresh certificate for a device key, in the registration's format. Format 1 is only
    /// for devices still running an older release, and only while the first key signs.
    pub fn certify(
        &self,
        device_key: PublicKey,
        format: Format,
        now: UnixMillis,
    ) -> Option<Signed<DeviceCertificate>> {
        self.certify_with(device_key, format, now, self.policy.limits.clone())
    }

    /// A merchant's kiosk's certificate: format 2 only, the usual lifetime and window, and an
    /// offline limit of zero in every currency a device's certificate covers, so a lost or
    /// misused kiosk can make free claims and nothing else (priced claims and purchases are
    /// `over_limit`).
    pub fn certify_kiosk(
        &self,
        device_key: PublicKey,
        format: Format,
        now: UnixMillis,
    ) -> Option<Signed<DeviceCertificate>> {
        if format != Format::V2 {
            return None;
        }
        let zero = |l: &OfflineLimit| OfflineLimit {
            currency: l.currency,
            max_per_intent_minor: 0,
            max_outstanding_minor: 0,
        };
        self.certify_with(device_key, format, now, self.policy.limits.iter().map(zero).collect())
    }

    fn certify_with(
        &self,
        device_key: PublicKey,
        format: Format,
        now: UnixMillis,
        limits: Vec<OfflineLimit>,
    ) -> Option<Signed<DeviceCertificate>> {
        let signer = self.signer();
        let v2 = format == Format::V2;
        if !v2 && signer.id != KeyId::FIRST {
            return None;
        }
        let cert = DeviceCertificate {
            format,
            key_id: if v2 { signer.id } else { KeyId::default() },
            device_key,
            not_before: if v2 { now } else { UnixMillis::default() },
            not_after: now.plus(millis(self.policy.certificate_ttl)),
            offline_window_ms: if v2 { millis(self.policy.offline_window) } else { 0 },
            max_quantity: if v2 { self.policy.max_quantity } else { 0 },
            limits,
        };
        Some(Signed::sign(cert, &signer.secret))
    }

    /// Seal an order answer with the signing key, so a downloaded receipt proves it.
    pub fn seal(&self, order: &mut Order) {
        let signer = self.signer();
        order.seal_with(signer.id, &signer.secret);
    }

    pub fn escrow_ttl_ms(&self) -> i64 {
        millis(self.policy.escrow_ttl)
    }

    /// What `GET /api/v1/keys` publishes: every key that still verifies, the signer first.
    pub fn published(&self, now: UnixMillis) -> PublishedKeys {
        let keys = self
            .ring
            .iter()
            .rev()
            .filter(|k| self.verifies_until(k).is_none_or(|until| until >= now))
            .map(|k| PublishedKey {
                id: k.id,
                public_key: k.secret.public(),
                created_at: k.created_at,
                retired_at: k.retired_at,
                verifies_until: self.verifies_until(k),
            })
            .collect();
        PublishedKeys {
            keys,
            clock_skew_ms: CLOCK_SKEW_MS,
            offline_window_ms: millis(self.policy.offline_window),
            max_quantity: self.policy.max_quantity,
            format: Format::CURRENT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(retired_at: Option<i64>) -> Keys {
        let key = |id, byte, retired_at: Option<i64>| RingKey {
            id: KeyId(id),
            secret: SecretKey::from_bytes([byte; 32]),
            created_at: UnixMillis(0),
            retired_at: retired_at.map(UnixMillis),
        };
        let keys = vec![key(2, 2, None), key(1, 1, retired_at)];
        Keys::new(keys, Policy::default()).unwrap()
    }

    #[test]
    fn the_newest_key_signs_and_old_keys_verify_until_their_grants_expire() {
        let retired = 1_000_000;
        let keys = ring(Some(retired));
        assert_eq!(keys.public(), SecretKey::from_bytes([2; 32]).public());
        let grace = keys.verify_grace_ms();
        assert!(grace >= 48 * HOUR_MS + 72 * HOUR_MS, "a quote's life plus the offline window");
        let old = Some(SecretKey::from_bytes([1; 32]).public());
        assert_eq!(keys.verifier(Format::V2, KeyId(1), UnixMillis(retired + grace)), old);
        assert_eq!(keys.verifier(Format::V2, KeyId(1), UnixMillis(retired + grace + 1)), None);
        assert_eq!(keys.verifier(Format::V1, KeyId(0), UnixMillis(retired)), old, "v1 = key 1");
        assert_eq!(keys.verifier(Format::V2, KeyId(3), UnixMillis(0)), None, "unknown id");
        assert_eq!(keys.published(UnixMillis(retired + grace + 1)).keys.len(), 1);
        let cert = keys.certify(SecretKey::from_bytes([7; 32]).public(), Format::V2, UnixMillis(5));
        assert_eq!(cert.map(|c| c.body.key_id), Some(KeyId(2)));
        assert!(keys
            .certify(SecretKey::from_bytes([7; 32]).public(), Format::V1, UnixMillis(5))
            .is_none());
    }

    #[test]
    fn a_kiosk_certificate_covers_the_same_currencies_with_nothing_to_spend() {
        let keys = ring(None);
        let device = SecretKey::from_bytes([7; 32]).public();
        let kiosk = keys.certify_kiosk(device, Format::V2, UnixMillis(5)).unwrap().body;
        let usual = keys.certify(device, Format::V2, UnixMillis(5)).unwrap().body;
        let currencies = |c: &DeviceCertificate| -> Vec<Currency> {
            c.limits.iter().map(|l| l.currency).collect()
        };
        assert_eq!(currencies(&kiosk), currencies(&usual));
        assert!(kiosk.limits.iter().all(|l| l.max_per_intent_minor == 0));
        assert!(kiosk.limits.iter().all(|l| l.max_outstanding_minor == 0));
        assert_eq!((kiosk.not_after, kiosk.key_id), (usual.not_after, usual.key_id));
        assert!(keys.certify_kiosk(device, Format::V1, UnixMillis(5)).is_none());
    }
}
