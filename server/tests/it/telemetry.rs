//! Issue 14: service workers report their image cache's hits and misses and their replays'
//! answers. A report adds to `/metrics` and is kept for `vitrine slo`; anything malformed,
//! out of bounds, too big or too often is refused and keeps nothing.

use std::num::NonZeroU32;

use reqwest::StatusCode;
use serde_json::{json, Value};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::telemetry::MAX_PER_REPORT;
use vitrine_protocol::ErrorCode;
use vitrine_server::domain::rate_limit::RateLimit;

use crate::helpers::{spawn_app, spawn_app_configured, TestApp};
use crate::merchants::{bearer, call, code, merchant};

const PATH: &str = "/api/v1/telemetry";

async fn send(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client.post(app.url(PATH)).json(body).send().await.unwrap()
}

async fn kept(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM worker_reports").fetch_all(&app.db).await.unwrap()[0]
}

fn report(hits: u32, misses: u32, answered: u32, retried: u32) -> Value {
    json!({
        "cache_hits": hits, "cache_misses": misses,
        "replays_answered": answered, "replays_retried": retried,
    })
}

async fn metric(app: &TestApp, series: &str) -> f64 {
    let admin = bearer(&merchant(app, "demo", &[Scope::Admin]).await);
    let text =
        call(app, reqwest::Method::GET, "/metrics", Some(&admin), None).await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn a_report_adds_to_the_metrics_and_is_kept() {
    let app = spawn_app().await;
    let hit = r#"vitrine_worker_image_cache_total{result="hit"}"#;
    let retried = r#"vitrine_worker_replays_total{outcome="retried"}"#;
    assert_eq!(metric(&app, hit).await, 0.0);
    assert_eq!(send(&app, &report(40, 10, 3, 1)).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(send(&app, &report(2, 0, 0, 0)).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(metric(&app, hit).await, 42.0);
    assert_eq!(metric(&app, r#"vitrine_worker_image_cache_total{result="miss"}"#).await, 10.0);
    assert_eq!(metric(&app, r#"vitrine_worker_replays_total{outcome="answered"}"#).await, 3.0);
    assert_eq!(metric(&app, retried).await, 1.0);
    assert_eq!(kept(&app).await, 2);
    // Nothing to say keeps nothing.
    assert_eq!(send(&app, &report(0, 0, 0, 0)).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(kept(&app).await, 2);
}

#[tokio::test]
async fn a_bad_report_is_refused_and_keeps_nothing() {
    let app = spawn_app().await;
    let over = MAX_PER_REPORT + 1;
    for (case, body, expected) in [
        (
            "an unknown field",
            json!({"cache_hits": 1, "cache_misses": 0, "replays_answered": 0,
                   "replays_retried": 0, "email": "someone@example.org"}),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "a missing field",
            json!({"cache_hits": 1}),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "a negative count",
            json!({"cache_hits": -1, "cache_misses": 0, "replays_answered": 0,
                   "replays_retried": 0}),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            "a count past the bound",
            report(0, 0, over, 0),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        ("not a report", json!("all good"), (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody)),
    ] {
        let res = send(&app, &body).await;
        let (status, text) = (res.status(), res.text().await.unwrap());
        let error: vitrine_protocol::ApiError =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{case}: {status} {text:?}"));
        assert_eq!((status, error.code), expected, "{case}");
    }
    let padded = format!(
        r#"{{"cache_hits":1,"cache_misses":0,"replays_answered":0,"replays_retried":0{}}}"#,
        " ".repeat(2_000)
    );
    let res = app
        .client
        .post(app.url(PATH))
        .header("content-type", "application/json")
        .body(padded)
        .send()
        .await
        .unwrap();
    assert_eq!(code(res).await, (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge));
    assert_eq!(kept(&app).await, 0);
    assert_eq!(metric(&app, r#"vitrine_worker_replays_total{outcome="answered"}"#).await, 0.0);
}

#[tokio::test]
async fn a_flood_of_reports_from_one_address_gets_429_with_a_time_to_wait() {
    let app = spawn_app_configured(|c| {
        let n = |v| NonZeroU32::new(v).unwrap();
        c.telemetry_limit = RateLimit { per_minute: n(1), burst: n(3) };
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let res = send(&app, &report(1, 0, 0, 0)).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
        }
        statuses.push(res.status());
    }
    let taken = statuses.iter().filter(|s| **s == StatusCode::NO_CONTENT).count();
    assert_eq!(taken, 3, "{statuses:?}");
    assert_eq!(kept(&app).await, 3);
}
