//! The server's signing key: it signs price quotes and device certificates, and checks them
//! when intents come back.

use std::time::Duration;

use vitrine_protocol::signing::{PublicKey, SecretKey, Signed};
use vitrine_protocol::{
    Currency, DeviceCertificate, ItemId, Money, OfflineLimit, Quote, UnixMillis,
};

/// How long grants last and how much they allow.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Lifetime of a device certificate.
    pub certificate_ttl: Duration,
    /// Lifetime of a price quote.
    pub quote_ttl: Duration,
    /// How long accepted stock stays held while payment settles.
    pub escrow_ttl: Duration,
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
            // Minor units: 200.00 per intent, 500.00 outstanding (30,000 / 75,000 yen).
            limits: vec![
                limit(Currency::EUR, 20_000, 50_000),
                limit(Currency::USD, 20_000, 50_000),
                limit(Currency::JPY, 30_000, 75_000),
            ],
            max_quantity: vitrine_protocol::device::MAX_QUANTITY,
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The key and the policy it signs under.
#[derive(Clone)]
pub struct Keys {
    secret: SecretKey,
    pub policy: Policy,
}

const HOUR_MS: i64 = 3_600_000;

impl Keys {
    pub fn new(secret: SecretKey, policy: Policy) -> Self {
        Keys { secret, policy }
    }

    pub fn public(&self) -> PublicKey {
        self.secret.public()
    }

    /// A quote for `item` at `price`. Expiry is rounded to the hour so catalog responses (and
    /// their ETags) stay stable for an hour rather than changing on every request.
    pub fn quote(&self, item: ItemId, price: Money, now: UnixMillis) -> Signed<Quote> {
        let hour = now.0 - now.0.rem_euclid(HOUR_MS);
        let valid_until = UnixMillis(hour.saturating_add(millis(self.policy.quote_ttl)));
        Signed::sign(Quote { item, price, valid_until }, &self.secret)
    }

    /// A fresh certificate for a device key.
    pub fn certify(&self, device_key: PublicKey, now: UnixMillis) -> Signed<DeviceCertificate> {
        let not_after = UnixMillis(now.0.saturating_add(millis(self.policy.certificate_ttl)));
        let cert = DeviceCertificate { device_key, not_after, limits: self.policy.limits.clone() };
        Signed::sign(cert, &self.secret)
    }

    pub fn escrow_ttl_ms(&self) -> i64 {
        millis(self.policy.escrow_ttl)
    }
}
