//! Issue 14: the conflicts queue's one-click decisions on reconciliation items
//! (`POST /api/v1/merchant/reconciliation/{id}/resolve`). A refund gives back what the rail
//! took that the ledger never held, once, however often or concurrently it is pressed, and the
//! ledger shows the money coming in and going back; marking an item reviewed needs a note;
//! only an action the item offers is taken; a rail that does not answer leaves the refund
//! asked, and the settler asks again until it does; a refusal leaves the item open. Every bad
//! request is refused with a code and writes nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::merchant::{ReconciliationItem, Scope};
use vitrine_protocol::{ErrorCode, OrderState, UnixMillis};
use vitrine_server::domain::settlement::{
    Fault, Outcome, RailError, Rails, Refund, SandboxCard, Sandboxes, SettlementRail,
};

use crate::card_faults::{CardFault, Faulty};
use crate::helpers::{spawn_app_with_rails_configured, spawn_app_with_sandboxes_and, TestApp};
use crate::merchants::{audit_rows, bearer, call, code, merchant};

const WINDOW: Duration = Duration::from_millis(200);
const LIST: &str = "/api/v1/merchant/reconciliation";

fn resolve_path(id: impl std::fmt::Display) -> String {
    format!("{LIST}/{id}/resolve")
}

async fn paid(app: &TestApp) -> (String, i64) {
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    let order = app.wait_for_state(intent.body.id, OrderState::Paid).await;
    (intent.body.id.to_string(), order.total.amount_minor)
}

async fn listed(app: &TestApp, auth: &str) -> Vec<ReconciliationItem> {
    let res = call(app, Method::GET, LIST, Some(auth), None).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The merchant's item of `kind`, once reconciliation raised it.
async fn raised(app: &TestApp, auth: &str, kind: &str) -> ReconciliationItem {
    app.wait_until("the item", || async { listed(app, auth).await.iter().any(|i| i.kind == kind) })
        .await;
    listed(app, auth).await.into_iter().find(|i| i.kind == kind).unwrap()
}

async fn decide(app: &TestApp, auth: &str, id: i64, body: Value) -> reqwest::Response {
    call(app, Method::POST, &resolve_path(id), Some(auth), Some(body)).await
}

/// What the ledger and the decisions hold: (transfers, decisions, audit entries).
async fn written(app: &TestApp) -> (i64, i64, i64) {
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_all(&db).await.unwrap()[0] }
    };
    (
        count("SELECT count(*) FROM transfers").await,
        count("SELECT count(*) FROM reconciliation_resolutions").await,
        audit_rows(app).await,
    )
}

/// (id, amount) of the order's transfers made by reconciliation decisions.
async fn corrections(app: &TestApp, order: &str) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT id, amount FROM transfers WHERE order_id = ? AND code = 'correction' ORDER BY seq",
    )
    .bind(order)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn account(all: &[(String, String, [i64; 4])], code: &str) -> [i64; 4] {
    all.iter().find(|(c, _, _)| c == code).map_or([0; 4], |(_, _, b)| *b)
}

#[tokio::test]
async fn an_overcharge_is_given_back_once_and_the_ledger_shows_it_in_and_out() {
    let sandboxes = Sandboxes::new(71);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    sandboxes.card.inject(Fault::Amount(100));
    let (order, price) = paid(&app).await;
    let item = raised(&app, &admin, "amount_differs").await;
    assert_eq!(item.suggested, ["refund", "manual_review"]);
    let merchant_before = account(&app.balances().await, "merchant");

    let res = decide(&app, &admin, item.id, json!({ "action": "refund" })).await;
    assert_eq!(res.status(), 200);
    let done: ReconciliationItem = res.json().await.unwrap();
    assert_eq!((done.status.as_str(), done.applied.as_deref()), ("applied", Some("refund")));
    let decision = done.resolution.clone().unwrap();
    assert_eq!(decision.state, "done");
    assert_eq!(decision.refund.map(|m| m.amount_minor), Some(100), "only the excess");
    assert!(decision.reference.is_some());
    let key = format!("{order}/recon/{}", item.id);
    assert_eq!(
        corrections(&app, &order).await,
        [(format!("{key}/in"), 100), (format!("{key}/out"), 100)]
    );
    let balances = app.balances().await;
    let merchant = account(&balances, "merchant");
    assert_eq!(merchant[3] - merchant[1], merchant_before[3] - merchant_before[1], "net unchanged");
    assert_eq!(merchant[3] - merchant[1], price, "the merchant keeps the sale");
    assert_eq!(account(&balances, "refunds")[3], 100);
    let (debits, credits) = balances.iter().fold((0, 0), |(d, c), (_, _, b)| (d + b[1], c + b[3]));
    assert_eq!(debits, credits, "double entry");

    // Pressed again: the same answer, nothing more written, the rail not asked again.
    let before = written(&app).await;
    let again = decide(&app, &admin, item.id, json!({ "action": "refund" })).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<ReconciliationItem>().await.unwrap(), done);
    assert_eq!(written(&app).await, before);
    // Another decision on it now: refused, nothing written.
    let other = decide(&app, &admin, item.id, json!({ "action": "manual_review", "note": "x" }));
    assert_eq!(
        code(other.await).await,
        (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::AlreadyExists)
    );
    assert_eq!(written(&app).await, before);
    // The rail's report of the refund is reconciled as matching: nothing new is raised.
    let reported = || async {
        sqlx::query_as::<_, (String, String)>(
            "SELECT kind, verdict FROM attestations WHERE key = ?",
        )
        .bind(&key)
        .fetch_all(&app.db)
        .await
        .unwrap()
    };
    app.wait_until("the refund's report", || async { !reported().await.is_empty() }).await;
    assert_eq!(reported().await, [("refunded".to_owned(), "matched".to_owned())]);
    assert_eq!(listed(&app, &admin).await.len(), 1);
}

#[tokio::test]
async fn marking_reviewed_needs_a_note_and_only_offered_actions_are_taken() {
    let sandboxes = Sandboxes::new(72);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    // The rail reports less than the ledger holds: nothing to give back, only a review.
    sandboxes.card.inject(Fault::Amount(-1));
    paid(&app).await;
    let item = raised(&app, &admin, "amount_differs").await;
    assert_eq!(item.suggested, ["manual_review"]);
    let before = written(&app).await;
    for (body, field) in [
        (json!({ "action": "refund" }), "action"),
        (json!({ "action": "manual_review" }), "note"),
        (json!({ "action": "manual_review", "note": "   " }), "note"),
        (json!({ "action": "manual_review", "note": "x".repeat(501) }), "note"),
    ] {
        let res = decide(&app, &admin, item.id, body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let error: vitrine_protocol::ApiError = res.json().await.unwrap();
        assert_eq!((error.code, error.fields[0].field.as_str()), (ErrorCode::InvalidFields, field));
    }
    for body in [
        json!({ "action": "re_mint", "note": "x" }),
        json!({ "action": "manual_review", "note": "x", "amount": 1 }),
        json!(["manual_review"]),
    ] {
        let res = decide(&app, &admin, item.id, body.clone()).await;
        assert!(res.status().is_client_error(), "{body}: {}", res.status());
    }
    assert_eq!(written(&app).await, before, "nothing written for a refused decision");
    let note = "The processor's report was a cent short; confirmed by their support.";
    let res =
        decide(&app, &admin, item.id, json!({ "action": "manual_review", "note": note })).await;
    assert_eq!(res.status(), 200);
    let done: ReconciliationItem = res.json().await.unwrap();
    assert_eq!(done.applied.as_deref(), Some("manual_review"));
    let decision = done.resolution.unwrap();
    assert_eq!((decision.note.as_str(), decision.state.as_str()), (note, "done"));
    assert!(decision.by.starts_with("token"), "{}", decision.by);
    let after = written(&app).await;
    assert_eq!(
        (after.0, after.1, after.2),
        (before.0, before.1 + 1, before.2 + 1),
        "no money moved"
    );
    let action: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY rowid DESC LIMIT 1")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(action, ["reconciliation.review"]);
}

#[tokio::test]
async fn nobody_decides_anothers_item_or_without_the_admin_scope() {
    let sandboxes = Sandboxes::new(73);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    let orders_only = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Admin]).await);
    sandboxes.card.inject(Fault::Duplicate);
    paid(&app).await;
    sandboxes.card.inject(Fault::Amount(100));
    paid(&app).await;
    let open = raised(&app, &admin, "amount_differs").await;
    let merged = raised(&app, &admin, "duplicate").await;
    let before = written(&app).await;
    let refund = json!({ "action": "refund" });
    let path = resolve_path(open.id);
    let cases: Vec<(Option<&str>, String, Value, StatusCode, ErrorCode)> = vec![
        (None, path.clone(), refund.clone(), StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        (
            Some("Bearer forged"),
            path.clone(),
            refund.clone(),
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
        ),
        (
            Some(&orders_only),
            path.clone(),
            refund.clone(),
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
        ),
        (Some(&rival), path.clone(), refund.clone(), StatusCode::NOT_FOUND, ErrorCode::NotFound),
        (
            Some(&admin),
            resolve_path("abc"),
            refund.clone(),
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            Some(&admin),
            resolve_path(0),
            refund.clone(),
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            Some(&admin),
            resolve_path(-3),
            refund.clone(),
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            Some(&admin),
            resolve_path(999_999),
            refund.clone(),
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
        ),
        (
            Some(&admin),
            resolve_path(merged.id),
            json!({ "action": "manual_review", "note": "x" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::AlreadyExists,
        ),
    ];
    for (auth, path, body, status, error) in cases {
        let res = call(&app, Method::POST, &path, auth, Some(body)).await;
        assert_eq!(code(res).await, (status, error), "{auth:?} {path}");
    }
    assert_eq!(written(&app).await, before, "nothing written");
    assert_eq!(listed(&app, &admin).await.iter().find(|i| i.id == open.id).unwrap().status, "open");
}

#[tokio::test]
async fn ten_clicks_at_once_give_back_once() {
    let sandboxes = Sandboxes::new(74);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    sandboxes.card.inject(Fault::Amount(250));
    let (order, _) = paid(&app).await;
    let item = raised(&app, &admin, "amount_differs").await;
    let clicks = (0..10).map(|_| decide(&app, &admin, item.id, json!({ "action": "refund" })));
    let answers = futures::future::join_all(clicks).await;
    let ok = answers.iter().filter(|r| r.status() == 200).count();
    for res in &answers {
        // A click that met another's asked refund may be told so; none is an error.
        assert!([200, 409, 503].contains(&res.status().as_u16()), "{}", res.status());
    }
    assert!(ok >= 1);
    let key = format!("{order}/recon/{}", item.id);
    assert_eq!(
        corrections(&app, &order).await,
        [(format!("{key}/in"), 250), (format!("{key}/out"), 250)]
    );
    let decisions: Vec<String> = sqlx::query_scalar("SELECT state FROM reconciliation_resolutions")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(decisions, ["done"]);
    // The rail gave back once: its only refund report for the key.
    app.wait_until("the refund's report", || async {
        let n: Vec<i64> = sqlx::query_scalar("SELECT count(*) FROM attestations WHERE key = ?")
            .bind(&key)
            .fetch_all(&app.db)
            .await
            .unwrap();
        n[0] >= 1
    })
    .await;
    let n: Vec<i64> = sqlx::query_scalar("SELECT count(*) FROM attestations WHERE key = ?")
        .bind(&key)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(n, [1]);
}

/// The card, with refunds that get no answer while `down`.
struct RefundsDown {
    card: SandboxCard,
    down: Arc<AtomicBool>,
}

#[async_trait]
impl CardFault for RefundsDown {
    fn card(&self) -> &SandboxCard {
        &self.card
    }

    async fn refund(&self, refund: &Refund, now: UnixMillis) -> Result<Outcome, RailError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(RailError("the processor is down".into()));
        }
        self.card.refund(refund, now).await
    }
}

#[tokio::test]
async fn a_refund_the_rail_does_not_answer_stays_asked_and_the_settler_finishes_it() {
    let down = Arc::new(AtomicBool::new(true));
    let card = SandboxCard::default();
    card.inject(Fault::Amount(100));
    let rail = Faulty(RefundsDown { card, down: down.clone() });
    let app = spawn_app_with_rails_configured(Rails::default().with(rail), |c| {
        c.reconcile_window = WINDOW
    })
    .await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    let (order, _) = paid(&app).await;
    let item = raised(&app, &admin, "amount_differs").await;
    let res = decide(&app, &admin, item.id, json!({ "action": "refund" })).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(code(res).await, (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::RailUnavailable));
    let asked = listed(&app, &admin).await.into_iter().find(|i| i.id == item.id).unwrap();
    assert_eq!(asked.status, "open");
    assert_eq!(asked.resolution.map(|r| r.state), Some("asked".to_owned()));
    assert!(corrections(&app, &order).await.is_empty(), "nothing moves before the rail says so");
    // While it is asked, nothing else is decided.
    let review = decide(&app, &admin, item.id, json!({ "action": "manual_review", "note": "x" }));
    assert_eq!(code(review.await).await, (StatusCode::CONFLICT, ErrorCode::InProgress));
    // The processor is back: the settler asks again under the same key, no click needed.
    down.store(false, Ordering::SeqCst);
    app.wait_until("the asked refund to be answered", || async {
        listed(&app, &admin).await.iter().any(|i| i.id == item.id && i.status == "applied")
    })
    .await;
    assert_eq!(corrections(&app, &order).await.len(), 2);
}

/// The card, refusing every refund, counting how often it was asked.
struct RefundsRefused {
    card: SandboxCard,
    asked: Arc<std::sync::atomic::AtomicU32>,
}

#[async_trait]
impl CardFault for RefundsRefused {
    fn card(&self) -> &SandboxCard {
        &self.card
    }

    async fn refund(&self, _: &Refund, _: UnixMillis) -> Result<Outcome, RailError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(Outcome::Declined { reason: "the card account is closed".into() })
    }
}

#[tokio::test]
async fn a_refund_the_rail_refuses_leaves_the_item_open_for_a_review() {
    let asked = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let card = SandboxCard::default();
    card.inject(Fault::Amount(100));
    let rail = Faulty(RefundsRefused { card, asked: asked.clone() });
    let app = spawn_app_with_rails_configured(Rails::default().with(rail), |c| {
        c.reconcile_window = WINDOW
    })
    .await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    let (order, _) = paid(&app).await;
    let item = raised(&app, &admin, "amount_differs").await;
    let res = decide(&app, &admin, item.id, json!({ "action": "refund" })).await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RailDeclined));
    let open = listed(&app, &admin).await.into_iter().find(|i| i.id == item.id).unwrap();
    assert_eq!(open.status, "open");
    let decision = open.resolution.unwrap();
    assert_eq!(decision.state, "declined");
    assert_eq!(decision.reason.as_deref(), Some("the card account is closed"));
    assert!(corrections(&app, &order).await.is_empty());
    // Pressed again: the same refusal, nothing written, the rail not asked again (under the
    // same key it would say the same).
    let before = written(&app).await;
    let again = decide(&app, &admin, item.id, json!({ "action": "refund" })).await;
    assert_eq!(code(again).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RailDeclined));
    assert_eq!(written(&app).await, before);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    let note = "Checked with the processor: it took the sale only.";
    let res =
        decide(&app, &admin, item.id, json!({ "action": "manual_review", "note": note })).await;
    assert_eq!(res.status(), 200);
}

/// The card takes the money but tells us "pending", and no void of it ever goes through.
struct CapturedSilently {
    card: SandboxCard,
}

#[async_trait]
impl CardFault for CapturedSilently {
    fn card(&self) -> &SandboxCard {
        &self.card
    }

    async fn capture(&self, key: &str, now: UnixMillis) -> Result<Outcome, RailError> {
        self.card.capture(key, now).await?;
        Ok(Outcome::Pending { retry_after: Duration::from_secs(3_600) })
    }

    async fn void(&self, _: &str, _: UnixMillis) -> Result<(), RailError> {
        Err(RailError("the processor is down".into()))
    }
}

#[tokio::test]
async fn money_taken_for_an_order_that_was_never_paid_is_raised_and_given_back_whole() {
    use vitrine_server::domain::keys::Policy;
    let rail = Faulty(CapturedSilently { card: SandboxCard::default() });
    let app = spawn_app_with_rails_configured(Rails::default().with(rail), |c| {
        c.reconcile_window = WINDOW;
        c.policy = Policy { escrow_ttl: Duration::from_millis(500), ..Policy::default() };
    })
    .await;
    let admin = bearer(&merchant(&app, "demo", &[Scope::Admin]).await);
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    let order = app.wait_for_state(intent.body.id, OrderState::Expired).await;
    let price = order.total.amount_minor;
    // The capture was read as ours while the order was held; the order never paid, and the
    // rail never said it gave the money back: a window later it is raised.
    let item = raised(&app, &admin, "unknown").await;
    assert_eq!(item.key, format!("{}/charge", intent.body.id));
    assert_eq!(item.suggested, ["refund", "manual_review"]);
    let res = decide(&app, &admin, item.id, json!({ "action": "refund" })).await;
    assert_eq!(res.status(), 200);
    let done: ReconciliationItem = res.json().await.unwrap();
    assert_eq!(done.resolution.and_then(|r| r.refund).map(|m| m.amount_minor), Some(price));
    let order = intent.body.id.to_string();
    let key = format!("{order}/recon/{}", item.id);
    assert_eq!(
        corrections(&app, &order).await,
        [(format!("{key}/in"), price), (format!("{key}/out"), price)]
    );
    let merchant = account(&app.balances().await, "merchant");
    assert_eq!(merchant[3] - merchant[1], 0, "the merchant sold nothing and keeps nothing");
}
