//! Escrow and settlement: held stock becomes paid, or comes back.

use std::time::Duration;

use vitrine_protocol::{Order, OrderState, SuggestedAction};
use vitrine_server::domain::keys::Policy;
use vitrine_server::domain::settlement::SandboxCard;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn approved_cards_pay_and_keep_the_stock_taken() {
    let app = spawn_app().await;
    let device = app.device().await;
    let before = app.stock(201).await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    let order = app.wait_for_state(intent.body.id, OrderState::Paid).await;
    assert_eq!(order.hold_expires_at, None);
    assert_eq!(app.stock(201).await, before - 1);
}

#[tokio::test]
async fn declined_cards_release_the_stock_and_say_why() {
    let app = spawn_app().await;
    let device = app.device().await;
    let before = app.stock(201).await;
    let intent = device.sign(device.intent(&app.quote(201).await, 1, SandboxCard::DECLINE));
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    let order = app.wait_for_state(intent.body.id, OrderState::Declined).await;
    assert_eq!(order.reason.as_deref(), Some("the card was declined"));
    assert_eq!(app.stock(201).await, before);
}

#[tokio::test]
async fn slow_approvals_stay_held_then_pay() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent =
        device.sign(device.intent(&app.quote(201).await, 1, SandboxCard::APPROVE_AFTER_DELAY));
    let first: Order = app.post_intent(&intent).await.json().await.unwrap();
    assert_eq!(first.state, OrderState::Held);
    assert_eq!(app.order(intent.body.id).await.state, OrderState::Held, "still pending at once");
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
}

#[tokio::test]
async fn an_expired_hold_releases_its_stock() {
    let policy = Policy { escrow_ttl: Duration::from_millis(500), ..Policy::default() };
    let app = spawn_app_with(policy).await;
    let device = app.device().await;
    let before = app.stock(201).await;
    // Settles after 2 s; the hold only lasts 0.5 s.
    let intent =
        device.sign(device.intent(&app.quote(201).await, 1, SandboxCard::APPROVE_AFTER_DELAY));
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    assert_eq!(app.stock(201).await, before - 1);
    let order = app.wait_for_state(intent.body.id, OrderState::Expired).await;
    assert!(order.reason.unwrap().contains("Nothing was charged"));
    assert_eq!(app.stock(201).await, before);
    // It was resolved once: the late approval does not resurrect it.
    tokio::time::sleep(SandboxCard::DELAY).await;
    assert_eq!(app.order(intent.body.id).await.state, OrderState::Expired);
}

#[tokio::test]
async fn a_sold_out_item_becomes_a_conflict_with_choices() {
    let app = spawn_app().await;
    let device = app.device().await;
    app.set_stock(201, 0).await;
    let intent = device.buy(&app.quote(201).await, 1);
    let res = app.post_intent(&intent).await;
    assert_eq!(res.status(), 201, "a final answer: the intent leaves the outbox");
    let order: Order = res.json().await.unwrap();
    assert_eq!(order.state, OrderState::Conflict);
    assert!(order.reason.unwrap().contains("Nothing was charged"));
    assert_eq!(order.suggested_actions[0], SuggestedAction::NothingCharged);
    assert!(order
        .suggested_actions
        .iter()
        .any(|a| matches!(a, SuggestedAction::SimilarItem { .. })));
    assert!(order.suggested_actions.contains(&SuggestedAction::JoinWaitlist));
    assert_eq!(app.stock(201).await, 0);
}

#[tokio::test]
async fn a_quote_is_honoured_after_the_price_changes() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    sqlx::query("UPDATE items SET price_minor = price_minor * 2 WHERE id = 201")
        .execute(&app.db)
        .await
        .unwrap();
    let intent = device.buy(&quote, 1);
    let order: Order = app.post_intent(&intent).await.json().await.unwrap();
    assert_eq!(order.total, quote.body.price);
}
