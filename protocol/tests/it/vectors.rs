//! The checked-in vectors in `protocol/vectors-v1.json`: fixed keys → fixed bytes → fixed
//! signatures. If this fails, the wire format changed: bump the domain version instead.

use serde_json::Value;
use vitrine_protocol::signing::{PublicKey, SecretKey, Signature, Signed, SigningBytes};

use crate::fixtures;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../vectors-v1.json")).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check<T: SigningBytes>(name: &str, signed: &Signed<T>, signer: &PublicKey) {
    let v = vectors();
    assert_eq!(hex(&signed.body.signing_bytes()), v[name]["signing_bytes"], "{name} bytes");
    assert_eq!(signed.signature.to_string(), v[name]["signature"], "{name} signature");
    let sig = Signature::try_from(v[name]["signature"].as_str().unwrap().to_owned()).unwrap();
    assert!(signer.verify(&signed.body.signing_bytes(), &sig).is_ok(), "{name} verifies");
}

#[test]
fn keys_match() {
    let v = vectors();
    let server = SecretKey::from_bytes([v["server_secret_byte"].as_u64().unwrap() as u8; 32]);
    let device = SecretKey::from_bytes([v["device_secret_byte"].as_u64().unwrap() as u8; 32]);
    assert_eq!(server.public().to_string(), v["server_public"]);
    assert_eq!(device.public().to_string(), v["device_public"]);
}

#[test]
fn quote_vector() {
    check("quote", &fixtures::quote(), &fixtures::server_key().public());
}

#[test]
fn certificate_vector() {
    check("certificate", &fixtures::certificate(), &fixtures::server_key().public());
}

#[test]
fn intent_vector() {
    let signed = Signed::sign(fixtures::intent(), &fixtures::device_key());
    check("intent", &signed, &fixtures::device_key().public());
}

#[test]
fn signed_intents_survive_json() {
    let signed = Signed::sign(fixtures::intent(), &fixtures::device_key());
    let json = serde_json::to_string(&signed).unwrap();
    let back: Signed<vitrine_protocol::Intent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, signed);
    assert!(back.verify(back.body.device_key()).is_ok());
}
