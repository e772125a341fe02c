//! A priced claim whose card is declined, or whose hold expires, gives its voucher back, and
//! the device tries again with another card as a new attempt (`SignedVoucher::attempt_id`):
//! a collector who paid nothing does not lose the code they were handed. The abuse cases: an
//! attempt while the voucher is held or paid, one past the last, an attempt number that does
//! not make the claim's id, and the database refusing to give back a voucher whose order was
//! paid.

use std::time::Duration;

use reqwest::StatusCode;
use vitrine_protocol::claims::{Claim, SignedVoucher, MAX_CLAIM_ATTEMPTS};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{sandbox, ApiError, ErrorCode, OrderState, Payment};

use crate::claim_requests::{batch, claim, claimed_vouchers, post, WORK};
use vitrine_server::domain::keys::Policy;

use crate::helpers::{spawn_app, spawn_app_with, Device, TestApp};

/// The device's `attempt`-th claim of `voucher`, paid with the sandbox `card`.
fn attempt(device: &Device, voucher: SignedVoucher, attempt: u8, card: &str) -> Signed<Claim> {
    let mut body = claim(device, voucher).body;
    body.attempt = attempt;
    body.id = voucher.attempt_id(&device.key.public(), attempt);
    body.payment = Payment { rail: sandbox::CARD_RAIL.into(), token: card.into() };
    Signed::sign(body, &device.key)
}

async fn refused(app: &TestApp, claim: &Signed<Claim>) -> (StatusCode, ErrorCode) {
    let res = post(app, claim).await;
    let status = res.status();
    let e: ApiError = res.json().await.unwrap();
    (status, e.code)
}

async fn releases(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT order_id FROM voucher_releases ORDER BY released_at")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_declined_card_gives_the_voucher_back_and_the_next_attempt_pays_for_it() {
    let app = spawn_app().await;
    let b = batch(&app, 1, 500, 86_400_000, 1).await;
    let device = app.device().await;
    let stock = app.stock(WORK).await;

    let declined = attempt(&device, b.vouchers[0], 0, sandbox::DECLINE);
    assert_eq!(declined.body.id, b.vouchers[0].intent_id(&device.key.public()));
    assert_eq!(post(&app, &declined).await.status(), StatusCode::CREATED);
    app.wait_for_state(declined.body.id, OrderState::Declined).await;
    assert_eq!(app.stock(WORK).await, stock);
    assert_eq!(claimed_vouchers(&app).await, 0, "the voucher is claimable again");
    assert_eq!(releases(&app).await, [declined.body.id.to_string()]);

    // The declined attempt replayed (its outbox entry sent again) is the same declined order.
    let res = post(&app, &declined).await;
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(app.order(declined.body.id).await.state, OrderState::Declined);

    let paid = attempt(&device, b.vouchers[0], 1, sandbox::APPROVE);
    assert_ne!(paid.body.id, declined.body.id);
    assert_eq!(post(&app, &paid).await.status(), StatusCode::CREATED);
    let order = app.wait_for_state(paid.body.id, OrderState::Paid).await;
    assert_eq!(order.total.amount_minor, 500);
    assert_eq!(app.stock(WORK).await, stock - 1);
    assert_eq!(claimed_vouchers(&app).await, 1);

    // Paid for: no further attempt, from this device or another, takes it again.
    let snapshot = app.ledger_snapshot().await;
    let third = attempt(&device, b.vouchers[0], 2, sandbox::APPROVE);
    let (status, code) = refused(&app, &third).await;
    assert_eq!((status, code), (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::AlreadyClaimed));
    let other = app.device().await;
    let (_, code) = refused(&app, &attempt(&other, b.vouchers[0], 0, sandbox::APPROVE)).await;
    assert_eq!(code, ErrorCode::AlreadyClaimed);
    assert_eq!(app.ledger_snapshot().await, snapshot);
    assert_eq!(releases(&app).await.len(), 1);
}

#[tokio::test]
async fn a_held_voucher_is_not_given_back_and_a_declined_one_goes_to_whoever_asks_next() {
    let app = spawn_app().await;
    let b = batch(&app, 2, 500, 86_400_000, 1).await;
    // One claim a person (the batch's limit): each phone here makes its own.
    let (device, other, friend) = (app.device().await, app.device().await, app.device().await);

    // Held (the card answers in two seconds): another attempt meanwhile finds it claimed.
    let pending = attempt(&device, b.vouchers[0], 0, sandbox::APPROVE_AFTER_DELAY);
    assert_eq!(post(&app, &pending).await.status(), StatusCode::CREATED);
    let (_, code) = refused(&app, &attempt(&device, b.vouchers[0], 1, sandbox::APPROVE)).await;
    assert_eq!(code, ErrorCode::AlreadyClaimed);
    app.wait_for_state(pending.body.id, OrderState::Paid).await;
    assert!(releases(&app).await.is_empty());

    // Declined on one phone, the voucher may be claimed from another (a friend's card).
    let declined = attempt(&other, b.vouchers[1], 0, sandbox::DECLINE);
    assert_eq!(post(&app, &declined).await.status(), StatusCode::CREATED);
    app.wait_for_state(declined.body.id, OrderState::Declined).await;
    let theirs = attempt(&friend, b.vouchers[1], 0, sandbox::APPROVE);
    assert_eq!(post(&app, &theirs).await.status(), StatusCode::CREATED);
    app.wait_for_state(theirs.body.id, OrderState::Paid).await;
    assert_eq!(claimed_vouchers(&app).await, 2);
}

#[tokio::test]
async fn a_hold_that_expires_before_the_card_answers_gives_the_voucher_back() {
    let policy = Policy { escrow_ttl: Duration::from_millis(500), ..Policy::default() };
    let app = spawn_app_with(policy).await;
    let b = batch(&app, 1, 500, 86_400_000, 1).await;
    let device = app.device().await;
    // The card answers after 2 s; the hold lasts 0.5 s.
    let slow = attempt(&device, b.vouchers[0], 0, sandbox::APPROVE_AFTER_DELAY);
    assert_eq!(post(&app, &slow).await.status(), StatusCode::CREATED);
    app.wait_for_state(slow.body.id, OrderState::Expired).await;
    // Given back once the pending charge is voided at the rail, never before it.
    app.wait_until("the voucher to be given back", || async { !releases(&app).await.is_empty() })
        .await;
    let voided: Vec<String> = sqlx::query_scalar(
        "SELECT outcome FROM settlement_attempts WHERE order_id = ? AND kind = 'charge'",
    )
    .bind(slow.body.id.to_string())
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(voided, ["voided"]);
    assert_eq!(claimed_vouchers(&app).await, 0);
    assert_eq!(releases(&app).await, [slow.body.id.to_string()]);
}

#[tokio::test]
async fn an_attempt_past_the_last_or_not_making_the_id_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let b = batch(&app, 1, 500, 86_400_000, 1).await;
    let device = app.device().await;
    let snapshot = (app.ledger_snapshot().await, claimed_vouchers(&app).await);

    let past = attempt(&device, b.vouchers[0], MAX_CLAIM_ATTEMPTS + 1, sandbox::APPROVE);
    assert_eq!(refused(&app, &past).await, (StatusCode::BAD_REQUEST, ErrorCode::BadRequest));
    // The attempt number changed after the id was made: signed, but not the id it makes.
    let mut body = attempt(&device, b.vouchers[0], 1, sandbox::APPROVE).body;
    body.attempt = 2;
    let forged = Signed::sign(body, &device.key);
    assert_eq!(refused(&app, &forged).await, (StatusCode::BAD_REQUEST, ErrorCode::BadRequest));
    // And the id of attempt 3 claimed as attempt 0.
    let mut body = attempt(&device, b.vouchers[0], 0, sandbox::APPROVE).body;
    body.id = b.vouchers[0].attempt_id(&device.key.public(), 3);
    let forged = Signed::sign(body, &device.key);
    assert_eq!(refused(&app, &forged).await, (StatusCode::BAD_REQUEST, ErrorCode::BadRequest));

    assert_eq!((app.ledger_snapshot().await, claimed_vouchers(&app).await), snapshot);
    // The last attempt is allowed.
    let last = attempt(&device, b.vouchers[0], MAX_CLAIM_ATTEMPTS, sandbox::APPROVE);
    assert_eq!(post(&app, &last).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_database_gives_back_only_a_voucher_whose_order_ended_unpaid_and_on_record() {
    let app = spawn_app().await;
    let b = batch(&app, 1, 500, 86_400_000, 1).await;
    let device = app.device().await;
    let paid = attempt(&device, b.vouchers[0], 0, sandbox::APPROVE);
    assert_eq!(post(&app, &paid).await.status(), StatusCode::CREATED);
    app.wait_for_state(paid.body.id, OrderState::Paid).await;
    let id = paid.body.id.to_string();
    let clear = "UPDATE vouchers SET order_id = NULL, claimed_at = NULL WHERE order_id = ?";
    // A release is never written for a paid order...
    let e = sqlx::query(
        "INSERT INTO voucher_releases (batch_id, serial, order_id, claimed_at, released_at)
         SELECT batch_id, serial, order_id, claimed_at, 0 FROM vouchers WHERE order_id = ?",
    )
    .bind(&id)
    .execute(&app.db)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("ended without payment"), "{e}");
    // ...and without one, a voucher is not given back.
    let e = sqlx::query(clear).bind(&id).execute(&app.db).await.unwrap_err();
    assert!(e.to_string().contains("a voucher is claimed once"), "{e}");
    // Nor handed from one order to another.
    let e = sqlx::query("UPDATE vouchers SET order_id = 'x' WHERE order_id = ?")
        .bind(&id)
        .execute(&app.db)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("a voucher is claimed once"), "{e}");
    assert_eq!(claimed_vouchers(&app).await, 1);
}

#[tokio::test]
async fn a_release_on_record_is_never_changed_or_deleted() {
    let app = spawn_app().await;
    let b = batch(&app, 1, 500, 86_400_000, 1).await;
    let device = app.device().await;
    let declined = attempt(&device, b.vouchers[0], 0, sandbox::DECLINE);
    assert_eq!(post(&app, &declined).await.status(), StatusCode::CREATED);
    app.wait_for_state(declined.body.id, OrderState::Declined).await;
    assert_eq!(releases(&app).await.len(), 1);
    let e = sqlx::query("DELETE FROM voucher_releases").execute(&app.db).await.unwrap_err();
    assert!(e.to_string().contains("never deleted"), "{e}");
    let e = sqlx::query("UPDATE voucher_releases SET released_at = 0")
        .execute(&app.db)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("never changed"), "{e}");
    // Nor written twice for the same claim, now that the voucher is no longer its.
    let e = sqlx::query(
        "INSERT INTO voucher_releases (batch_id, serial, order_id, claimed_at, released_at)
         VALUES (?, 1, ?, 0, 0)",
    )
    .bind(b.batch.id)
    .bind(declined.body.id.to_string())
    .execute(&app.db)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("ended without payment"), "{e}");
}
