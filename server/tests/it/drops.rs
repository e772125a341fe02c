//! Issue 12: timed drops. A merchant drafts a drop, the safety rules approve it, the
//! storefront counts down on the server's clock, and the writer sells exactly its supply:
//! nothing before the start or after the end (to the millisecond), nothing over a buyer's
//! limit (by device and by email), nothing to buyers off its allowlist, nothing at the list
//! price. Each refusal is a 4xx with its code and leaves the ledger untouched.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::drops::allowlist;
use vitrine_protocol::merchant::{AllowlistProof, MerchantDrop, Proposals, Scope};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{ApiError, ErrorCode, Intent, Item, OrderState, Quote, UnixMillis};
use vitrine_server::domain::rate_limit::RateLimit;
use vitrine_server::domain::settlement::SandboxCard;
use vitrine_server::IDEMPOTENCY_KEY;

use crate::helpers::{now, spawn_app, Device, TestApp};
use crate::merchants::{bearer, call, code, merchant};

const DROPS: &str = "/api/v1/merchant/drops";
const RULES: &str = "/api/v1/merchant/schedule-rules";
const WORK: i64 = 101;

/// The demo merchant (who owns the demo catalog) with a `drops` token, and rules that let a
/// test start a drop a moment from now at any hour.
pub(crate) async fn dropper(app: &TestApp) -> String {
    let auth = bearer(&merchant(app, "demo", &[Scope::Drops]).await);
    let rules = json!({
        "min_lead_minutes": 0, "max_live_at_once": 2, "max_drops_per_day": 5,
        "quiet_hours": null, "utc_offset_minutes": 0, "maintenance": [],
        "max_duration_hours": 48,
    });
    let res = call(app, Method::PUT, RULES, Some(&auth), Some(rules)).await;
    assert_eq!(res.status(), 200);
    auth
}

pub(crate) fn drop_of(start: UnixMillis, end: UnixMillis, supply: u32, limit: u32) -> Value {
    json!({
        "title": "Night drop", "starts_at": start, "ends_at": end, "per_buyer_limit": limit,
        "items": [{ "item": WORK, "supply": supply, "price": { "amount_minor": 1500, "currency": "EUR" } }],
    })
}

/// Draft and approve; the approved drop.
pub(crate) async fn approved(app: &TestApp, auth: &str, body: Value) -> MerchantDrop {
    let res = call(app, Method::POST, DROPS, Some(auth), Some(body)).await;
    assert_eq!(res.status(), 201);
    let drop: MerchantDrop = res.json().await.unwrap();
    let res =
        call(app, Method::POST, &format!("{DROPS}/{}/approve", drop.id), Some(auth), None).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    res.json().await.unwrap()
}

async fn wait_for(app: &TestApp, what: &str, t: UnixMillis) {
    app.wait_until(what, || async move { now() > t }).await;
}

fn signed_at(
    device: &Device,
    quote: &Signed<Quote>,
    at: UnixMillis,
    email: &str,
) -> Signed<Intent> {
    let mut intent = device.intent(quote, 1, SandboxCard::APPROVE);
    intent.device_time = at;
    intent.buyer.email = Some(email.to_owned());
    device.sign(intent)
}

async fn refused(app: &TestApp, intent: &Signed<Intent>) -> (StatusCode, ErrorCode) {
    let before = app.ledger_snapshot().await;
    let res = app.post_intent(intent).await;
    let status = res.status();
    let error: ApiError = res.json().await.unwrap();
    assert_eq!(app.ledger_snapshot().await, before, "{:?} wrote something", error.code);
    (status, error.code)
}

/// Held, then paid (so the ledger is still when the next refusal is checked).
async fn held(app: &TestApp, intent: &Signed<Intent>) {
    let res = app.post_intent(intent).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
}

#[tokio::test]
async fn the_storefront_counts_down_then_the_drop_sells_its_supply_once_per_buyer() {
    let app = spawn_app().await;
    app.set_stock(WORK, 10).await;
    let auth = dropper(&app).await;
    let list_quote = app.quote(WORK).await;
    let start = now().plus(1_500);
    let drop = approved(&app, &auth, drop_of(start, start.plus(60_000), 3, 1)).await;

    // Before the start: the page shows the drop, its price and a quote for its window only.
    let item: Item = app.item(WORK).await;
    let shown = item.summary.drop.clone().expect("the work shows its drop");
    assert_eq!((shown.id, shown.supply, shown.remaining), (drop.id, 3, 3));
    assert!(shown.phase(now()).to_string().starts_with("Starts in 00:00:0"));
    let quote = item.quote.expect("a drop quote");
    assert_eq!((quote.body.issued_at, quote.body.valid_until), (start, start.plus(60_000)));
    assert_eq!(quote.body.price.amount_minor, 1500);

    let (a, b, c, d) =
        (app.device().await, app.device().await, app.device().await, app.device().await);
    // Signed before the start: final. Dated at the start but sent early: retry at the start.
    let early = signed_at(&a, &quote, now(), "a@example.com");
    assert_eq!(
        refused(&app, &early).await,
        (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::NotStarted)
    );
    let eager = signed_at(&a, &quote, start, "a@example.com");
    let res = app.post_intent(&eager).await;
    assert_eq!(res.status(), 425);
    assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);

    wait_for(&app, "the drop to start", start).await;
    held(&app, &eager).await;
    // One per buyer: the same device again, or another device with the same email.
    let again = signed_at(&a, &quote, now(), "other@example.com");
    assert_eq!(refused(&app, &again).await.1, ErrorCode::LimitReached);
    let same_email = signed_at(&b, &quote, now(), " A@Example.com");
    assert_eq!(refused(&app, &same_email).await.1, ErrorCode::LimitReached);
    // The list price saved before the drop buys nothing now.
    let mut listed = b.intent(&list_quote, 1, SandboxCard::APPROVE);
    listed.buyer.email = Some("b@example.com".into());
    assert_eq!(refused(&app, &b.sign(listed)).await.1, ErrorCode::QuoteExpired);

    held(&app, &signed_at(&b, &quote, now(), "b@example.com")).await;
    held(&app, &signed_at(&c, &quote, now(), "c@example.com")).await;
    // The supply is gone: a conflict, nothing charged, recorded against the drop.
    let late = signed_at(&d, &quote, now(), "d@example.com");
    let res = app.post_intent(&late).await;
    assert_eq!(res.status(), 201);
    let order: vitrine_protocol::Order = res.json().await.unwrap();
    assert_eq!(order.state, OrderState::Conflict);
    assert_eq!(app.stock(WORK).await, 7, "only the drop's three were taken");
    assert_eq!(app.item(WORK).await.summary.drop.unwrap().remaining, 0);

    let seen: MerchantDrop =
        call(&app, Method::GET, &format!("{DROPS}/{}", drop.id), Some(&auth), None)
            .await
            .json()
            .await
            .unwrap();
    assert_eq!((seen.items[0].taken, seen.conflicts), (3, 1));
}

#[tokio::test]
async fn the_start_and_end_instants_belong_to_the_drop_and_a_millisecond_outside_does_not() {
    let app = spawn_app().await;
    app.set_stock(WORK, 10).await;
    let auth = dropper(&app).await;
    let start = now().plus(1_000);
    let end = start.plus(1_000);
    approved(&app, &auth, drop_of(start, end, 10, 10)).await;
    let quote = app.quote(WORK).await;
    let device = app.device().await;
    // Everything arrives after the end, as offline intents do.
    wait_for(&app, "the drop to end", end).await;
    held(&app, &signed_at(&device, &quote, start, "x@example.com")).await;
    held(&app, &signed_at(&device, &quote, end, "x@example.com")).await;
    let before = signed_at(&device, &quote, start.minus(1), "x@example.com");
    assert_eq!(
        refused(&app, &before).await,
        (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::NotStarted)
    );
    let after = signed_at(&device, &quote, end.plus(1), "x@example.com");
    assert_eq!(refused(&app, &after).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Ended));
    let item = app.item(WORK).await;
    assert_eq!(item.summary.drop.unwrap().phase(now()).to_string(), "Ended");
}

#[tokio::test]
async fn an_allowlist_is_committed_before_approval_and_admits_only_listed_buyers() {
    let app = spawn_app().await;
    app.set_stock(WORK, 10).await;
    let auth = dropper(&app).await;
    let start = now().plus(1_000);
    let mut body = drop_of(start, start.plus(60_000), 5, 2);
    body["allowlist"] = json!(true);
    let res = call(&app, Method::POST, DROPS, Some(&auth), Some(body)).await;
    let drop: MerchantDrop = res.json().await.unwrap();
    let approve = format!("{DROPS}/{}/approve", drop.id);
    let res = call(&app, Method::POST, &approve, Some(&auth), None).await;
    let error: ApiError = res.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidFields);
    assert_eq!(error.fields[0].field, "allowlist_not_committed");

    let list = json!({ "entries": ["ada@example.com", "0xABCDEF", "grace@example.com"] });
    let path = format!("{DROPS}/{}/allowlist", drop.id);
    let res = call(&app, Method::PUT, &path, Some(&auth), Some(list)).await;
    let committed: MerchantDrop = res.json().await.unwrap();
    assert_eq!(committed.allowlist_size, 3);
    assert_eq!(call(&app, Method::POST, &approve, Some(&auth), None).await.status(), 200);
    // Approved: the list is fixed.
    let res = call(
        &app,
        Method::PUT,
        &path,
        Some(&auth),
        Some(json!({ "entries": ["eve@example.com"] })),
    )
    .await;
    assert_eq!(code(res).await.1, ErrorCode::InvalidFields);

    let proof_of = |entry: &str| {
        let leaf = allowlist::to_hex(&allowlist::leaf(entry));
        let url = app.url(&format!("/api/v1/drops/{}/allowlist/{leaf}", drop.id));
        app.client.get(url).send()
    };
    let proof: AllowlistProof = proof_of("Ada@example.com").await.unwrap().json().await.unwrap();
    assert_eq!(Some(proof.root.clone()), committed.allowlist_root);
    assert_eq!(proof_of("mallory@example.com").await.unwrap().status(), 404);
    assert_eq!(app.get(&format!("/api/v1/drops/{}/allowlist/zz", drop.id)).await.status(), 400);

    wait_for(&app, "the drop to start", start).await;
    let quote = app.quote(WORK).await;
    let send = |intent: Signed<Intent>, proof: Option<String>| {
        let mut req = app
            .client
            .post(app.url("/api/v1/intents"))
            .header(IDEMPOTENCY_KEY, intent.body.id.to_string())
            .json(&intent);
        if let Some(proof) = proof {
            req = req.header("allowlist-proof", proof);
        }
        req.send()
    };
    let ada = app.device().await;
    let header = proof.proof.join(",");
    let listed = signed_at(&ada, &quote, now(), "ada@example.com");
    let id = listed.body.id;
    assert_eq!(send(listed, Some(header.clone())).await.unwrap().status(), 201);
    app.wait_for_state(id, OrderState::Paid).await;

    let before = app.ledger_snapshot().await;
    let mallory = app.device().await;
    for (intent, proof) in [
        (signed_at(&mallory, &quote, now(), "mallory@example.com"), Some(header.clone())),
        (signed_at(&mallory, &quote, now(), "ada@example.com"), None),
    ] {
        let res = send(intent, proof).await.unwrap();
        assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::NotAllowlisted));
    }
    let garbage = signed_at(&mallory, &quote, now(), "ada@example.com");
    let res = send(garbage, Some("not-hex".into())).await.unwrap();
    assert_eq!(code(res).await.1, ErrorCode::BadRequest);
    assert_eq!(app.ledger_snapshot().await, before);
}

#[tokio::test]
async fn the_safety_rules_veto_with_their_reasons_and_proposals_come_checked() {
    let app = spawn_app().await;
    app.set_stock(WORK, 4).await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Drops]).await);
    let veto = |body: Value| {
        let auth = auth.clone();
        let app = &app;
        async move {
            let res = call(app, Method::POST, DROPS, Some(&auth), Some(body)).await;
            let drop: MerchantDrop = res.json().await.unwrap();
            let path = format!("{DROPS}/{}/approve", drop.id);
            let res = call(app, Method::POST, &path, Some(&auth), None).await;
            let error: ApiError = res.json().await.unwrap();
            assert_eq!(error.code, ErrorCode::InvalidFields);
            error.fields.into_iter().map(|f| f.field).collect::<Vec<_>>()
        }
    };
    // Default rules: 15 minutes' lead; a supply above the stock.
    let soon = now().plus(60_000);
    assert!(veto(drop_of(soon, soon.plus(3_600_000), 2, 1))
        .await
        .contains(&"min_lead_time".to_owned()));
    let later = now().plus(2 * 86_400_000);
    assert!(veto(drop_of(later, later.plus(3_600_000), 5, 1))
        .await
        .contains(&"supply_over_stock".to_owned()));
    let past = now().minus(3 * 3_600_000);
    assert!(veto(drop_of(past, past.plus(3_600_000), 1, 1))
        .await
        .contains(&"in_the_past".to_owned()));

    // A maintenance window over the drop.
    let mut rules: Value =
        call(&app, Method::GET, RULES, Some(&auth), None).await.json().await.unwrap();
    let later = later.plus(3 * 86_400_000);
    rules["maintenance"] =
        json!([{ "starts_at": later.plus(60_000), "ends_at": later.plus(120_000) }]);
    rules["quiet_hours"] = Value::Null;
    assert_eq!(call(&app, Method::PUT, RULES, Some(&auth), Some(rules)).await.status(), 200);
    assert_eq!(veto(drop_of(later, later.plus(3_600_000), 1, 1)).await, ["maintenance"]);

    // Bad rules are refused per field.
    let res = call(&app, Method::PUT, RULES, Some(&auth), Some(json!({
        "min_lead_minutes": 0, "max_live_at_once": 0, "max_drops_per_day": 1,
        "quiet_hours": [3, 3], "utc_offset_minutes": 0, "maintenance": [], "max_duration_hours": 1,
    }))).await;
    assert_eq!(code(res).await.1, ErrorCode::InvalidFields);

    // Proposals name their model, and each says what vetoes it.
    let drops: Vec<MerchantDrop> =
        call(&app, Method::GET, DROPS, Some(&auth), None).await.json().await.unwrap();
    let path = format!("{DROPS}/{}/proposals", drops[0].id);
    let proposals: Proposals =
        call(&app, Method::GET, &path, Some(&auth), None).await.json().await.unwrap();
    assert!(proposals.model.starts_with("Busiest hours"));
    assert!(!proposals.proposals.is_empty());
    assert!(proposals.proposals.iter().all(|p| p.window.starts_at > now()));
    // The first drop asked for 2 of 4: the proposals pass unless a rule says otherwise.
    assert!(proposals.proposals.iter().any(|p| p.vetoes.is_empty()));
}

#[tokio::test]
async fn drops_are_their_merchants_own_and_fixed_once_started() {
    let app = spawn_app().await;
    app.set_stock(WORK, 10).await;
    let auth = dropper(&app).await;
    let rival = bearer(&merchant(&app, "rival", &[Scope::Drops]).await);
    let start = now().plus(800);
    let drop = approved(&app, &auth, drop_of(start, start.plus(60_000), 2, 1)).await;
    let path = format!("{DROPS}/{}", drop.id);

    // Another merchant: the drop does not exist, and the demo works are not theirs to drop.
    for (method, p) in [
        (Method::GET, path.clone()),
        (Method::POST, format!("{path}/approve")),
        (Method::POST, format!("{path}/cancel")),
        (Method::GET, format!("{path}/proposals")),
    ] {
        let res = call(&app, method, &p, Some(&rival), None).await;
        assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    }
    let res =
        call(&app, Method::POST, DROPS, Some(&rival), Some(drop_of(start, start.plus(1), 1, 1)))
            .await;
    let error: ApiError = res.json().await.unwrap();
    assert_eq!(
        (error.code, error.fields[0].field.as_str()),
        (ErrorCode::InvalidFields, "items[0].item")
    );
    // The same work in a second drop at the same time.
    let res =
        call(&app, Method::POST, DROPS, Some(&auth), Some(drop_of(start, start.plus(1), 1, 1)))
            .await;
    assert_eq!(code(res).await.1, ErrorCode::InvalidFields);

    wait_for(&app, "the drop to start", start).await;
    for (method, p, body) in [
        (Method::PUT, path.clone(), Some(drop_of(start, start.plus(5), 1, 1))),
        (Method::POST, format!("{path}/cancel"), None),
    ] {
        let res = call(&app, method, &p, Some(&auth), body).await;
        assert_eq!(code(res).await.1, ErrorCode::InvalidFields);
    }
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE subject = ? ORDER BY seq")
            .bind(format!("drop {}", drop.id))
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(actions, ["drop.create", "drop.approve"]);
}

#[tokio::test]
async fn a_client_flooding_intents_gets_429_with_retry_after() {
    let app = crate::helpers::spawn_app_configured(|c| c.intent_limit = RateLimit::intents()).await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(WORK).await, 1);
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let res = app.post_intent(&intent).await;
        if res.status() == 429 {
            assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
            assert_eq!(code(res).await.1, ErrorCode::RateLimited);
            statuses.push(429);
        } else {
            statuses.push(res.status().as_u16());
        }
    }
    // The burst is answered (the first, then its replays), then the client waits its turn.
    assert!(statuses[..30].iter().all(|s| *s == 201), "{statuses:?}");
    assert!(statuses[30..].iter().all(|s| *s == 429), "{statuses:?}");
    assert_eq!(app.ledger_snapshot().await.0, 1, "one order, however often it was sent");
}
