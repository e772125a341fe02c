//! Issue 12: a merchant's collections, created, edited and hidden (never deleted) through the
//! merchant API, every bad input refused with nothing half-written, each change audited.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::merchant::{AuditEntry, MerchantCollection, Scope};
use vitrine_protocol::ErrorCode;

use crate::helpers::spawn_app;
use crate::merchants::{audit_rows, bearer, call, code, merchant, spring};

#[tokio::test]
async fn collections_are_created_edited_and_hidden_never_deleted_and_each_change_is_audited() {
    let app = spawn_app().await;
    let token = merchant(&app, "atelier", &[Scope::Catalog, Scope::Admin]).await;
    let auth = bearer(&token);
    let etag = app.get("/api/v1/collections").await.headers()["etag"].clone();

    let res =
        call(&app, Method::POST, "/api/v1/merchant/collections", Some(&auth), Some(spring())).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], "/api/v1/merchant/collections/spring-prints");
    let made: MerchantCollection = res.json().await.unwrap();
    assert_eq!((made.title.as_str(), made.hidden, made.item_count), ("Spring prints", false, 0));
    // The storefront lists it at once, and its ETag changed.
    let listed = app.get("/api/v1/collections").await;
    assert_ne!(listed.headers()["etag"], etag);
    let list: Vec<Value> = listed.json().await.unwrap();
    assert!(list.iter().any(|c| c["slug"] == "spring-prints"));

    let again =
        call(&app, Method::POST, "/api/v1/merchant/collections", Some(&auth), Some(spring())).await;
    assert_eq!(code(again).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::AlreadyExists));
    // Slugs are one namespace across merchants: the demo's is taken too.
    let theirs = json!({ "slug": "quiet-grids", "title": "Mine" });
    let res =
        call(&app, Method::POST, "/api/v1/merchant/collections", Some(&auth), Some(theirs)).await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::AlreadyExists));

    let edit = json!({ "title": "Spring prints, 2027" });
    let res = call(
        &app,
        Method::PATCH,
        "/api/v1/merchant/collections/spring-prints",
        Some(&auth),
        Some(edit),
    )
    .await;
    assert_eq!(res.status(), 200);
    let hide = json!({ "hidden": true });
    let res = call(
        &app,
        Method::PATCH,
        "/api/v1/merchant/collections/spring-prints",
        Some(&auth),
        Some(hide),
    )
    .await;
    let hidden: MerchantCollection = res.json().await.unwrap();
    assert!(hidden.hidden);
    assert_eq!(app.get("/api/v1/collections/spring-prints").await.status(), 404);
    let list: Vec<Value> = app.get("/api/v1/collections").await.json().await.unwrap();
    assert!(list.iter().all(|c| c["slug"] != "spring-prints"));
    // Still the merchant's, hidden.
    let own: Vec<MerchantCollection> =
        call(&app, Method::GET, "/api/v1/merchant/collections", Some(&auth), None)
            .await
            .json()
            .await
            .unwrap();
    assert!(own.iter().any(|c| c.slug.as_str() == "spring-prints" && c.hidden));

    let log: Vec<AuditEntry> = call(&app, Method::GET, "/api/v1/merchant/audit", Some(&auth), None)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "merchant.create",
            "token.create",
            "collection.create",
            "collection.edit",
            "collection.hide"
        ]
    );
    let edit = &log[3];
    assert_eq!(edit.subject, "collection spring-prints");
    assert_eq!(edit.before.as_ref().unwrap()["title"], "Spring prints");
    assert_eq!(edit.after.as_ref().unwrap()["title"], "Spring prints, 2027");
    assert!(edit.actor.starts_with("token "));
    assert!(!serde_json::to_string(&log).unwrap().contains(&token), "never the token");
    let page: Vec<AuditEntry> = call(
        &app,
        Method::GET,
        &format!("/api/v1/merchant/audit?after={}&limit=1", log[1].seq),
        Some(&auth),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].action, "collection.create");

    // Append-only, like the ledger; collections with orders are never deleted either.
    for sql in [
        "UPDATE audit_log SET action = 'nothing'",
        "DELETE FROM audit_log",
        "DELETE FROM merchant_tokens",
    ] {
        let error = sqlx::query(sql).execute(&app.db).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only")
                || error.to_string().contains("never deleted"),
            "{sql}: {error}"
        );
    }
}

#[tokio::test]
async fn bad_collection_input_gets_a_coded_4xx_per_field_and_writes_nothing() {
    let app = spawn_app().await;
    let auth = bearer(&merchant(&app, "atelier", &[Scope::Catalog]).await);
    let before = audit_rows(&app).await;
    let post = |body: String| {
        app.client
            .post(app.url("/api/v1/merchant/collections"))
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let res = post(
        json!({ "slug": "Bad Slug", "title": "", "description": "x".repeat(4001) }).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let error: Value = res.json().await.unwrap();
    assert_eq!(error["code"], "invalid_fields");
    let fields: Vec<&str> =
        error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["slug", "title", "description"]);
    for (body, expected) in [
        ("{".to_owned(), (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody)),
        (
            json!({ "slug": "a", "title": "A", "owner": "rival" }).to_string(),
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody),
        ),
        (
            json!({ "slug": "a", "title": "A\u{0007}" }).to_string(),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
        ),
        (
            json!({ "slug": "a", "title": "x".repeat(20_000) }).to_string(),
            (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
        ),
    ] {
        assert_eq!(
            code(post(body.clone()).await.unwrap()).await,
            expected,
            "{}",
            &body[..body.len().min(60)]
        );
    }
    let path = "/api/v1/merchant/collections/quiet-grids";
    let res = call(&app, Method::PATCH, path, Some(&auth), Some(json!({ "hidden": true }))).await;
    assert_eq!(
        code(res).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound),
        "not this merchant's"
    );
    let path = "/api/v1/merchant/collections/NOT%20A%20SLUG";
    let res = call(&app, Method::PATCH, path, Some(&auth), Some(json!({ "hidden": true }))).await;
    assert_eq!(code(res).await.1, ErrorCode::BadRequest);
    assert_eq!(audit_rows(&app).await, before);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM collections WHERE slug = 'a'")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_same_slug_created_at_once_from_twenty_requests_is_one_collection() {
    let app = spawn_app().await;
    let auth = bearer(&merchant(&app, "atelier", &[Scope::Catalog]).await);
    let answers = join_all((0..20).map(|_| {
        call(&app, Method::POST, "/api/v1/merchant/collections", Some(&auth), Some(spring()))
    }))
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses[0], 201);
    assert!(statuses[1..].iter().all(|s| *s == 422), "{statuses:?}");
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'collection.create'")
            .fetch_all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
    assert_eq!(rows, 1);
}
