use proptest::prelude::*;

use super::code::{self, CODE_LEN};
use super::*;

fn key() -> SecretKey {
    SecretKey::from_bytes([9; 32])
}

fn voucher() -> Voucher {
    Voucher {
        key_id: 1,
        batch: 12,
        serial: 42,
        item: 201,
        expires_at: 1_790_000_000,
        nonce: [1, 2, 3, 4],
    }
}

fn keys(id: KeyId) -> Option<PublicKey> {
    (id == KeyId(1)).then(|| key().public())
}

#[test]
fn a_code_is_204_digits_and_reads_back() {
    let signed = SignedVoucher::sign(voucher(), &key());
    let code = signed.code();
    assert_eq!((code.len(), CODE_LEN), (204, 204));
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(SignedVoucher::parse(&code), Ok(signed));
    // Typed in groups.
    let grouped: Vec<&str> =
        code.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect();
    assert_eq!(SignedVoucher::parse(&grouped.join("-")), Ok(signed));
}

#[test]
fn it_verifies_until_its_last_second_and_not_after() {
    let signed = SignedVoucher::sign(voucher(), &key());
    let last = UnixMillis(1_790_000_000_999);
    assert_eq!(signed.check(last, keys), Ok(&voucher()));
    assert_eq!(signed.check(last.plus(1), keys), Err(VoucherProblem::Expired));
}

#[test]
fn another_key_or_an_unknown_key_id_is_forged() {
    let stranger = SignedVoucher::sign(voucher(), &SecretKey::from_bytes([3; 32]));
    assert_eq!(stranger.check(UnixMillis(0), keys), Err(VoucherProblem::Forged));
    let rotated = SignedVoucher::sign(Voucher { key_id: 2, ..voucher() }, &key());
    assert_eq!(rotated.check(UnixMillis(0), keys), Err(VoucherProblem::Forged));
}

#[test]
fn malformed_codes_are_refused() {
    let code = SignedVoucher::sign(voucher(), &key()).code();
    for bad in [
        String::new(),
        code[1..].to_owned(),
        format!("{code}0"),
        code.replacen('1', "a", 1),
        // A chunk of 17 digits above 2^56 - 1: no bytes make it.
        format!("99999999999999999{}", &code[17..]),
        // Version 2 (the first chunk's first byte) is not one this code reads.
        {
            let mut b = SignedVoucher::sign(voucher(), &key()).to_bytes();
            b[0] = 2;
            code::encode(&b)
        },
    ] {
        assert_eq!(SignedVoucher::parse(&bad), Err(VoucherProblem::Malformed), "{bad}");
    }
}

#[test]
fn one_device_makes_one_claim_intent_two_devices_two() {
    let signed = SignedVoucher::sign(voucher(), &key());
    let (a, b) = (SecretKey::from_bytes([7; 32]).public(), SecretKey::from_bytes([8; 32]).public());
    assert_eq!(signed.intent_id(&a), signed.intent_id(&a));
    assert_ne!(signed.intent_id(&a), signed.intent_id(&b));
    // A v7 UUID: it parses back as an intent id.
    assert_eq!(signed.intent_id(&a).to_string().parse::<IntentId>(), Ok(signed.intent_id(&a)));
}

#[test]
fn each_attempt_is_another_intent_and_the_first_is_the_id_devices_made_before_attempts() {
    use sha2::{Digest, Sha256};
    let signed = SignedVoucher::sign(voucher(), &key());
    let a = SecretKey::from_bytes([7; 32]).public();
    let ids: Vec<IntentId> = (0..=MAX_CLAIM_ATTEMPTS).map(|n| signed.attempt_id(&a, n)).collect();
    let mut distinct = ids.clone();
    distinct.sort_unstable_by_key(|id| *id.as_bytes());
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len());
    assert_eq!(ids[0], signed.intent_id(&a));
    // Attempt 0 is derived as before attempts existed: outboxes and orders keep their ids.
    let digest = Sha256::new()
        .chain_update(b"vitrine/claim-intent/v1\0")
        .chain_update(signed.to_bytes())
        .chain_update(a.0)
        .finalize();
    let mut random = [0u8; 10];
    random.copy_from_slice(&digest[..10]);
    let before = IntentId::new_v7(u64::from(signed.voucher.expires_at) * 1000, random);
    assert_eq!(ids[0], before);
}

#[test]
fn the_qr_payload_is_upper_case_where_alphanumeric_mode_can_carry_it() {
    assert_eq!(qr_payload("http://127.0.0.1:8080", "123"), "HTTP://127.0.0.1:8080/CLAIM/123");
    assert_eq!(qr_payload("https://shop.example/", "123"), "HTTPS://SHOP.EXAMPLE/CLAIM/123");
    assert_eq!(qr_payload("https://shop_x.example", "123"), "https://shop_x.example/claim/123");
}

proptest! {
    #[test]
    fn every_voucher_round_trips_through_its_code(
        key_id in any::<u8>(), batch in any::<u32>(), serial in any::<u16>(), item in any::<u32>(),
        expires_at in any::<u32>(), nonce in any::<[u8; 4]>(), sig in any::<[u8; 32]>(),
    ) {
        let voucher = Voucher { key_id, batch, serial, item, expires_at, nonce };
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&sig);
        signature[32..].copy_from_slice(&sig);
        let signed = SignedVoucher { voucher, signature: Signature(signature) };
        prop_assert_eq!(SignedVoucher::parse(&signed.code()), Ok(signed));
    }

    #[test]
    fn any_changed_digit_is_caught(index in 0usize..204, step in 1u8..10) {
        let code = SignedVoucher::sign(voucher(), &key()).code();
        let mut bytes = code.into_bytes();
        bytes[index] = b'0' + (bytes[index] - b'0' + step) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        // Either it no longer reads as a voucher, or its signature fails.
        let verdict = SignedVoucher::parse(&changed).and_then(|v| v.check(UnixMillis(0), keys).copied());
        prop_assert!(verdict.is_err());
    }
}
