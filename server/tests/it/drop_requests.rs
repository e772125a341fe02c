//! Issue 12: bad requests to the drop routes. Malformed bodies, impossible terms, bad ids and
//! an approval sent twice: each gets its 4xx with the fields at fault, or the first answer
//! again, and nothing is written twice. Allowlist lookups are limited per client address.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::{ApiError, ErrorCode};

use crate::drops::{approved, drop_of, dropper};
use crate::helpers::{now, spawn_app, TestApp};
use crate::merchants::{audit_rows, call, code};

const DROPS: &str = "/api/v1/merchant/drops";

async fn drops_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM drops").fetch_all(&app.db).await.unwrap()[0]
}

#[tokio::test]
async fn malformed_or_impossible_drops_are_refused_per_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let auth = dropper(&app).await;
    let (audit, stored) = (audit_rows(&app).await, drops_stored(&app).await);
    let start = now().plus(60_000);
    let good = drop_of(start, start.plus(3_600_000), 1, 1);

    let mut unknown = good.clone();
    unknown["owner"] = json!("someone else");
    let res = call(&app, Method::POST, DROPS, Some(&auth), Some(unknown)).await;
    assert_eq!(code(res).await, (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody));
    let raw = app
        .client
        .post(app.url(DROPS))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(code(raw).await.1, ErrorCode::MalformedBody);

    let cases: Vec<(Value, &str)> = vec![
        (json!({ "ends_at": start.minus(1) }), "ends_at"),
        (json!({ "per_buyer_limit": 0 }), "per_buyer_limit"),
        (json!({ "title": " " }), "title"),
        (json!({ "items": [] }), "items"),
        (
            json!({ "items": [
                { "item": 101, "supply": 1, "price": { "amount_minor": 100, "currency": "EUR" } },
                { "item": 101, "supply": 1, "price": { "amount_minor": 100, "currency": "EUR" } },
            ] }),
            "items[1].item",
        ),
        (
            json!({ "items": [{ "item": 101, "supply": 0, "price": { "amount_minor": -5, "currency": "EUR" } }] }),
            "items[0].supply",
        ),
        (
            json!({ "items": [{ "item": 999_999, "supply": 1, "price": { "amount_minor": 5, "currency": "EUR" } }] }),
            "items[0].item",
        ),
    ];
    for (change, field) in cases {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = call(&app, Method::POST, DROPS, Some(&auth), Some(body)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error: ApiError = res.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::InvalidFields);
        assert!(error.fields.iter().any(|f| f.field == field), "{field}: {:?}", error.fields);
    }
    for bad in [
        "/api/v1/merchant/drops/abc",
        "/api/v1/merchant/drops/0",
        "/api/v1/merchant/drops/-3/approve",
    ] {
        let method = if bad.ends_with("approve") { Method::POST } else { Method::GET };
        let res = call(&app, method, bad, Some(&auth), None).await;
        assert_eq!(code(res).await.1, ErrorCode::BadRequest, "{bad}");
    }
    let res = call(
        &app,
        Method::PUT,
        "/api/v1/merchant/schedule-rules",
        Some(&auth),
        Some(json!({ "min_lead_minutes": 0 })),
    )
    .await;
    assert!(res.status().is_client_error());
    assert_eq!(
        (audit_rows(&app).await, drops_stored(&app).await),
        (audit, stored),
        "refusals write nothing"
    );
}

#[tokio::test]
async fn an_approval_sent_twice_approves_once_and_a_list_needs_a_list_drop() {
    let app = spawn_app().await;
    app.set_stock(101, 10).await;
    let auth = dropper(&app).await;
    let start = now().plus(60_000);
    let drop = approved(&app, &auth, drop_of(start, start.plus(3_600_000), 1, 1)).await;
    let again =
        call(&app, Method::POST, &format!("{DROPS}/{}/approve", drop.id), Some(&auth), None).await;
    assert_eq!(again.status(), 200);
    let approvals: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'drop.approve'")
            .fetch_all(&app.db)
            .await
            .unwrap()[0];
    assert_eq!(approvals, 1);

    // An open drop takes no list; an empty list is refused too.
    let later = start.plus(7_200_000);
    let res = call(
        &app,
        Method::POST,
        DROPS,
        Some(&auth),
        Some(drop_of(later, later.plus(60_000), 1, 1)),
    )
    .await;
    let open: Value = res.json().await.unwrap();
    let path = format!("{DROPS}/{}/allowlist", open["id"]);
    let res =
        call(&app, Method::PUT, &path, Some(&auth), Some(json!({ "entries": ["a@example.com"] })))
            .await;
    let error: ApiError = res.json().await.unwrap();
    assert_eq!(error.fields[0].field, "allowlist");
    let res = call(&app, Method::PUT, &path, Some(&auth), Some(json!({ "entries": [] }))).await;
    assert_eq!(code(res).await.1, ErrorCode::InvalidFields);
}

#[tokio::test]
async fn probing_addresses_against_allowlists_gets_429_with_retry_after() {
    let app = spawn_app().await;
    // The limit runs before any lookup (20 at once, then 10 a minute): a listed drop or none,
    // a prober learns nothing more after it.
    let mut limited = None;
    for n in 0..40u8 {
        let leaf = vitrine_protocol::drops::allowlist::to_hex(&[n; 32]);
        let res = app.get(&format!("/api/v1/drops/1/allowlist/{leaf}")).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((n, res));
            break;
        }
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    let (n, limited) = limited.expect("the lookups were limited");
    assert_eq!(n, 20, "a burst of 20 first");
    assert!(limited.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(limited.json::<ApiError>().await.unwrap().code, ErrorCode::RateLimited);
}
