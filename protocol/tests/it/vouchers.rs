//! Claim voucher vectors (`vectors-voucher-v1.json`): fixed server key and voucher → fixed
//! body, signing bytes, signature, code and QR payload. A phone, a kiosk and the server must
//! all read the code to the same voucher and verify it with the published key. If a check
//! fails, the format changed: bump `vitrine/voucher/v1`. `VITRINE_BLESS=1` rewrites the file.

use serde_json::{json, Value};
use vitrine_protocol::claims::{self, Claim, SignedVoucher, Voucher};
use vitrine_protocol::signing::{Signed, SigningBytes};
use vitrine_protocol::{Buyer, KeyId, Payment, UnixMillis};

use crate::fixtures;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn voucher() -> SignedVoucher {
    let v = Voucher {
        key_id: 1,
        batch: 7,
        serial: 1,
        item: 201,
        expires_at: 1_790_000_000,
        nonce: [0xa1, 0xb2, 0xc3, 0xd4],
    };
    SignedVoucher::sign(v, &fixtures::server_key())
}

fn document() -> Value {
    let s = voucher();
    let code = s.code();
    let device = fixtures::device_key().public();
    let claim_ids: Vec<Value> = [0, 1, claims::MAX_CLAIM_ATTEMPTS]
        .map(|n| json!({ "attempt": n, "id": s.attempt_id(&device, n).to_string() }))
        .into();
    json!({
        "about": "Claim voucher vectors, format 1. The server key is the ed25519 secret of 32 bytes of 9. `voucher` is the body's fields; a client must build exactly `body` and `signing_bytes` (the domain tag, then the body), read `code` back to the same voucher and signature, and verify it with `server_public`. The format is specified in docs/protocol.md.",
        "server_public": fixtures::server_key().public().to_string(),
        "voucher": {
            "key_id": s.voucher.key_id, "batch": s.voucher.batch, "serial": s.voucher.serial,
            "item": s.voucher.item, "expires_at": s.voucher.expires_at, "nonce": hex(&s.voucher.nonce),
        },
        "body": hex(&s.voucher.body()),
        "signing_bytes": hex(&s.voucher.signing_bytes()),
        "signature": s.signature.to_string(),
        "code": code,
        "short_code": s.voucher.short_code(),
        "qr_payload": claims::qr_payload("http://127.0.0.1:8080", &code),
        "claim": claim_entry(),
        // The id of the fixtures' device's claim at attempts 0, 1 and the last
        // (`SignedVoucher::attempt_id`); attempt 0 is the claim's id above.
        "claim_ids": claim_ids,
    })
}

/// A claim of the voucher by the fixtures' device (key of 7s), on the free rail.
fn claim_entry() -> Value {
    let device = fixtures::device_key();
    let voucher = voucher();
    let claim = Claim {
        id: voucher.intent_id(&device.public()),
        attempt: 0,
        voucher,
        certificate: fixtures::certificate(),
        device_time: UnixMillis(1_788_000_000_000),
        payment: Payment { rail: claims::FREE_RAIL.into(), token: String::new() },
        buyer: Buyer { wallet: None, email: Some("ada@example.org".into()) },
    };
    let signed = Signed::sign(claim, &device);
    json!({
        "input": serde_json::to_value(&signed).unwrap(),
        "signing_bytes": hex(&signed.body.signing_bytes()),
        "signature": signed.signature.to_string(),
    })
}

#[test]
fn voucher_vectors_match_the_checked_in_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors-voucher-v1.json");
    let built = document();
    if std::env::var_os("VITRINE_BLESS").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&built).unwrap() + "\n").unwrap();
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(file, built, "vectors-voucher-v1.json is out of date with the code");
}

#[test]
fn the_checked_in_code_reads_back_and_verifies_with_the_published_key() {
    let file: Value = serde_json::from_str(include_str!("../../vectors-voucher-v1.json")).unwrap();
    let read = SignedVoucher::parse(file["code"].as_str().unwrap()).unwrap();
    assert_eq!(read, voucher());
    let public = fixtures::server_key().public();
    let keys = |id: KeyId| (id == KeyId(1)).then_some(public);
    assert_eq!(read.check(UnixMillis(1_789_999_999_000), keys), Ok(&voucher().voucher));
    assert_eq!(read.voucher.short_code(), "7-0001");
    // The claim's JSON reads back to a claim whose device signature verifies.
    let claim: Signed<Claim> = serde_json::from_value(file["claim"]["input"].clone()).unwrap();
    assert!(claim.verify(&fixtures::device_key().public()).is_ok());
    assert_eq!(claim.body.id, read.intent_id(&fixtures::device_key().public()));
    // A claim stored before attempts existed has no `attempt`: it reads as attempt 0, and its
    // signature still verifies (the attempt is bound by the signed id, not signed itself).
    let mut old = file["claim"]["input"].clone();
    old.as_object_mut().unwrap().remove("attempt").unwrap();
    let claim: Signed<Claim> = serde_json::from_value(old).unwrap();
    assert_eq!(claim.body.attempt, 0);
    assert!(claim.verify(&fixtures::device_key().public()).is_ok());
    for entry in file["claim_ids"].as_array().unwrap() {
        let attempt = u8::try_from(entry["attempt"].as_u64().unwrap()).unwrap();
        let id = read.attempt_id(&fixtures::device_key().public(), attempt).to_string();
        assert_eq!(entry["id"], id.as_str());
    }
}
