//! Issue 12: the conflicts queue. A sold-out conflict waits for its merchant, who resolves it
//! once (offer another edition, close it as refunded, waitlist, manual review), with its
//! effect and its audit entry; a second, different decision, another merchant, an order that
//! is not a conflict and a bad request are refused with nothing changed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::merchant::{MerchantOrder, Scope};
use vitrine_protocol::{ErrorCode, IntentId, OrderState};

use crate::helpers::{spawn_app, TestApp};
use crate::merchants::{audit_rows, bearer, call, code, merchant};

const WORK: i64 = 101;

/// A paid order and a sold-out conflict (with the buyer's email) for WORK.
async fn paid_and_conflict(app: &TestApp) -> (IntentId, IntentId) {
    app.set_stock(WORK, 1).await;
    let quote = app.quote(WORK).await;
    let first = app.device().await.buy(&quote, 1);
    assert_eq!(app.post_intent(&first).await.status(), 201);
    app.wait_for_state(first.body.id, OrderState::Paid).await;
    let device = app.device().await;
    let mut late =
        device.intent(&quote, 1, vitrine_server::domain::settlement::SandboxCard::APPROVE);
    late.buyer.email = Some("Late@Example.com".into());
    let late = device.sign(late);
    assert_eq!(app.post_intent(&late).await.status(), 201);
    assert_eq!(app.order(late.body.id).await.state, OrderState::Conflict);
    (first.body.id, late.body.id)
}

fn resolve(id: IntentId) -> String {
    format!("/api/v1/merchant/orders/{id}/resolve")
}

#[tokio::test]
async fn a_conflict_is_queued_resolved_once_with_its_effect_and_audited() {
    let app = spawn_app().await;
    let (paid, conflict) = paid_and_conflict(&app).await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);

    let queue: Vec<Value> =
        call(&app, Method::GET, "/api/v1/merchant/conflicts", Some(&auth), None)
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["order"]["id"], conflict.to_string());
    assert_eq!(
        queue[0]["actions"],
        json!(["offer_edition", "refund", "waitlist", "manual_review"])
    );

    // No edition is left: an offer is refused, per field, and changes nothing.
    let before = audit_rows(&app).await;
    let res = call(
        &app,
        Method::POST,
        &resolve(conflict),
        Some(&auth),
        Some(json!({ "action": "offer_edition" })),
    )
    .await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields));
    assert_eq!(audit_rows(&app).await, before);

    let body = json!({ "action": "waitlist", "note": "asked at the counter" });
    let res = call(&app, Method::POST, &resolve(conflict), Some(&auth), Some(body.clone())).await;
    assert_eq!(res.status(), 200);
    let order: MerchantOrder = res.json().await.unwrap();
    assert_eq!(order.resolution.as_ref().map(|r| r.note.as_str()), Some("asked at the counter"));
    let waiting: Vec<String> = sqlx::query_scalar("SELECT email FROM waitlist WHERE item_id = ?")
        .bind(WORK)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting, ["late@example.com"]);
    assert_eq!(audit_rows(&app).await, before + 1);

    // Asked again the same way: the same answer, nothing new. Another way: refused.
    let res = call(&app, Method::POST, &resolve(conflict), Some(&auth), Some(body)).await;
    assert_eq!(res.status(), 200);
    let res = call(
        &app,
        Method::POST,
        &resolve(conflict),
        Some(&auth),
        Some(json!({ "action": "refund" })),
    )
    .await;
    assert_eq!(code(res).await.1, ErrorCode::AlreadyExists);
    assert_eq!(audit_rows(&app).await, before + 1);
    let queue: Vec<Value> =
        call(&app, Method::GET, "/api/v1/merchant/conflicts", Some(&auth), None)
            .await
            .json()
            .await
            .unwrap();
    assert!(queue.is_empty(), "resolved conflicts leave the queue");

    // A paid order is not a conflict; the database refuses to rewrite a resolution too.
    let res =
        call(&app, Method::POST, &resolve(paid), Some(&auth), Some(json!({ "action": "refund" })))
            .await;
    assert_eq!(code(res).await.1, ErrorCode::InvalidFields);
    let rewrite =
        sqlx::query("UPDATE conflict_resolutions SET action = 'refund'").execute(&app.db).await;
    assert!(rewrite.is_err());
}

#[tokio::test]
async fn offers_need_stock_and_strangers_or_bad_requests_get_nothing() {
    let app = spawn_app().await;
    let (_, conflict) = paid_and_conflict(&app).await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Orders]).await);
    let catalog_only = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let before = audit_rows(&app).await;

    let offer = json!({ "action": "offer_edition", "item": 103 });
    let res = call(&app, Method::POST, &resolve(conflict), Some(&rival), Some(offer.clone())).await;
    assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    let res =
        call(&app, Method::POST, &resolve(conflict), Some(&catalog_only), Some(offer.clone()))
            .await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    for bad in [
        json!({ "action": "burn" }),
        json!({ "action": "refund", "item": 103 }),
        json!({ "action": "refund", "extra": 1 }),
    ] {
        let res = call(&app, Method::POST, &resolve(conflict), Some(&auth), Some(bad)).await;
        assert!(res.status().is_client_error());
    }
    let res = call(
        &app,
        Method::POST,
        "/api/v1/merchant/orders/not-a-receipt/resolve",
        Some(&auth),
        Some(offer.clone()),
    )
    .await;
    assert_eq!(code(res).await.1, ErrorCode::BadRequest);
    assert_eq!(audit_rows(&app).await, before, "refusals write nothing");

    // Another of the merchant's works, in stock: offered.
    let res = call(&app, Method::POST, &resolve(conflict), Some(&auth), Some(offer)).await;
    assert_eq!(res.status(), 200);
    let order: MerchantOrder = res.json().await.unwrap();
    assert_eq!(order.resolution.and_then(|r| r.item).map(|i| i.get()), Some(103));
}
