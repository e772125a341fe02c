//! The checked-in vectors: fixed keys → fixed objects (their JSON, the inputs) → fixed signing
//! bytes → fixed signatures (the outputs). `vectors-v1.json` is the first format, kept so
//! format 1 objects (intents queued before an upgrade) stay verifiable; `vectors-v2.json` the
//! current one. If a check fails, the wire format changed: bump the domain tags instead.
//! `VITRINE_BLESS=1 cargo test -p vitrine-protocol` rewrites `vectors-v2.json`; never run it
//! for v1.

use serde::Serialize;
use serde_json::{json, Value};
use vitrine_protocol::signing::{PublicKey, SecretKey, Signature, Signed, SigningBytes};
use vitrine_protocol::Format;

use crate::fixtures;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check<T: SigningBytes>(v: &Value, name: &str, signed: &Signed<T>, signer: &PublicKey) {
    assert_eq!(hex(&signed.body.signing_bytes()), v[name]["signing_bytes"], "{name} bytes");
    assert_eq!(signed.signature.to_string(), v[name]["signature"], "{name} signature");
    let sig = Signature::try_from(v[name]["signature"].as_str().unwrap().to_owned()).unwrap();
    assert!(signer.verify(&signed.body.signing_bytes(), &sig).is_ok(), "{name} verifies");
}

fn v1() -> Value {
    serde_json::from_str(include_str!("../../vectors-v1.json")).unwrap()
}

#[test]
fn v1_keys_match() {
    let v = v1();
    let server = SecretKey::from_bytes([v["server_secret_byte"].as_u64().unwrap() as u8; 32]);
    let device = SecretKey::from_bytes([v["device_secret_byte"].as_u64().unwrap() as u8; 32]);
    assert_eq!(server.public().to_string(), v["server_public"]);
    assert_eq!(device.public().to_string(), v["device_public"]);
}

#[test]
fn v1_objects_still_produce_their_vectors() {
    let v = v1();
    let server = fixtures::server_key().public();
    check(&v, "quote", &fixtures::quote_in(Format::V1), &server);
    check(&v, "certificate", &fixtures::certificate_in(Format::V1), &server);
    let intent = Signed::sign(fixtures::intent_in(Format::V1), &fixtures::device_key());
    check(&v, "intent", &intent, &fixtures::device_key().public());
}

#[test]
fn v1_json_without_a_format_field_reads_as_format_1() {
    // What a device that queued an intent before the upgrade has in its outbox.
    let intent = Signed::sign(fixtures::intent_in(Format::V1), &fixtures::device_key());
    let mut json = serde_json::to_value(&intent).unwrap();
    for name in ["quote", "certificate"] {
        let map = json[name].as_object_mut().unwrap();
        for field in ["v", "key_id", "issued_at", "not_before", "offline_window_ms", "max_quantity"]
        {
            map.remove(field);
        }
    }
    json.as_object_mut().unwrap().remove("v");
    let back: Signed<vitrine_protocol::Intent> = serde_json::from_value(json).unwrap();
    assert_eq!(back, intent);
    assert!(back.verify(back.body.device_key()).is_ok());
}

fn entry<T: SigningBytes + Serialize>(signed: &Signed<T>) -> Value {
    json!({
        "input": signed,
        "signing_bytes": hex(&signed.body.signing_bytes()),
        "signature": signed.signature.to_string(),
    })
}

/// A sealed order answer: its seal is a field of the order, not a `Signed` wrapper.
fn answer_entry(order: &vitrine_protocol::Order) -> Value {
    let (seal, as_of) = (order.seal.as_ref().unwrap(), order.as_of.unwrap());
    json!({
        "input": order,
        "signing_bytes": hex(&vitrine_protocol::seal::answer_bytes(order, seal.key_id, as_of)),
        "signature": seal.signature.to_string(),
    })
}

/// The v2 document, built from the fixtures.
fn v2_document() -> Value {
    let intent = Signed::sign(fixtures::intent(), &fixtures::device_key());
    json!({
        "about": "Signing vectors, format 2. Keys are ed25519 secrets of 32 repeated bytes (server 9, device 7). Each entry's `input` is the signed object as JSON on the wire (the object's fields and `signature` side by side); a client must turn the input into exactly `signing_bytes` and, with the same key, exactly `signature`. The format is specified in docs/protocol.md.",
        "server_secret_byte": 9,
        "server_public": fixtures::server_key().public().to_string(),
        "device_secret_byte": 7,
        "device_public": fixtures::device_key().public().to_string(),
        "quote": entry(&fixtures::quote()),
        "certificate": entry(&fixtures::certificate()),
        "registration": entry(&fixtures::registration_in(Format::V2)),
        "intent": entry(&intent),
        "order_answer": answer_entry(&fixtures::paid_answer()),
    })
}

#[test]
fn v2_vectors_match_the_checked_in_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors-v2.json");
    let built = v2_document();
    if std::env::var_os("VITRINE_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&built).unwrap() + "\n";
        std::fs::write(path, text).unwrap();
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(file, built, "vectors-v2.json is out of date with the code");
}

#[test]
fn v2_inputs_parse_back_to_objects_that_verify() {
    let file: Value = serde_json::from_str(include_str!("../../vectors-v2.json")).unwrap();
    let server = fixtures::server_key().public();
    let device = fixtures::device_key().public();
    let quote: Signed<vitrine_protocol::Quote> =
        serde_json::from_value(file["quote"]["input"].clone()).unwrap();
    check(&file, "quote", &quote, &server);
    let cert: Signed<vitrine_protocol::DeviceCertificate> =
        serde_json::from_value(file["certificate"]["input"].clone()).unwrap();
    check(&file, "certificate", &cert, &server);
    let reg: Signed<vitrine_protocol::DeviceRegistration> =
        serde_json::from_value(file["registration"]["input"].clone()).unwrap();
    check(&file, "registration", &reg, &device);
    let intent: Signed<vitrine_protocol::Intent> =
        serde_json::from_value(file["intent"]["input"].clone()).unwrap();
    check(&file, "intent", &intent, &device);
    let answer: vitrine_protocol::Order =
        serde_json::from_value(file["order_answer"]["input"].clone()).unwrap();
    let (seal, as_of) = (answer.seal.clone().unwrap(), answer.as_of.unwrap());
    let bytes = vitrine_protocol::seal::answer_bytes(&answer, seal.key_id, as_of);
    assert_eq!(hex(&bytes), file["order_answer"]["signing_bytes"], "order_answer bytes");
    assert_eq!(seal.signature.to_string(), file["order_answer"]["signature"]);
    assert!(server.verify(&bytes, &seal.signature).is_ok(), "order_answer verifies");
}

#[test]
fn the_error_table_in_docs_protocol_md_is_generated_from_the_codes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");
    let (begin, end) = ("<!-- error-codes:begin -->\n", "<!-- error-codes:end -->");
    let doc = std::fs::read_to_string(path).unwrap();
    let table = vitrine_protocol::error_code_table();
    let start = doc.find(begin).expect("begin marker") + begin.len();
    let stop = doc.find(end).expect("end marker");
    if std::env::var_os("VITRINE_BLESS").is_some() && doc[start..stop] != table {
        let updated = format!("{}{table}{}", &doc[..start], &doc[stop..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(doc[start..stop], table, "run VITRINE_BLESS=1 cargo test -p vitrine-protocol");
}
