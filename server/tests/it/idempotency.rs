//! The idempotency matrix, and exactly-once under concurrency.

use futures::future::join_all;
use vitrine_protocol::{ApiError, ErrorCode, Order, OrderState};
use vitrine_server::REPLAYED;

use crate::helpers::spawn_app;

#[tokio::test]
async fn first_request_creates_the_order_and_holds_stock() {
    let app = spawn_app().await;
    let device = app.device().await;
    let before = app.stock(201).await;
    let intent = device.buy(&app.quote(201).await, 1);
    let res = app.post_intent(&intent).await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get(REPLAYED).is_none());
    assert_eq!(res.headers()["location"], format!("/api/v1/orders/{}", intent.body.id));
    let order: Order = res.json().await.unwrap();
    assert_eq!(order.state, OrderState::Held);
    assert_eq!(order.total, intent.body.total().unwrap());
    assert!(order.hold_expires_at.is_some());
    assert_eq!(app.stock(201).await, before - 1);
}

#[tokio::test]
async fn same_key_same_body_replays_the_stored_answer() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    let first = app.post_intent(&intent).await;
    let (status, body) = (first.status(), first.text().await.unwrap());
    // Settlement appends its own ledger row; compare once it is done.
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    let snapshot = app.ledger_snapshot().await;
    for _ in 0..3 {
        let again = app.post_intent(&intent).await;
        assert_eq!(again.status(), status);
        assert_eq!(again.headers()[REPLAYED], "true");
        assert_eq!(again.text().await.unwrap(), body, "the first answer, byte for byte");
    }
    assert_eq!(app.ledger_snapshot().await, snapshot, "retries change nothing");
}

#[tokio::test]
async fn same_key_different_body_is_422_idempotency_mismatch() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let intent = device.buy(&quote, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    let snapshot = app.ledger_snapshot().await;
    let mut changed = intent.body.clone();
    changed.quantity = 2;
    let res = app.post_intent(&device.sign(changed)).await;
    assert_eq!(res.status(), 422);
    let error: ApiError = res.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::IdempotencyMismatch);
    assert_eq!(app.ledger_snapshot().await, snapshot);
}

#[tokio::test]
async fn missing_or_mismatched_keys_are_400() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let intent = device.buy(&quote, 1);
    let other = device.buy(&quote, 1);
    let body = serde_json::to_string(&intent).unwrap();
    let snapshot = app.ledger_snapshot().await;
    let upper = intent.body.id.to_string().to_uppercase();
    let cases = [
        (None, ErrorCode::IdempotencyKeyMissing),
        (Some(other.body.id.to_string()), ErrorCode::IdempotencyKeyMismatch),
        (Some("not-a-uuid".to_owned()), ErrorCode::IdempotencyKeyMismatch),
        (Some(upper), ErrorCode::IdempotencyKeyMismatch),
    ];
    for (key, code) in cases {
        let res = app.post_raw(&body, key.as_deref()).await;
        assert_eq!(res.status(), 400, "{key:?}");
        assert_eq!(res.json::<ApiError>().await.unwrap().code, code, "{key:?}");
    }
    assert_eq!(app.ledger_snapshot().await, snapshot);
}

#[tokio::test]
async fn same_key_while_the_first_is_being_written_is_409_in_progress() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    // Hold SQLite's write lock, so whichever copy reaches the writer first waits there.
    let mut blocker = app.db.begin_with("BEGIN IMMEDIATE").await.unwrap();
    sqlx::query("UPDATE items SET title = title WHERE id = 201")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let a = Box::pin(app.post_intent(&intent));
    let b = Box::pin(app.post_intent(&intent));
    let (early, late) = match futures::future::select(a, b).await {
        futures::future::Either::Left((res, other)) => (res, other),
        futures::future::Either::Right((res, other)) => (res, other),
    };
    assert_eq!(early.status(), 409, "the second copy is told to wait, not queued behind the first");
    assert_eq!(early.headers()["retry-after"], "1");
    assert_eq!(early.json::<ApiError>().await.unwrap().code, ErrorCode::InProgress);
    blocker.commit().await.unwrap();
    let late = late.await;
    assert_eq!(late.status(), 201);
    assert!(late.headers().get(REPLAYED).is_none(), "the first copy created the order");
    let retry = app.post_intent(&intent).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()[REPLAYED], "true");
}

#[tokio::test]
async fn fifty_parallel_requests_with_one_key_make_one_order() {
    let app = spawn_app().await;
    let device = app.device().await;
    let before = app.stock(201).await;
    let intent = device.buy(&app.quote(201).await, 1);
    let responses = join_all((0..50).map(|_| app.post_intent(&intent))).await;
    let mut fresh = 0;
    for res in responses {
        match res.status().as_u16() {
            201 if res.headers().get(REPLAYED).is_none() => fresh += 1,
            201 | 409 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one request created the order");
    let (orders, _, _, _) = app.ledger_snapshot().await;
    assert_eq!(orders, 1);
    assert_eq!(app.stock(201).await, before - 1);
}

#[tokio::test]
async fn two_hundred_buyers_racing_for_twenty_editions() {
    let app = spawn_app().await;
    app.set_stock(202, 20).await;
    let quote = app.quote(202).await;
    let devices = join_all((0..200).map(|_| app.device())).await;
    let intents: Vec<_> = devices.iter().map(|d| d.buy(&quote, 1)).collect();
    let responses = join_all(intents.iter().map(|i| app.post_intent(i))).await;
    let mut held = 0;
    let mut conflicts = 0;
    for res in responses {
        assert_eq!(res.status(), 201);
        let order: Order = res.json().await.unwrap();
        match order.state {
            OrderState::Held => held += 1,
            OrderState::Conflict => conflicts += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((held, conflicts), (20, 180));
    assert_eq!(app.stock(202).await, 0);
}
