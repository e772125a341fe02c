//! Escrow and settlement: held stock becomes paid, or comes back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use vitrine_protocol::{Order, OrderState, SuggestedAction, UnixMillis};
use vitrine_server::domain::keys::Policy;
use vitrine_server::domain::settlement::{
    Charge, Outcome, RailError, Rails, SandboxCard, SettlementRail,
};

use crate::card_faults::{CardFault, Faulty};
use crate::helpers::{spawn_app, spawn_app_with, spawn_app_with_rails, spawn_app_with_rails_and};

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
    // It was resolved once: the pending charge was voided at the rail, so a late approval
    // cannot resurrect it.
    app.wait_until("the charge to be voided at the rail", || async {
        let voided: Option<String> = sqlx::query_scalar(
            "SELECT outcome FROM settlement_attempts WHERE order_id = ? AND kind = 'charge'",
        )
        .bind(intent.body.id.to_string())
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .flatten();
        voided.as_deref() == Some("voided")
    })
    .await;
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

/// A rail that charges through the sandbox, then loses the answer once: from our side it is
/// exactly a crash between the rail's charge and our record (the attempt was written before
/// the call and is still open).
struct LosesFirstAnswer {
    inner: Arc<SandboxCard>,
    lost: AtomicBool,
}

#[async_trait::async_trait]
impl CardFault for LosesFirstAnswer {
    fn card(&self) -> &SandboxCard {
        &self.inner
    }

    async fn capture(&self, key: &str, now: UnixMillis) -> Result<Outcome, RailError> {
        let outcome = self.inner.capture(key, now).await?;
        if !self.lost.swap(true, Ordering::SeqCst) {
            return Err(RailError("connection reset after the charge".into()));
        }
        Ok(outcome)
    }
}

#[tokio::test]
async fn a_charge_whose_answer_was_lost_is_retried_with_its_key_and_charged_once() {
    let sandbox = Arc::new(SandboxCard::default());
    let rail = LosesFirstAnswer { inner: sandbox.clone(), lost: AtomicBool::new(false) };
    let app = spawn_app_with_rails(Rails::default().with(Faulty(rail))).await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    let key = format!("{}/charge", intent.body.id);
    // Authorize and capture, then both again with the same key.
    assert_eq!(sandbox.calls(&key), 4, "asked again, with the same key");
    assert_eq!(sandbox.charges(), 1, "charged once");
    let attempts: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT key, outcome FROM settlement_attempts WHERE order_id = ?")
            .bind(intent.body.id.to_string())
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(attempts, [(key, Some("approved".to_owned()))]);
}

#[tokio::test]
async fn an_expired_hold_is_voided_at_the_rail_so_nothing_stays_taken() {
    let sandbox = Arc::new(SandboxCard::default());
    let policy = Policy { escrow_ttl: Duration::from_millis(500), ..Policy::default() };
    let app = spawn_app_with_rails_and(Rails::default().with_shared(sandbox.clone()), policy).await;
    let device = app.device().await;
    let intent =
        device.sign(device.intent(&app.quote(201).await, 1, SandboxCard::APPROVE_AFTER_DELAY));
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Expired).await;
    let key = format!("{}/charge", intent.body.id);
    app.wait_until("the void to be confirmed", || async {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM settlement_attempts WHERE kind = 'void' AND finished_at IS NOT NULL",
        )
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
        open == 1
    })
    .await;
    // Even asked after its delay, the voided charge takes nothing.
    let late = Charge {
        order: intent.body.id,
        key: key.clone(),
        amount: intent.body.total().unwrap(),
        token: SandboxCard::APPROVE_AFTER_DELAY.into(),
        accepted_at: UnixMillis(0),
    };
    assert!(matches!(
        sandbox.authorize(&late, UnixMillis(i64::MAX / 2)).await,
        Ok(Outcome::Declined { .. })
    ));
    assert_eq!(sandbox.charges(), 0);
    assert_eq!(app.order(intent.body.id).await.state, OrderState::Expired);
}

#[tokio::test]
async fn one_poisoned_hold_goes_to_review_and_the_others_keep_flowing() {
    let app = spawn_app().await;
    // A held row the settler cannot read (its id is no intent id).
    sqlx::query(
        "INSERT INTO orders (id, request_hash, device_key, item_id, quantity, amount_minor,
            currency, rail, payment_token, device_time, state, hold_expires_at, next_settle_at,
            response_status, response_body, created_at, updated_at)
         VALUES ('poison', zeroblob(32), zeroblob(32), 202, 1, 100, 'EUR', 'sandbox-card',
            '4242424242424242', 0, 'held', 9000000000000, 0, 201, '{}', 0, 0)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    let code: Option<String> =
        sqlx::query_scalar("SELECT review_code FROM orders WHERE id = 'poison'")
            .fetch_all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
    assert_eq!(code.as_deref(), Some("unreadable_order"));
}

#[tokio::test]
async fn an_order_whose_payment_cannot_be_recorded_does_not_hold_back_the_others() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let (stuck, fine) = (device.buy(&quote, 1), device.buy(&quote, 1));
    // Recording `stuck` as paid fails inside the settler's batch transaction.
    sqlx::query(&format!(
        "CREATE TRIGGER refuse_one BEFORE UPDATE OF state ON orders
         WHEN NEW.id = '{}' AND NEW.state = 'paid' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
        stuck.body.id
    ))
    .execute(&app.db)
    .await
    .unwrap();
    // Sent together, so the writer commits them in one batch and one settler pass takes both.
    let (a, b) = tokio::join!(app.post_intent(&stuck), app.post_intent(&fine));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (201, 201));
    app.wait_for_state(fine.body.id, OrderState::Paid).await;
    assert_eq!(app.order(stuck.body.id).await.state, OrderState::Held);
    let captures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE kind = 'capture' AND order_id = ?")
            .bind(stuck.body.id.to_string())
            .fetch_all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
    assert_eq!(captures, 0, "nothing recorded for the order that failed");
}

/// A rail whose calls panic while `broken` is set: a settler bug, from the outside.
struct PanicsWhileBroken {
    inner: SandboxCard,
    broken: Arc<AtomicBool>,
}

#[async_trait::async_trait]
impl CardFault for PanicsWhileBroken {
    fn card(&self) -> &SandboxCard {
        &self.inner
    }

    async fn authorize(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError> {
        assert!(!self.broken.load(Ordering::SeqCst), "injected settler panic");
        self.inner.authorize(charge, now).await
    }
}

#[tokio::test]
async fn healthz_says_503_while_the_settler_is_down_and_200_once_it_is_back() {
    let broken = Arc::new(AtomicBool::new(true));
    let rail = PanicsWhileBroken { inner: SandboxCard::default(), broken: broken.clone() };
    let app = spawn_app_with_rails(Rails::default().with(Faulty(rail))).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    // Each pass dies on this order; the supervisor restarts the settler, which dies again.
    app.wait_until("healthz reports the settler down", || async {
        let res = app.get("/healthz").await;
        res.status() == 503 && res.text().await.unwrap_or_default().contains("settler_down")
    })
    .await;
    broken.store(false, Ordering::SeqCst);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    app.wait_until("healthz is back to 200", || async {
        app.get("/healthz").await.status() == 200
    })
    .await;
}
