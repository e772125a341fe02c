//! Issue 14: refunds. A merchant gives back part of a paid order, then the rest; the rail is
//! asked with the request's key and the ledger and receipt follow. Nobody else can, nothing
//! beyond what was paid can be asked — not even by ten requests at once — a retried request
//! (same Idempotency-Key) refunds once, and a refused request writes nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::settlement::PaymentStatus;
use vitrine_protocol::{ErrorCode, OrderState};
use vitrine_server::domain::settlement::SandboxCard;

use crate::helpers::{spawn_app, TestApp};
use crate::merchants::{audit_rows, bearer, code, merchant};

async fn paid(app: &TestApp, card: &str) -> (String, i64) {
    let device = app.device().await;
    let intent = device.sign(device.intent(&app.quote(201).await, 1, card));
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    let state = if card == SandboxCard::DECLINE { OrderState::Declined } else { OrderState::Paid };
    let order = app.wait_for_state(intent.body.id, state).await;
    (intent.body.id.to_string(), order.total.amount_minor)
}

fn path(order: &str) -> String {
    format!("/api/v1/merchant/orders/{order}/refund")
}

/// A refund request with the merchant's `Idempotency-Key` (none when `key` is `None`).
async fn ask(
    app: &TestApp,
    auth: Option<&str>,
    url: &str,
    body: Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.post(app.url(url)).json(&body);
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    req.send().await.unwrap()
}

fn fresh_key() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn refunds(app: &TestApp, order: &str) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT amount_minor, state FROM refunds WHERE order_id = ? ORDER BY n")
        .bind(order)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

fn balance(all: &[(String, String, [i64; 4])], code: &str) -> [i64; 4] {
    all.iter().find(|(c, _, _)| c == code).map_or([0; 4], |(_, _, b)| *b)
}

#[tokio::test]
async fn part_then_the_rest_is_given_back_through_the_rail_and_the_ledger() {
    let app = spawn_app().await;
    let token = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let (order, price) = paid(&app, SandboxCard::APPROVE).await;
    let res =
        ask(&app, Some(&token), &path(&order), json!({"amount_minor": 1000}), Some(&fresh_key()))
            .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    app.wait_until("the rail to approve it", || async {
        refunds(&app, &order).await == [(1000, "approved".to_owned())]
    })
    .await;
    let id = order.parse().unwrap();
    let settlement = app.order(id).await.settlement.unwrap();
    assert_eq!(settlement.payment, PaymentStatus::PartlyRefunded);
    let all = app.balances().await;
    assert_eq!(balance(&all, "merchant"), [0, 1000, 0, price]);
    assert_eq!(balance(&all, "refunds"), [0, 0, 0, 1000]);
    // All that is left.
    let res = ask(&app, Some(&token), &path(&order), json!({}), Some(&fresh_key())).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    app.wait_until("the rest to be approved", || async {
        refunds(&app, &order).await.iter().filter(|(_, s)| s == "approved").count() == 2
    })
    .await;
    let seen = app.order(id).await;
    let settlement = seen.settlement.unwrap();
    assert_eq!(settlement.payment, PaymentStatus::Refunded);
    assert!(settlement.payment_text(seen.total).contains("refunded to your card"));
    assert_eq!(balance(&app.balances().await, "merchant"), [0, price, 0, price]);
    // Nothing is left to give back.
    let res = ask(&app, Some(&token), &path(&order), json!({}), Some(&fresh_key())).await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields));
}

#[tokio::test]
async fn ten_requests_at_once_for_everything_give_it_back_once() {
    let app = spawn_app().await;
    let token = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let (order, price) = paid(&app, SandboxCard::APPROVE).await;
    let url = path(&order);
    let answers = futures::future::join_all(
        (0..10)
            .map(|_| async { ask(&app, Some(&token), &url, json!({}), Some(&fresh_key())).await }),
    )
    .await;
    let accepted = answers.iter().filter(|r| r.status() == StatusCode::ACCEPTED).count();
    assert_eq!(accepted, 1);
    assert!(answers
        .iter()
        .all(|r| r.status() == StatusCode::ACCEPTED
            || r.status() == StatusCode::UNPROCESSABLE_ENTITY));
    app.wait_until("the refund", || async {
        refunds(&app, &order).await == [(price, "approved".to_owned())]
    })
    .await;
    assert_eq!(balance(&app.balances().await, "refunds"), [0, 0, 0, price]);
}

#[tokio::test]
async fn nobody_else_refunds_and_a_refused_request_writes_nothing() {
    let app = spawn_app().await;
    let token = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let catalog = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Orders]).await);
    let (order, price) = paid(&app, SandboxCard::APPROVE).await;
    let (declined, _) = paid(&app, SandboxCard::DECLINE).await;
    let some = json!({"amount_minor": 100});
    let unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    let before = (audit_rows(&app).await, app.ledger_snapshot().await);
    for (case, auth, url, body, expected) in [
        (
            "no token",
            None,
            path(&order),
            some.clone(),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        ),
        (
            "a forged token",
            Some("Bearer vtm_forged"),
            path(&order),
            some.clone(),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        ),
        (
            "another scope",
            Some(catalog.as_str()),
            path(&order),
            some.clone(),
            (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
        ),
        (
            "another merchant's order",
            Some(rival.as_str()),
            path(&order),
            some.clone(),
            (StatusCode::NOT_FOUND, ErrorCode::NotFound),
        ),
        (
            "no such order",
            Some(token.as_str()),
            path(unknown),
            some.clone(),
            (StatusCode::NOT_FOUND, ErrorCode::NotFound),
        ),
        (
            "not an order id",
            Some(token.as_str()),
            path("nope"),
            some.clone(),
            (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        ),
        (
            "nothing",
            Some(token.as_str()),
            path(&order),
            json!({"amount_minor": 0}),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "less than nothing",
            Some(token.as_str()),
            path(&order),
            json!({"amount_minor": -5}),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "more than was paid",
            Some(token.as_str()),
            path(&order),
            json!({"amount_minor": price + 1}),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            "an unknown field",
            Some(token.as_str()),
            path(&order),
            json!({"amount_minor": 1, "to": "me"}),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "a declined order",
            Some(token.as_str()),
            path(&declined),
            some.clone(),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
    ] {
        let res = ask(&app, auth, &url, body, Some(&fresh_key())).await;
        assert_eq!(code(res).await, expected, "{case}");
        assert_eq!((audit_rows(&app).await, app.ledger_snapshot().await), before, "{case}");
    }
    let long = "k".repeat(256);
    for (case, key, expected) in [
        ("no Idempotency-Key", None, (StatusCode::BAD_REQUEST, ErrorCode::IdempotencyKeyMissing)),
        ("an empty key", Some(""), (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)),
        (
            "a key of 256 characters",
            Some(long.as_str()),
            (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        ),
        ("a key with a space", Some("a b"), (StatusCode::BAD_REQUEST, ErrorCode::BadRequest)),
    ] {
        let res = ask(&app, Some(&token), &path(&order), some.clone(), key).await;
        assert_eq!(code(res).await, expected, "{case}");
        assert_eq!((audit_rows(&app).await, app.ledger_snapshot().await), before, "{case}");
    }
    assert!(refunds(&app, &order).await.is_empty());
}

#[tokio::test]
async fn a_retried_request_refunds_once_and_its_key_buys_nothing_else() {
    let app = spawn_app().await;
    let token = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Orders]).await);
    let (order, _) = paid(&app, SandboxCard::APPROVE).await;
    let (other, _) = paid(&app, SandboxCard::APPROVE).await;
    let key = fresh_key();
    let url = path(&order);
    let first = ask(&app, Some(&token), &url, json!({"amount_minor": 1000}), Some(&key)).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    // The answer was lost; the merchant's tool sends it again, before and after the rail decides.
    let again = ask(&app, Some(&token), &url, json!({"amount_minor": 1000}), Some(&key)).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["key"], first["key"]);
    app.wait_until("the rail to approve it", || async {
        refunds(&app, &order).await == [(1000, "approved".to_owned())]
    })
    .await;
    let late = ask(&app, Some(&token), &url, json!({"amount_minor": 1000}), Some(&key)).await;
    assert_eq!(late.status(), StatusCode::ACCEPTED);
    let late: Value = late.json().await.unwrap();
    assert_eq!(
        (late["key"].clone(), late["state"].clone()),
        (first["key"].clone(), json!("approved"))
    );
    // Ten retries at once: still the one refund.
    let answers = futures::future::join_all(
        (0..10).map(|_| ask(&app, Some(&token), &url, json!({"amount_minor": 1000}), Some(&key))),
    )
    .await;
    assert!(answers.iter().all(|r| r.status() == StatusCode::ACCEPTED));
    // The same key for something else is refused, and writes nothing.
    let before = (audit_rows(&app).await, app.ledger_snapshot().await);
    for (case, url, body) in [
        ("another amount", path(&order), json!({"amount_minor": 2000})),
        ("all that is left", path(&order), json!({})),
        ("another order", path(&other), json!({"amount_minor": 1000})),
    ] {
        let res = ask(&app, Some(&token), &url, body, Some(&key)).await;
        assert_eq!(
            code(res).await,
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::IdempotencyMismatch),
            "{case}"
        );
        assert_eq!((audit_rows(&app).await, app.ledger_snapshot().await), before, "{case}");
    }
    // Keys are the merchant's own: another merchant's same key finds nothing of this one's.
    let res = ask(&app, Some(&rival), &url, json!({"amount_minor": 1000}), Some(&key)).await;
    assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    assert_eq!(refunds(&app, &order).await, [(1000, "approved".to_owned())]);
    assert!(refunds(&app, &other).await.is_empty());
}
