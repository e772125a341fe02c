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

proptest! {
    /// Domain separation by tag: the same fields in the other format (or the other kind) make
    /// different bytes, so a signature never transfers. Without the tags the two registrations
    /// below would have identical bytes and this would fail.
    #[test]
    fn a_signature_never_transfers_between_formats(seed in any::<[u8; 32]>(), time in any::<i64>()) {
        use vitrine_protocol::{DeviceRegistration, Format};
        let key = vitrine_protocol::signing::SecretKey::from_bytes(seed);
        let v1 = DeviceRegistration { format: Format::V1, device_key: key.public(), device_time: UnixMillis(time) };
        let v2 = DeviceRegistration { format: Format::V2, ..v1.clone() };
        let signed = Signed::sign(v1, &key);
        prop_assert!(key.public().verify(&v2.signing_bytes(), &signed.signature).is_err());
    }
}

#[test]
fn every_kind_and_format_starts_with_its_own_tag() {
    use vitrine_protocol::Format;
    let cases: Vec<(Vec<u8>, &[u8])> = vec![
        (fixtures::quote_in(Format::V1).body.signing_bytes(), b"vitrine/quote/v1\0"),
        (fixtures::quote_in(Format::V2).body.signing_bytes(), b"vitrine/quote/v2\0"),
        (fixtures::certificate_in(Format::V1).body.signing_bytes(), b"vitrine/device-cert/v1\0"),
        (fixtures::certificate_in(Format::V2).body.signing_bytes(), b"vitrine/device-cert/v2\0"),
        (fixtures::intent_in(Format::V1).signing_bytes(), b"vitrine/intent/v1\0"),
        (fixtures::intent_in(Format::V2).signing_bytes(), b"vitrine/intent/v2\0"),
        (
            fixtures::registration_in(Format::V2).body.signing_bytes(),
            b"vitrine/device-registration/v2\0",
        ),
    ];
    for (bytes, tag) in cases {
        assert!(bytes.starts_with(tag), "{}", String::from_utf8_lossy(tag));
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
