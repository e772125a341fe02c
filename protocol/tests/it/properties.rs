//! Any change to a signed object, or to its signing bytes, breaks the signature.

use proptest::prelude::*;
use vitrine_protocol::signing::{Signed, SigningBytes};
use vitrine_protocol::{ItemId, UnixMillis};

use crate::fixtures;

proptest! {
    #[test]
    fn any_flipped_byte_fails(index in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let signed = Signed::sign(fixtures::intent(), &fixtures::device_key());
        let mut bytes = signed.body.signing_bytes();
        let i = index.index(bytes.len());
        bytes[i] ^= mask;
        prop_assert!(fixtures::device_key().public().verify(&bytes, &signed.signature).is_err());
    }

    #[test]
    fn any_flipped_signature_bit_fails(index in 0usize..64, mask in 1u8..=255) {
        let mut signed = Signed::sign(fixtures::intent(), &fixtures::device_key());
        signed.signature.0[index] ^= mask;
        prop_assert!(signed.verify(&fixtures::device_key().public()).is_err());
    }

    #[test]
    fn any_changed_field_fails(
        quantity in 0u32..1000,
        item in 1i64..10_000,
        time in any::<i64>(),
        email in proptest::option::of("[a-z]{0,12}"),
        token in "[0-9]{0,20}",
    ) {
        let original = Signed::sign(fixtures::intent(), &fixtures::device_key());
        let key = fixtures::device_key().public();
        let mut edits = Vec::new();
        let mut e = original.clone();
        e.body.quantity = quantity;
        edits.push(e);
        let mut e = original.clone();
        e.body.item = ItemId::try_from(item).unwrap();
        edits.push(e);
        let mut e = original.clone();
        e.body.device_time = UnixMillis(time);
        edits.push(e);
        let mut e = original.clone();
        e.body.buyer.email = email;
        edits.push(e);
        let mut e = original.clone();
        e.body.payment.token = token;
        edits.push(e);
        let mut e = original.clone();
        e.body.quote.body.price.amount_minor = i64::from(quantity);
        edits.push(e);
        for edited in edits {
            if edited.body != original.body {
                prop_assert!(edited.verify(&key).is_err());
            }
        }
    }

    #[test]
    fn another_key_never_verifies(seed in any::<[u8; 32]>()) {
        prop_assume!(seed != [7; 32]);
        let signed = Signed::sign(fixtures::intent(), &fixtures::device_key());
        let other = vitrine_protocol::signing::SecretKey::from_bytes(seed).public();
        prop_assert!(signed.verify(&other).is_err());
    }
}

#[test]
fn a_quote_signature_is_not_a_certificate_signature() {
    // Domain separation: the same key signing two kinds of object never produces a signature
    // that transfers between them.
    let quote = fixtures::quote();
    let cert = fixtures::certificate();
    let server = fixtures::server_key().public();
    assert!(server.verify(&cert.body.signing_bytes(), &quote.signature).is_err());
    assert!(server.verify(&quote.body.signing_bytes(), &cert.signature).is_err());
}
