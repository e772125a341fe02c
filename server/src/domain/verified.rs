//! Grants we signed (price quotes, device certificates) come back inside every intent that
//! carries them: each queued intent of a device repeats its certificate, and every buyer of an
//! item repeats its quote. Their signatures are checked once; a bounded cache remembers the
//! exact (key, signature, signing bytes) triples that verified, so a repeat costs one SHA-256
//! instead of an ed25519 verification, the largest CPU cost of ingest (BENCHMARKS.md, issue 10).
//!
//! A hit means these very bytes, under this very key, verified before: nothing is trusted that
//! was not checked. Expiry and key validity are judged by the caller on every intent.

use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};
use vitrine_protocol::signing::{BadSignature, PublicKey, Signed, SigningBytes};

/// Enough for every live quote and the certificates of a busy day's devices; a miss only
/// costs a verification.
const CAPACITY: usize = 65_536;

pub struct VerifiedGrants(Cache<[u8; 32], ()>);

impl Default for VerifiedGrants {
    fn default() -> Self {
        VerifiedGrants(Cache::new(CAPACITY))
    }
}

impl VerifiedGrants {
    /// Check `signed` against `key`, once per distinct grant.
    pub fn verify<'a, T: SigningBytes>(
        &self,
        signed: &'a Signed<T>,
        key: &PublicKey,
    ) -> Result<&'a T, BadSignature> {
        let bytes = signed.body.signing_bytes();
        // Fixed-width fields first, so the variable-length bytes cannot shift into them.
        let digest: [u8; 32] = Sha256::new()
            .chain_update(key.0)
            .chain_update(signed.signature.0)
            .chain_update(&bytes)
            .finalize()
            .into();
        if self.0.get(&digest).is_none() {
            key.verify(&bytes, &signed.signature)?;
            self.0.insert(digest, ());
        }
        Ok(&signed.body)
    }

    /// How many grants are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use vitrine_protocol::signing::{SecretKey, Signature};
    use vitrine_protocol::{Currency, Format, ItemId, KeyId, Money, Quote, UnixMillis};

    use super::*;

    fn quote(price: i64) -> Quote {
        Quote {
            format: Format::CURRENT,
            key_id: KeyId::FIRST,
            item: ItemId::try_from(7).unwrap(),
            price: Money { amount_minor: price, currency: Currency::EUR },
            issued_at: UnixMillis(1_000),
            valid_until: UnixMillis(2_000),
        }
    }

    #[test]
    fn a_grant_is_checked_once_and_remembered() {
        let ours = SecretKey::from_bytes([1; 32]);
        let cache = VerifiedGrants::default();
        let signed = Signed::sign(quote(5_400), &ours);
        assert!(cache.verify(&signed, &ours.public()).is_ok());
        assert!(cache.verify(&signed, &ours.public()).is_ok());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn what_verified_once_does_not_vouch_for_anything_else() {
        let ours = SecretKey::from_bytes([1; 32]);
        let theirs = SecretKey::from_bytes([2; 32]);
        let cache = VerifiedGrants::default();
        let genuine = Signed::sign(quote(5_400), &ours);
        assert!(cache.verify(&genuine, &ours.public()).is_ok());

        // The same body at another price, with the genuine signature.
        let cheaper = Signed { body: quote(1), signature: genuine.signature };
        assert_eq!(cache.verify(&cheaper, &ours.public()), Err(BadSignature));
        // One bit of the signature changed.
        let mut bits = genuine.signature.0;
        bits[10] ^= 1;
        let flipped = Signed { body: quote(5_400), signature: Signature(bits) };
        assert_eq!(cache.verify(&flipped, &ours.public()), Err(BadSignature));
        // Signed by someone else, or checked against someone else's key.
        let forged = Signed::sign(quote(5_400), &theirs);
        assert_eq!(cache.verify(&forged, &ours.public()), Err(BadSignature));
        assert_eq!(cache.verify(&genuine, &theirs.public()), Err(BadSignature));
        assert_eq!(cache.len(), 1, "only the genuine grant is remembered");
    }
}
