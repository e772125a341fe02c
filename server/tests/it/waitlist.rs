//! Waitlists: join once however often asked, refuse what is not an address or not an item
//! with a code, never touch the ledger, and hold a flood at the door.

use futures::future::join_all;
use serde_json::json;
use vitrine_protocol::waitlist::Waitlisted;
use vitrine_protocol::{ApiError, ErrorCode};

use crate::helpers::{spawn_app, spawn_app_configured};

const SOLD_OUT: i64 = 105;

async fn join(
    app: &crate::helpers::TestApp,
    item: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    let url = app.url(&format!("/api/v1/items/{item}/waitlist"));
    app.client.post(url).json(&body).send().await.unwrap()
}

async fn rows(app: &crate::helpers::TestApp) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT item_id, email FROM waitlist ORDER BY item_id, email")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

async fn code(res: reqwest::Response) -> ErrorCode {
    res.json::<ApiError>().await.unwrap().code
}

#[tokio::test]
async fn joining_twice_is_one_entry_whatever_the_case_or_spaces() {
    let app = spawn_app().await;
    let ledger = app.ledger_snapshot().await;
    let first = join(&app, "105", json!({ "email": "Ada@Example.org" })).await;
    assert_eq!(first.status(), 201);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let first: Waitlisted = first.json().await.unwrap();
    let again = join(&app, "105", json!({ "email": "  ada@example.ORG " })).await;
    assert_eq!(again.status(), 200);
    let again: Waitlisted = again.json().await.unwrap();
    assert_eq!(again, first, "the first join's time is kept");
    assert_eq!(rows(&app).await, [(SOLD_OUT, "ada@example.org".to_owned())]);
    assert_eq!(app.ledger_snapshot().await, ledger, "orders and stock untouched");
}

#[tokio::test]
async fn the_same_address_joining_at_once_from_many_tabs_is_one_entry() {
    let app = spawn_app().await;
    let answers =
        join_all((0..12).map(|_| join(&app, "105", json!({ "email": "grace@example.org" })))).await;
    let created = answers.iter().filter(|r| r.status() == 201).count();
    assert_eq!(created, 1);
    assert!(answers.iter().all(|r| r.status() == 201 || r.status() == 200));
    assert_eq!(rows(&app).await.len(), 1);
}

#[tokio::test]
async fn bad_input_gets_a_coded_4xx_and_stores_nothing() {
    let app = spawn_app().await;
    let ledger = app.ledger_snapshot().await;
    for email in
        ["", "ada", "ada@example", "a b@example.org", &format!("{}@example.org", "a".repeat(260))]
    {
        let res = join(&app, "105", json!({ "email": email })).await;
        assert_eq!(res.status(), 422, "{email:?}");
        assert_eq!(code(res).await, ErrorCode::InvalidEmail);
    }
    let unknown = join(&app, "999999", json!({ "email": "ada@example.org" })).await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(code(unknown).await, ErrorCode::NotFound);
    let bad_id = join(&app, "not-a-number", json!({ "email": "ada@example.org" })).await;
    assert_eq!(bad_id.status(), 400);
    assert_eq!(code(bad_id).await, ErrorCode::BadRequest);
    for body in
        [json!({}), json!({ "email": 5 }), json!({ "email": "ada@example.org", "admin": true })]
    {
        let res = join(&app, "105", body.clone()).await;
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(code(res).await, ErrorCode::MalformedBody);
    }
    let url = app.url("/api/v1/items/105/waitlist");
    let not_json = app.client.post(&url).body("email=ada@example.org").send().await.unwrap();
    assert_eq!(not_json.status(), 400);
    let huge = json!({ "email": format!("{}@example.org", "a".repeat(100_000)) });
    let too_big = join(&app, "105", huge).await;
    assert_eq!(too_big.status(), 413);
    assert_eq!(code(too_big).await, ErrorCode::PayloadTooLarge);
    let get = app.client.get(&url).send().await.unwrap();
    assert_eq!(get.status(), 405);
    assert!(rows(&app).await.is_empty());
    assert_eq!(app.ledger_snapshot().await, ledger);
}

#[tokio::test]
async fn a_flood_of_joins_gets_429_with_retry_after() {
    let app = spawn_app_configured(|c| {
        c.waitlist_limit = vitrine_server::domain::rate_limit::RateLimit::default();
    })
    .await;
    let mut limited = 0;
    for n in 0..40 {
        let res = join(&app, "105", json!({ "email": format!("bot{n}@example.org") })).await;
        if res.status() == 429 {
            let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry >= 1);
            assert_eq!(code(res).await, ErrorCode::RateLimited);
            limited += 1;
        } else {
            assert_eq!(res.status(), 201);
        }
    }
    // A burst of 20; a token returns every 6 s, so a slow machine may get one or two more.
    assert!((18..=20).contains(&limited), "{limited} of 40 refused");
    assert_eq!(rows(&app).await.len(), 40 - limited);
}
