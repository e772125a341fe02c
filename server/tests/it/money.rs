//! Issue 14: the money ledger. Paid orders move money from the rail's buyer funds to their
//! merchant in two phases; an authorization whose hold runs out is voided; and the schema
//! itself refuses every edit, double resolution, mixed currency or balance a merchant would owe.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use vitrine_protocol::{OrderState, UnixMillis};
use vitrine_server::domain::keys::Policy;
use vitrine_server::domain::settlement::{Outcome, RailError, Rails, SandboxCard, SettlementRail};

use crate::card_faults::{CardFault, Faulty};
use crate::helpers::{spawn_app, spawn_app_with_rails_and, TestApp};

/// The transfers of one order: (id, kind, amount).
async fn transfers(app: &TestApp, order: &str) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT id, kind, amount FROM transfers WHERE order_id = ? ORDER BY seq")
        .bind(order)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

fn balance<'a>(all: &'a [(String, String, [i64; 4])], code: &str) -> Option<&'a [i64; 4]> {
    all.iter().find(|(c, _, _)| c == code).map(|(_, _, b)| b)
}

#[tokio::test]
async fn paid_orders_post_their_sale_to_the_merchant_and_the_books_balance() {
    let app = spawn_app().await;
    let quote = app.quote(201).await;
    let price = quote.body.price.amount_minor;
    let mut intents = Vec::new();
    // One device each: a device's offline limit would turn a dozen into conflicts.
    for _ in 0..12 {
        intents.push(app.device().await.buy(&quote, 1));
    }
    let sent = futures::future::join_all(intents.iter().map(|i| app.post_intent(i))).await;
    assert!(sent.iter().all(|r| r.status() == 201));
    for intent in &intents {
        app.wait_for_state(intent.body.id, OrderState::Paid).await;
    }
    let id = intents[0].body.id.to_string();
    assert_eq!(
        transfers(&app, &id).await,
        [
            (format!("{id}/sale"), "pending".into(), price),
            (format!("{id}/sale/post"), "post".into(), price)
        ]
    );
    let all = app.balances().await;
    let total = price * 12;
    assert_eq!(balance(&all, "merchant"), Some(&[0, 0, 0, total]));
    assert_eq!(balance(&all, "buyer_funds"), Some(&[0, total, 0, 0]));
    let (debits, credits) = all.iter().fold((0, 0), |(d, c), (_, _, b)| (d + b[1], c + b[3]));
    assert_eq!(debits, credits, "double entry");
}

#[tokio::test]
async fn declined_and_free_orders_move_no_money() {
    let app = spawn_app().await;
    let device = app.device().await;
    let declined = device.sign(device.intent(&app.quote(201).await, 1, SandboxCard::DECLINE));
    assert_eq!(app.post_intent(&declined).await.status(), 201);
    app.wait_for_state(declined.body.id, OrderState::Declined).await;
    assert!(transfers(&app, &declined.body.id.to_string()).await.is_empty());
    assert!(app.balances().await.is_empty());
}

/// Authorizes through the sandbox; captures only once `open` is set.
struct CapturesWhenOpen {
    inner: SandboxCard,
    open: AtomicBool,
}

#[async_trait::async_trait]
impl CardFault for CapturesWhenOpen {
    fn card(&self) -> &SandboxCard {
        &self.inner
    }

    async fn capture(&self, key: &str, now: UnixMillis) -> Result<Outcome, RailError> {
        if !self.open.load(Ordering::SeqCst) {
            return Ok(Outcome::Pending { retry_after: Duration::from_millis(100) });
        }
        self.inner.capture(key, now).await
    }
}

#[tokio::test]
async fn an_authorization_is_a_pending_sale_voided_when_its_hold_runs_out() {
    let rail =
        Arc::new(Faulty(CapturesWhenOpen { inner: SandboxCard::default(), open: false.into() }));
    let policy = Policy { escrow_ttl: Duration::from_millis(1_500), ..Policy::default() };
    let app = spawn_app_with_rails_and(Rails::default().with_shared(rail.clone()), policy).await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    let id = intent.body.id.to_string();
    app.wait_until("the sale to be reserved", || async { !transfers(&app, &id).await.is_empty() })
        .await;
    let price = app.quote(201).await.body.price.amount_minor;
    // Reserved, not posted: the merchant's credit is pending; the pending transfer's timeout
    // is the order's hold.
    assert_eq!(balance(&app.balances().await, "merchant"), Some(&[0, 0, price, 0]));
    let timeout: Option<i64> = sqlx::query_scalar("SELECT timeout_at FROM transfers WHERE id = ?")
        .bind(format!("{id}/sale"))
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert!(timeout.is_some());
    app.wait_for_state(intent.body.id, OrderState::Expired).await;
    assert_eq!(
        transfers(&app, &id).await,
        [
            (format!("{id}/sale"), "pending".into(), price),
            (format!("{id}/sale/void"), "void".into(), price)
        ]
    );
    assert_eq!(balance(&app.balances().await, "merchant"), Some(&[0, 0, 0, 0]));
    // The authorization is voided at the rail too, which can then no longer capture it.
    app.wait_until("the rail to void the authorization", || async { rail.0.inner.charges() == 0 })
        .await;
    rail.0.open.store(true, Ordering::SeqCst);
    let late = rail.capture(&format!("{id}/charge"), UnixMillis(0)).await.unwrap();
    assert!(matches!(late, Outcome::Declined { .. }));
}

/// Runs the statements of `sql` in one transaction, rolled back, and says whether the
/// database refused one of them.
async fn refused(app: &TestApp, sql: &str) -> bool {
    let mut tx = app.db.begin().await.unwrap();
    for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
        if sqlx::query(statement).execute(&mut *tx).await.is_err() {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn the_schema_refuses_edits_double_resolution_mixed_currencies_and_owing_merchants() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    let id = intent.body.id;
    let before = (app.ledger_snapshot().await, app.balances().await);
    let cases = [
        ("an edited transfer", format!("UPDATE transfers SET amount = 1 WHERE id = '{id}/sale'")),
        ("a deleted transfer", format!("DELETE FROM transfers WHERE id = '{id}/sale/post'")),
        ("an edited balance's identity", "UPDATE accounts SET owner = 'x'".into()),
        ("a deleted account", "DELETE FROM accounts".into()),
        (
            "a second post",
            format!(
                "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, pending_id,
                     code, at)
                 SELECT id || '/again', 'post', debit_account, credit_account, amount, id, code, 0
                 FROM transfers WHERE id = '{id}/sale'"
            ),
        ),
        (
            "a void after the post",
            format!(
                "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, pending_id,
                     code, at)
                 SELECT id || '/void', 'void', debit_account, credit_account, amount, id, code, 0
                 FROM transfers WHERE id = '{id}/sale'"
            ),
        ),
        (
            "a post of more than was pending",
            format!(
                "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, pending_id,
                     code, at)
                 SELECT 'more', 'post', debit_account, credit_account, amount + 1, id, code, 0
                 FROM transfers WHERE id = '{id}/sale'"
            ),
        ),
        (
            "a merchant paying out more than it holds",
            "INSERT INTO accounts (code, owner, currency, must_not_owe) VALUES ('refunds', '', 'EUR', 1);
             INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
             SELECT 'too-much', 'single', m.id, r.id, m.credits_posted + 1, 'refund', 0
             FROM accounts m, accounts r WHERE m.code = 'merchant' AND r.code = 'refunds'"
                .into(),
        ),
        (
            "a transfer between currencies",
            "INSERT INTO accounts (code, owner, currency, must_not_owe) VALUES ('disputes', '', 'USD', 1);
             INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
             SELECT 'fx', 'single', m.id, d.id, 1, 'dispute', 0
             FROM accounts m, accounts d WHERE m.code = 'merchant' AND d.code = 'disputes'"
                .into(),
        ),
        (
            "a negative amount",
            "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
             SELECT 'negative', 'single', b.id, m.id, -5, 'correction', 0
             FROM accounts b, accounts m WHERE b.code = 'buyer_funds' AND m.code = 'merchant'"
                .into(),
        ),
    ];
    for (case, sql) in cases {
        assert!(refused(&app, &sql).await, "{case} was allowed");
        assert_eq!((app.ledger_snapshot().await, app.balances().await), before, "{case}");
    }
    // A correction is a new, reversing transfer, and it is allowed.
    let reverse =
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
         SELECT 'correction-1', 'single', m.id, b.id, 1, 'correction', 0
         FROM accounts b, accounts m WHERE b.code = 'buyer_funds' AND m.code = 'merchant'";
    assert!(!refused(&app, reverse).await);
}
