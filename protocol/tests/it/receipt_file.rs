//! The downloadable receipt checks out against the published keys, and any change to it, or a
//! key the shop never published, is caught.

use vitrine_protocol::device::{AnswerProof, FileProblem, ReceiptFile, Verified};
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Currency, Format, KeyId, Money, OrderState, PublishedKey, PublishedKeys, UnixMillis,
};

use crate::fixtures::{device_key, intent, paid_answer, server_key};

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

fn file() -> ReceiptFile {
    ReceiptFile::new(Signed::sign(intent(), &device_key()), Some(paid_answer()))
}

#[test]
fn a_downloaded_receipt_verifies_after_a_json_round_trip() {
    let json = serde_json::to_string(&file()).unwrap();
    let read: ReceiptFile = serde_json::from_str(&json).unwrap();
    let total = Money { amount_minor: 11_700, currency: Currency::EUR };
    let sealed = AnswerProof::Sealed {
        state: OrderState::Paid,
        as_of: UnixMillis(1_788_000_100_000),
        key: KeyId(1),
    };
    assert_eq!(read.verify(&published(&server_key())), Ok(Verified { total, answer: sealed }));
    // Never answered (saved offline): the signatures alone still check out.
    let unsent = ReceiptFile { answer: None, ..file() };
    assert_eq!(
        unsent.verify(&published(&server_key())),
        Ok(Verified { total, answer: AnswerProof::None })
    );
    // Suggestions follow today's stock and are not sealed: changing them proves nothing.
    let mut advised = file();
    if let Some(answer) = advised.answer.as_mut() {
        answer.suggested_actions.push(vitrine_protocol::SuggestedAction::NothingCharged);
    }
    assert!(advised.verify(&published(&server_key())).is_ok());
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

    let mut declined_to_paid = file();
    if let Some(answer) = declined_to_paid.answer.as_mut() {
        answer.state = OrderState::Declined;
    }
    assert_eq!(declined_to_paid.verify(&keys), Err(FileProblem::BadSignature("answer")));

    let mut older = file();
    if let Some(answer) = older.answer.as_mut() {
        answer.as_of = answer.as_of.map(|t| t.plus(-1));
    }
    assert_eq!(older.verify(&keys), Err(FileProblem::BadSignature("answer")));

    let mut reason = file();
    if let Some(answer) = reason.answer.as_mut() {
        answer.reason = Some("refunded".into());
    }
    assert_eq!(reason.verify(&keys), Err(FileProblem::BadSignature("answer")));

    // With its seal stripped an answer proves nothing, and the verdict says so.
    let mut stripped = file();
    if let Some(answer) = stripped.answer.as_mut() {
        answer.seal = None;
    }
    assert_eq!(
        stripped.verify(&keys).map(|v| v.answer),
        Ok(AnswerProof::Unsealed(OrderState::Paid))
    );

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

#[test]
fn an_answer_sealed_by_anyone_but_the_shop_is_refused() {
    let keys = published(&server_key());
    // The buyer's own device key, or any other, sealing a "paid" it was never told.
    let mut self_sealed = file();
    if let Some(answer) = self_sealed.answer.as_mut() {
        answer.seal_with(KeyId(1), &device_key());
    }
    assert_eq!(self_sealed.verify(&keys), Err(FileProblem::BadSignature("answer")));
    // A seal naming a key the shop does not publish.
    let mut unknown = file();
    if let Some(answer) = unknown.answer.as_mut() {
        answer.seal_with(KeyId(7), &server_key());
    }
    assert_eq!(
        unknown.verify(&keys),
        Err(FileProblem::UnknownKey { what: "answer", key: KeyId(7) })
    );
    // Another order's sealed answer pasted in: caught by its id, before the seal.
    let mut pasted = file();
    if let Some(answer) = pasted.answer.as_mut() {
        answer.id = "01890a5d-ac96-774b-bcce-b302099a8058".parse().unwrap();
        answer.seal_with(KeyId(1), &server_key());
    }
    assert_eq!(pasted.verify(&keys), Err(FileProblem::AnswerMismatch("id")));
}
