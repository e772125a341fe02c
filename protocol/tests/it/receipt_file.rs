//! The downloadable receipt checks out against the published keys, and any change to it, or a
//! key the shop never published, is caught.

use vitrine_protocol::device::{FileProblem, ReceiptFile};
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Currency, Format, KeyId, Money, Order, OrderState, PublishedKey, PublishedKeys, UnixMillis,
};

use crate::fixtures::{device_key, intent, server_key};

fn published(key: &SecretKey) -> PublishedKeys {
    PublishedKeys {
        keys: vec![PublishedKey {
            id: KeyId(1),
            public_key: key.public(),
            created_at: UnixMillis(0),
            retired_at: None,
            verifies_until: None,
        }],
        clock_skew_ms: 300_000,
        offline_window_ms: 259_200_000,
        max_quantity: 10,
        format: Format::V2,
    }
}

fn paid() -> Order {
    let body = intent();
    Order {
        id: body.id,
        state: OrderState::Paid,
        item: body.item,
        quantity: body.quantity,
        total: body.total().unwrap(),
        hold_expires_at: None,
        reason: None,
        suggested_actions: Vec::new(),
    }
}

fn file() -> ReceiptFile {
    ReceiptFile::new(Signed::sign(intent(), &device_key()), Some(paid()))
}

#[test]
fn a_downloaded_receipt_verifies_after_a_json_round_trip() {
    let json = serde_json::to_string(&file()).unwrap();
    let read: ReceiptFile = serde_json::from_str(&json).unwrap();
    assert_eq!(
        read.verify(&published(&server_key())),
        Ok(Money { amount_minor: 11_700, currency: Currency::EUR })
    );
    // Never answered (saved offline): the signatures alone still check out.
    let unsent = ReceiptFile { answer: None, ..file() };
    assert!(unsent.verify(&published(&server_key())).is_ok());
}

#[test]
fn a_changed_purchase_or_answer_is_caught() {
    let keys = published(&server_key());
    let mut more = file();
    more.intent.body.quantity = 3;
    assert_eq!(more.verify(&keys), Err(FileProblem::BadSignature("intent")));

    let mut cheaper = file();
    cheaper.intent.body.quote.body.price.amount_minor = 1;
    assert_eq!(cheaper.verify(&keys), Err(FileProblem::BadSignature("quote")));

    let mut other_order = file();
    if let Some(answer) = other_order.answer.as_mut() {
        answer.quantity = 1;
    }
    assert_eq!(other_order.verify(&keys), Err(FileProblem::AnswerMismatch("quantity")));

    let wrong_kind = ReceiptFile { kind: "something/2".into(), ..file() };
    assert!(matches!(wrong_kind.verify(&keys), Err(FileProblem::UnknownKind(_))));
}

#[test]
fn a_receipt_signed_by_keys_the_shop_never_published_is_refused() {
    // A forger with their own "server" key: the certificate does not verify.
    let forged = published(&SecretKey::from_bytes([3; 32]));
    assert_eq!(file().verify(&forged), Err(FileProblem::BadSignature("device certificate")));
    // The grants name a key id the shop does not publish.
    let mut elsewhere = published(&server_key());
    elsewhere.keys[0].id = KeyId(2);
    assert!(matches!(file().verify(&elsewhere), Err(FileProblem::UnknownKey { .. })));
}
