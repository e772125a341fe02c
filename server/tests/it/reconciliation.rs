//! Issue 14: reconciliation in windows. What the rails report is stored with its verdict; an
//! injected duplicate, wrong amount, missing report, unknown report or dropped mint each raises
//! exactly one item (merged duplicates and re-mints applied, the rest waiting for a person), a
//! clean report raises none, and a window that sees the same thing again invents nothing.

use std::time::Duration;

use vitrine_protocol::OrderState;
use vitrine_server::domain::settlement::{Fault, Sandboxes};

use crate::helpers::{now, spawn_app_with_sandboxes_and, TestApp};

const WINDOW: Duration = Duration::from_millis(200);

async fn paid(app: &TestApp) -> String {
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    intent.body.id.to_string()
}

/// The items as (kind, key, status, applied).
async fn items(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    let all = storage.reconciliation_items(None, 1_000).await.unwrap();
    all.into_iter().map(|i| (i.kind, i.key, i.status, i.applied)).collect()
}

async fn verdicts(app: &TestApp, key: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT kind, verdict FROM attestations WHERE key = ? ORDER BY seq")
        .bind(key)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_clean_report_is_matched_and_raises_nothing() {
    let sandboxes = Sandboxes::new(21);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let order = paid(&app).await;
    let key = format!("{order}/charge");
    app.wait_until("the capture to be reconciled", || async {
        verdicts(&app, &key).await.iter().any(|(kind, _)| kind == "captured")
    })
    .await;
    // A day later the settlement report's line arrives and matches too.
    sandboxes.clock.advance(Duration::from_secs(24 * 3600));
    app.wait_until("the settlement line", || async {
        verdicts(&app, &key).await.iter().any(|(kind, _)| kind == "settled")
    })
    .await;
    let all = verdicts(&app, &key).await;
    assert!(all.iter().all(|(_, verdict)| verdict == "matched"), "{all:?}");
    assert!(items(&app).await.is_empty(), "{:?}", items(&app).await);
}

#[tokio::test]
async fn every_injected_mismatch_is_surfaced_once_and_none_is_invented() {
    let sandboxes = Sandboxes::new(22);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let clean = paid(&app).await;
    sandboxes.card.inject(Fault::Duplicate);
    let duplicated = paid(&app).await;
    sandboxes.card.inject(Fault::Amount(100));
    let overcharged = paid(&app).await;
    sandboxes.card.inject(Fault::Missing);
    let unreported = paid(&app).await;
    let stranger = "01890a5d-ac96-774b-bcce-b302099a8057/charge";
    let amount = app.quote(201).await.body.price;
    sandboxes.card.report_stranger(stranger, amount, now());

    let expected = |order: &str| format!("{order}/charge");
    app.wait_until("four items", || async { items(&app).await.len() >= 4 }).await;
    let mut all = items(&app).await;
    all.sort();
    let mut want = vec![
        ("amount_differs".to_owned(), expected(&overcharged), "open".to_owned(), None),
        (
            "duplicate".to_owned(),
            expected(&duplicated),
            "applied".to_owned(),
            Some("merge_duplicate".to_owned()),
        ),
        ("missing".to_owned(), expected(&unreported), "open".to_owned(), None),
        ("unknown".to_owned(), stranger.to_owned(), "open".to_owned(), None),
    ];
    want.sort();
    assert_eq!(all, want);
    assert!(!all.iter().any(|(_, key, _, _)| key == &expected(&clean)), "none invented");
    // More windows pass: nothing new.
    let cursor = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT seq FROM rail_cursors WHERE rail = 'sandbox-card'")
                .fetch_all(&db)
                .await
                .unwrap()[0]
        }
    };
    let at = cursor(&app).await;
    sandboxes.clock.advance(Duration::from_secs(24 * 3600));
    app.wait_until("the next day's report", || async { cursor(&app).await > at }).await;
    app.wait_until("another window", || async {
        verdicts(&app, &expected(&clean)).await.iter().any(|(kind, _)| kind == "settled")
    })
    .await;
    let after = items(&app).await;
    // The overcharged order's settlement line carries the wrong amount too: one item still.
    assert_eq!(after.len(), 4, "{after:?}");
}

#[tokio::test]
async fn a_dropped_mint_is_reconciled_as_re_minted() {
    let sandboxes = Sandboxes::new(23);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let order = paid(&app).await;
    app.wait_until("the mint to be sequenced", || async {
        let states: Vec<String> = sqlx::query_scalar("SELECT state FROM mints WHERE order_id = ?")
            .bind(&order)
            .fetch_all(&app.db)
            .await
            .unwrap();
        states.iter().any(|s| s == "included")
    })
    .await;
    sandboxes.clock.advance(Duration::from_secs(11));
    assert_eq!(sandboxes.l2.inject_revert(now()).unwrap(), 1);
    let key = format!("{order}/mint/0");
    app.wait_until("the drop to be reconciled", || async {
        items(&app).await.iter().any(|(kind, k, _, _)| kind == "reorged" && k == &key)
    })
    .await;
    let item = items(&app).await.into_iter().find(|(kind, _, _, _)| kind == "reorged").unwrap();
    assert_eq!((item.2.as_str(), item.3.as_deref()), ("applied", Some("re_mint")));
}

#[tokio::test]
async fn a_dispute_days_later_freezes_the_merchants_money_then_charges_it_back() {
    use vitrine_protocol::settlement::PaymentStatus;
    use vitrine_server::domain::settlement::SandboxCard;
    let sandboxes = Sandboxes::new(24);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let device = app.device().await;
    let intent = device.sign(device.intent(&app.quote(201).await, 1, SandboxCard::DISPUTE));
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    let id = intent.body.id;
    let order = app.wait_for_state(id, OrderState::Paid).await;
    let price = order.total.amount_minor;
    let payment = || async { app.order(id).await.settlement.map(|s| s.payment) };
    assert_eq!(payment().await, Some(PaymentStatus::Paid));
    let merchant = || async {
        let all = app.balances().await;
        all.into_iter().find(|(code, _, _)| code == "merchant").map(|(_, _, b)| b)
    };
    // Three days later the buyer disputes it: the merchant's money is frozen, pending.
    sandboxes.clock.advance(Duration::from_secs(3 * 24 * 3600));
    app.wait_until("the dispute to be applied", || async {
        payment().await == Some(PaymentStatus::Disputed)
    })
    .await;
    assert_eq!(merchant().await, Some([price, 0, 0, price]));
    // Ten days after that the dispute is lost: the money is gone to the buyer.
    sandboxes.clock.advance(SandboxCard::DISPUTE_LOST_AFTER);
    app.wait_until("the lost dispute to be applied", || async {
        payment().await == Some(PaymentStatus::ChargedBack)
    })
    .await;
    assert_eq!(merchant().await, Some([0, price, 0, price]));
    let all = app.balances().await;
    let (debits, credits) = all.iter().fold((0, 0), |(d, c), (_, _, b)| (d + b[1], c + b[3]));
    assert_eq!(debits, credits, "double entry");
    let sentence = app.order(id).await.settlement.unwrap().payment_text(order.total);
    assert!(sentence.contains("returned to your card after a dispute"), "{sentence}");
    // Nothing raised: a dispute is a fact the processor reports, not a mismatch.
    assert!(items(&app).await.iter().all(|(kind, _, _, _)| kind == "reorged"));
}

#[tokio::test]
async fn a_merchant_reads_the_items_of_its_own_orders_and_nobody_else_does() {
    use reqwest::{Method, StatusCode};
    use serde_json::Value;
    use vitrine_protocol::merchant::Scope;
    use vitrine_protocol::ErrorCode;

    use crate::merchants::{bearer, call, code, merchant};
    const PATH: &str = "/api/v1/merchant/reconciliation";
    let sandboxes = Sandboxes::new(25);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    let orders_only = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Admin]).await);
    sandboxes.card.inject(Fault::Amount(-1));
    let order = paid(&app).await;
    app.wait_until("the item", || async { !items(&app).await.is_empty() }).await;
    let res = call(&app, Method::GET, PATH, Some(&admin), None).await;
    assert_eq!(res.status(), 200);
    let list: Vec<Value> = res.json().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["kind"], "amount_differs");
    assert_eq!(list[0]["order"], order.as_str());
    assert_eq!(list[0]["suggested"], serde_json::json!(["manual_review"]));
    let theirs: Vec<Value> =
        call(&app, Method::GET, PATH, Some(&rival), None).await.json().await.unwrap();
    assert!(theirs.is_empty(), "another merchant's items do not exist for it");
    let res = call(&app, Method::GET, PATH, Some(&orders_only), None).await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    let res = call(&app, Method::GET, PATH, None, None).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
}

/// Scenario "late finality": the rollup's batcher is down, so a paid order's mint stays
/// unfinal past the chain's finality. One item is raised, suggesting to wait; the receipt
/// says confirming, the ledger keeps the sale; when the batcher is back and the mint is final,
/// the item closes itself (waiting did it) and is audited.
#[tokio::test]
async fn a_mint_late_to_finality_is_raised_once_then_closed_when_it_is_final() {
    use reqwest::Method;
    use serde_json::Value;
    use vitrine_protocol::merchant::Scope;
    use vitrine_protocol::settlement::{MintStage, PaymentStatus};

    use crate::merchants::{audit_rows, bearer, call, merchant};
    let sandboxes = Sandboxes::new(26);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    // Down for an hour from now: the batch holding the coming mint goes up an hour late.
    let halt = json_post(&app, &admin, "/api/v1/merchant/sandbox/halt", 3_600).await;
    assert_eq!(halt, 200);
    let order = paid(&app).await;
    let id = order.parse().unwrap();
    let stage = || async { app.order(id).await.settlement.and_then(|s| s.chain).map(|c| c.stage) };
    app.wait_until("the mint to be sequenced", || async {
        stage().await == Some(MintStage::Confirming)
    })
    .await;
    // Five minutes on: far past the rollup's finality (about a minute here) and a window.
    sandboxes.clock.advance(Duration::from_secs(300));
    let key = format!("{order}/mint/0");
    let late = |status: &'static str| {
        let key = key.clone();
        let app = &app;
        async move {
            items(app)
                .await
                .iter()
                .filter(|(kind, k, s, _)| kind == "late_finality" && k == &key && s == status)
                .count()
        }
    };
    app.wait_until("the late mint's item", || async { late("open").await == 1 }).await;
    let seen = app.order(id).await.settlement.unwrap();
    assert_eq!(seen.payment, PaymentStatus::Paid, "the sale stands");
    assert_eq!(seen.chain.map(|c| c.stage), Some(MintStage::Confirming));
    // The merchant's console list shows it with its suggestions.
    let res = call(&app, Method::GET, "/api/v1/merchant/reconciliation", Some(&admin), None).await;
    let listed: Vec<Value> = res.json().await.unwrap();
    let item = listed.iter().find(|i| i["kind"] == "late_finality").unwrap();
    assert_eq!(item["suggested"], serde_json::json!(["wait_for_finality", "manual_review"]));
    assert_eq!(item["status"], "open");
    // The batcher is back: the batch goes up, is final on the chain, and so is the mint.
    let audited = audit_rows(&app).await;
    sandboxes.clock.advance(Duration::from_secs(3_600));
    app.wait_until("the mint to be final", || async { stage().await == Some(MintStage::Final) })
        .await;
    app.wait_until("the item to close", || async { late("applied").await == 1 }).await;
    let all = items(&app).await;
    let closed: Vec<_> = all.iter().filter(|(kind, _, _, _)| kind == "late_finality").collect();
    assert_eq!(closed.len(), 1, "raised once: {all:?}");
    assert_eq!(closed[0].3.as_deref(), Some("wait_for_finality"));
    assert!(audit_rows(&app).await > audited, "the closing is audited");
}

async fn json_post(app: &TestApp, auth: &str, path: &str, seconds: u64) -> reqwest::StatusCode {
    use reqwest::Method;
    let body = Some(serde_json::json!({ "seconds": seconds }));
    crate::merchants::call(app, Method::POST, path, Some(auth), body).await.status()
}
