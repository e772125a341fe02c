//! Issue 14, observability: `GET /metrics` is for admin tokens only, its body is OpenMetrics
//! text from the exporter, and what the shop does moves its numbers: intents by outcome, the
//! oversell attempts, the time to paid, the time to reconcile a rail's report, and the
//! limiters' 429s.

use reqwest::{Method, StatusCode};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::{ErrorCode, OrderState};
use vitrine_server::domain::merchants::new_token;
use vitrine_server::domain::rate_limit::RateLimit;

use crate::helpers::{spawn_app, spawn_app_configured, TestApp};
use crate::merchants::{bearer, call, code, merchant};

const METRICS: &str = "/metrics";
const WORK: i64 = 201;

const ACCEPTED: &str = r#"vitrine_intents_total{outcome="accepted",code=""}"#;
const CONFLICT: &str = r#"vitrine_intents_total{outcome="conflict",code=""}"#;
const BAD_SIGNATURE: &str = r#"vitrine_intents_total{outcome="rejected",code="bad_signature"}"#;
const RATE_LIMITED: &str = r#"vitrine_intents_total{outcome="rate_limited",code="rate_limited"}"#;
const OVERSELL: &str = "vitrine_oversell_attempts_total";
const PAID_COUNT: &str = "vitrine_intent_to_paid_seconds_count";
const INTENTS_LIMITED: &str = r#"vitrine_rate_limited_total{route="/api/v1/intents"}"#;

/// The body of an admin's scrape, after checking its headers.
async fn scrape(app: &TestApp, token: &str) -> String {
    let res = call(app, Method::GET, METRICS, Some(&bearer(token)), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.text().await.unwrap()
}

/// `family` ("name type") has its `# HELP` and `# TYPE` lines.
fn described(text: &str, family: &str) {
    let name = family.split(' ').next().unwrap();
    assert!(text.contains(&format!("# TYPE {family}\n")), "{family} in {text}");
    assert!(text.contains(&format!("# HELP {name} ")), "{name} has help in {text}");
}

/// The value of `series` (a name with its labels, as exposed), 0 while it has no sample.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

#[tokio::test]
async fn metrics_are_for_admin_tokens_only() {
    let app = spawn_app().await;
    let (status, error) = code(call(&app, Method::GET, METRICS, None, None).await).await;
    assert_eq!((status, error), (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));

    let catalog = merchant(&app, "demo", &[Scope::Catalog]).await;
    let res = call(&app, Method::GET, METRICS, Some(&bearer(&catalog)), None).await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));

    let (forged, _) = new_token().unwrap();
    let res = call(&app, Method::GET, METRICS, Some(&bearer(&forged)), None).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));

    let admin = merchant(&app, "demo", &[Scope::Admin]).await;
    assert!(scrape(&app, &admin).await.ends_with("# EOF\n"));
}

#[tokio::test]
async fn intents_are_counted_by_outcome_and_a_paid_order_is_timed() {
    let app = spawn_app().await;
    let admin = merchant(&app, "demo", &[Scope::Admin]).await;
    let before = scrape(&app, &admin).await;
    for family in [
        "vitrine_intents counter",
        "vitrine_oversell_attempts counter",
        "vitrine_writer_queue_depth gauge",
        "vitrine_intent_to_paid_seconds histogram",
    ] {
        described(&before, family);
    }
    assert!(before.contains("\nvitrine_writer_queue_depth 0\n"), "{before}");

    let device = app.device().await;
    let quote = app.quote(WORK).await;
    let bought = device.buy(&quote, 1);
    assert_eq!(app.post_intent(&bought).await.status(), StatusCode::CREATED);
    app.wait_for_state(bought.body.id, OrderState::Paid).await;
    let mut tampered = device.buy(&quote, 1);
    tampered.body.buyer.email = Some("mallory@example.org".into());
    let refused = code(app.post_intent(&tampered).await).await;
    assert_eq!(refused, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BadSignature));
    app.set_stock(WORK, 0).await;
    let too_late = device.buy(&quote, 1);
    let conflict = app.post_intent(&too_late).await;
    assert_eq!(conflict.status(), StatusCode::CREATED);
    assert_eq!(
        conflict.json::<vitrine_protocol::Order>().await.unwrap().state,
        OrderState::Conflict
    );
    // A retry repeats the answer: one more answer, not one more oversell attempt.
    assert_eq!(app.post_intent(&too_late).await.status(), StatusCode::CREATED);

    // The settler times the payment just after it records it: wait for the figure.
    let paid_before = sample(&before, PAID_COUNT);
    app.wait_until("the payment to be timed", || async {
        sample(&scrape(&app, &admin).await, PAID_COUNT) >= paid_before + 1.0
    })
    .await;
    let after = scrape(&app, &admin).await;
    let grew = |series| sample(&after, series) - sample(&before, series);
    assert!(grew(ACCEPTED) >= 1.0, "{after}");
    assert!(grew(BAD_SIGNATURE) >= 1.0, "{after}");
    assert!(grew(CONFLICT) >= 2.0, "the conflict and its replay: {after}");
    assert_eq!(grew(OVERSELL), 1.0, "{after}");
    let paid_in = sample(&after, "vitrine_intent_to_paid_seconds_sum");
    assert!(paid_in > 0.0, "{after}");
}

#[tokio::test]
async fn a_flood_of_intents_is_counted_as_rate_limited_by_route() {
    let app = spawn_app_configured(|c| {
        let n = |v| std::num::NonZeroU32::new(v).unwrap();
        c.intent_limit = RateLimit { per_minute: n(60), burst: n(2) };
    })
    .await;
    let admin = merchant(&app, "demo", &[Scope::Admin]).await;
    let before = scrape(&app, &admin).await;
    let intent = app.device().await.buy(&app.quote(WORK).await, 1);
    let mut limited = 0.0;
    for _ in 0..6 {
        if app.post_intent(&intent).await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited += 1.0;
        }
    }
    assert!(limited >= 3.0, "a burst of 2 then 429s: {limited}");
    let after = scrape(&app, &admin).await;
    described(&after, "vitrine_rate_limited counter");
    let grew = |series| sample(&after, series) - sample(&before, series);
    assert_eq!(grew(INTENTS_LIMITED), limited, "{after}");
    assert_eq!(grew(RATE_LIMITED), limited, "{after}");
}

#[tokio::test]
async fn each_reconciled_report_is_timed_from_its_date_on_the_rail() {
    use std::time::Duration;
    use vitrine_server::domain::settlement::Sandboxes;

    use crate::helpers::spawn_app_with_sandboxes_and;
    const COUNT: &str = "vitrine_reconciliation_latency_seconds_count";
    let sandboxes = Sandboxes::new(41);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| {
        c.reconcile_window = Duration::from_millis(200);
    })
    .await;
    let admin = merchant(&app, "demo", &[Scope::Admin]).await;
    let before = scrape(&app, &admin).await;
    described(&before, "vitrine_reconciliation_latency_seconds histogram");
    assert_eq!(sample(&before, COUNT), 0.0, "nothing reported yet: {before}");
    let device = app.device().await;
    let bought = device.buy(&app.quote(WORK).await, 1);
    assert_eq!(app.post_intent(&bought).await.status(), StatusCode::CREATED);
    app.wait_for_state(bought.body.id, OrderState::Paid).await;
    // The card's reports (authorized, captured) and the chain's, each stored and timed.
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM attestations")
            .fetch_all(&app.db)
            .await
            .unwrap()[0]
    };
    app.wait_until("two reports reconciled", || async { stored().await >= 2 }).await;
    let reports = stored().await as f64;
    // Timed just after the window's transaction commits.
    app.wait_until("each stored report to be timed", || async {
        sample(&scrape(&app, &admin).await, COUNT) >= reports
    })
    .await;
    let after = scrape(&app, &admin).await;
    // Dated on the sandbox's clock, which runs with the server's here: none waited for long.
    let within = r#"vitrine_reconciliation_latency_seconds_bucket{le="300.0"}"#;
    assert_eq!(sample(&after, within), sample(&after, COUNT), "{after}");
}
