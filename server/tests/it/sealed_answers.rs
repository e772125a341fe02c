//! Every order answer the server gives is sealed with its signing key, so a downloaded receipt
//! proves what the shop said: the first answer to a POST (held or conflict, replayed byte for
//! byte with the moment it was decided), every GET, and after a key rotation.

use vitrine_protocol::device::{AnswerProof, ReceiptFile};
use vitrine_protocol::{KeyId, Order, OrderState, PublishedKeys};

use crate::helpers::{now, spawn_app};

async fn keys(app: &crate::helpers::TestApp) -> PublishedKeys {
    app.get("/api/v1/keys").await.json().await.unwrap()
}

fn proof(keys: &PublishedKeys, order: &Order) -> Result<(KeyId, OrderState), String> {
    let key = |id| keys.keys.iter().find(|k| k.id == id).map(|k| k.public_key);
    order.verify_seal(key).map(|(key, _)| (key, order.state)).map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn held_paid_and_conflict_answers_are_sealed_and_a_receipt_of_them_verifies() {
    let app = spawn_app().await;
    let keys = keys(&app).await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    let before = now();
    let res = app.post_intent(&intent).await;
    assert_eq!(res.status(), 201);
    let first_text = res.text().await.unwrap();
    let held: Order = serde_json::from_str(&first_text).unwrap();
    assert_eq!(proof(&keys, &held), Ok((KeyId(1), OrderState::Held)));
    let decided = held.as_of.unwrap();
    assert!(decided >= before && decided <= now());

    let paid = app.wait_for_state(intent.body.id, OrderState::Paid).await;
    assert_eq!(proof(&keys, &paid), Ok((KeyId(1), OrderState::Paid)));
    assert!(paid.as_of.unwrap() >= decided);

    // The replay is the first answer, as of when it was decided, byte for byte: a "held"
    // sealed now would be false, since the order is paid.
    let replay = app.post_intent(&intent).await.text().await.unwrap();
    assert_eq!(replay, first_text);

    // What the app's "Download signed receipt" builds from these answers.
    let file = ReceiptFile::new(intent.clone(), Some(paid.clone()));
    let verified = file.verify(&keys).unwrap();
    assert_eq!(
        verified.answer,
        AnswerProof::Sealed { state: OrderState::Paid, as_of: paid.as_of.unwrap(), key: KeyId(1) }
    );
    // Turned into a decline (to claim a refund of what was paid), it does not verify.
    let mut declined = paid;
    declined.state = OrderState::Declined;
    assert!(ReceiptFile::new(intent, Some(declined)).verify(&keys).is_err());

    app.set_stock(202, 0).await;
    let sold_out = device.buy(&app.quote(202).await, 1);
    let conflict: Order = app.post_intent(&sold_out).await.json().await.unwrap();
    assert_eq!(proof(&keys, &conflict), Ok((KeyId(1), OrderState::Conflict)));
    assert!(!conflict.suggested_actions.is_empty(), "suggestions ride along, unsealed");
}

#[tokio::test]
async fn after_a_rotation_answers_are_sealed_by_the_new_key() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    let first: Order = app.post_intent(&intent).await.json().await.unwrap();
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    storage.rotate_key([45; 32], now()).await.unwrap();
    let server = app.restarted().await;
    let keys = keys(&server).await;
    // The stored first answer is sealed by today's signing key; the old key still verifies
    // the grants inside the intent.
    let again: Order = server.post_intent(&intent).await.json().await.unwrap();
    assert_eq!(again.as_of, first.as_of);
    assert_eq!(proof(&keys, &again).map(|(key, _)| key), Ok(KeyId(2)));
    let now_paid = server.wait_for_state(intent.body.id, OrderState::Paid).await;
    assert_eq!(proof(&keys, &now_paid), Ok((KeyId(2), OrderState::Paid)));
    assert!(ReceiptFile::new(intent, Some(now_paid)).verify(&keys).is_ok());
}
