//! Issue 10 §6 and §11: keys rotate; old keys verify what they signed; `GET /api/v1/keys`.

use vitrine_protocol::{KeyId, Order, OrderState, PublishedKeys};

use crate::helpers::{now, spawn_app};

#[tokio::test]
async fn intents_queued_under_the_old_key_are_accepted_after_a_rotation() {
    let app = spawn_app().await;
    let device = app.device().await;
    assert_eq!(device.certificate.body.key_id, KeyId(1));
    let quote = app.quote(201).await;
    // Signed on the device before the rotation, sent after it.
    let queued: Vec<_> = (0..3).map(|_| device.buy(&quote, 1)).collect();
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    let new_id = storage.rotate_key([43; 32], now()).await.unwrap();
    assert_eq!(new_id, KeyId(2));
    let server = app.restarted().await;
    for intent in &queued {
        let order: Order = server.post_intent(intent).await.json().await.unwrap();
        assert_eq!(order.state, OrderState::Held);
    }
    let fresh = server.device().await;
    assert_eq!(fresh.certificate.body.key_id, KeyId(2), "new certificates use the new key");
    assert_eq!(server.quote(202).await.body.key_id, KeyId(2));
    let keys: PublishedKeys = server.get("/api/v1/keys").await.json().await.unwrap();
    assert_eq!(keys.keys.iter().map(|k| k.id).collect::<Vec<_>>(), [KeyId(2), KeyId(1)]);
    assert!(keys.keys[0].retired_at.is_none());
    assert!(keys.keys[1].retired_at.is_some() && keys.keys[1].verifies_until.is_some());
    assert!(fresh.certificate.verify(&keys.keys[0].public_key).is_ok());
    assert_eq!(keys.keys[1].public_key, app.server_key.public());
    assert_eq!(keys.clock_skew_ms, vitrine_protocol::acceptance::CLOCK_SKEW_MS);
}

#[tokio::test]
async fn signing_keys_are_never_deleted_or_changed_and_retire_once() {
    let app = spawn_app().await;
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    storage.rotate_key([44; 32], now()).await.unwrap();
    for sql in [
        "DELETE FROM server_keys WHERE id = 1",
        "UPDATE server_keys SET secret = zeroblob(32) WHERE id = 2",
        "UPDATE server_keys SET retired_at = 5 WHERE id = 1",
    ] {
        let error = sqlx::query(sql).execute(&app.db).await.unwrap_err();
        assert!(error.to_string().contains("signing key"), "{sql}: {error}");
    }
}

#[tokio::test]
async fn the_keys_endpoint_is_read_only_and_publishes_no_secret() {
    let app = spawn_app().await;
    let res = app.client.post(app.url("/api/v1/keys")).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 405);
    let error: vitrine_protocol::ApiError = res.json().await.unwrap();
    assert_eq!(error.code, vitrine_protocol::ErrorCode::MethodNotAllowed);
    let text = app.get("/api/v1/keys").await.text().await.unwrap();
    let secret: String = app.server_key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert!(!text.contains(&secret), "only public keys");
    assert!(text.contains(&app.server_key.public().to_string()));
}
