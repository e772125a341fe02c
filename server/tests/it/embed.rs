//! Issue 15, embedding: a merchant lists the origins allowed to frame its storefront
//! (`GET`/`PUT /api/v1/merchant/embed`, checked and stored canonical, audited), and
//! `/embed/{slug}` answers with `frame-ancestors` of exactly this shop and those origins —
//! so a browser refuses the frame on every other site — while every other page keeps
//! `frame-ancestors 'self'`. Bad lists are refused with the field and write nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::merchant::{Scope, MAX_EMBED_ORIGINS};
use vitrine_protocol::ErrorCode;

use crate::helpers::{spawn_app, TestApp};
use crate::merchants::{audit_rows, bearer, call, code, merchant};

const EMBED: &str = "/api/v1/merchant/embed";

async fn origins(app: &TestApp, auth: &str) -> Value {
    let res = call(app, Method::GET, EMBED, Some(auth), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.json::<Value>().await.unwrap()["origins"].clone()
}

/// The `frame-ancestors` of a page's Content-Security-Policy.
async fn ancestors(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.get(path).await;
    (res.status(), frame_ancestors(&res))
}

fn frame_ancestors(res: &reqwest::Response) -> String {
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    let ancestors = csp.split(';').find_map(|d| d.trim().strip_prefix("frame-ancestors "));
    ancestors.unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_merchants_listed_origins_and_only_they_may_frame_its_storefront() {
    let app = spawn_app().await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    assert_eq!(origins(&app, &auth).await, json!([]));
    assert_eq!(ancestors(&app, "/embed/tidal-glass").await, (StatusCode::OK, "'self'".into()));

    let body = json!({ "origins": ["https://Gallery.Example/", "http://localhost:8000",
                                   "https://gallery.example"] });
    let res = call(&app, Method::PUT, EMBED, Some(&auth), Some(body)).await;
    assert_eq!(res.status(), 200);
    let want = json!(["http://localhost:8000", "https://gallery.example"]);
    assert_eq!(res.json::<Value>().await.unwrap()["origins"], want, "canonical, each once");
    assert_eq!(origins(&app, &auth).await, want);
    let res = app.client.get(app.url("/embed/tidal-glass")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(
        ancestors(&app, "/embed/tidal-glass").await.1,
        "'self' http://localhost:8000 https://gallery.example"
    );
    // Every other page stays this shop's own.
    for page in ["/", "/c/tidal-glass", "/i/101", "/merchant"] {
        assert_eq!(ancestors(&app, page).await.1, "'self'", "{page}");
    }
    // A collection that is not on show, or no collection: nothing to frame.
    for missing in ["/embed/no-such-collection", "/embed/Not_A_Slug", "/embed/%00"] {
        let res = app.client.get(app.url(missing)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{missing}");
    }
    // Emptied: only this shop again, at once (the page is never cached on the way).
    let res = call(&app, Method::PUT, EMBED, Some(&auth), Some(json!({ "origins": [] }))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(ancestors(&app, "/embed/tidal-glass").await.1, "'self'");
}

#[tokio::test]
async fn the_framed_storefront_is_drawn_by_the_server_marked_framed_and_never_304() {
    let app = spawn_app().await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let body = json!({ "origins": ["https://gallery.example"] });
    assert_eq!(call(&app, Method::PUT, EMBED, Some(&auth), Some(body)).await.status(), 200);
    let detail: Value = app.get("/api/v1/collections/tidal-glass").await.json().await.unwrap();

    let res = app.get("/embed/tidal-glass?lite=1&host=https%3A%2F%2Fgallery.example").await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html class="embedded lite""#), "marked framed, lite: {html}");
    let title = detail["title"].as_str().unwrap();
    assert!(html.contains(&format!("<title>{title} · Vitrine</title>")), "{html}");
    for item in detail["items"].as_array().unwrap() {
        let link = format!(r#"href="/i/{}""#, item["id"]);
        assert!(html.contains(&link), "work {} drawn", item["id"]);
    }
    assert!(html.contains(r#"data-api="/api/v1/collections/tidal-glass""#), "its answer embedded");

    let plain = app.get("/embed/tidal-glass").await.text().await.unwrap();
    assert!(plain.contains(r#"<html class="embedded""#));

    // A validator that matches still gets the whole page, with the policy of now.
    let revalidate = || {
        app.client.get(app.url("/embed/tidal-glass?lite=1")).header("if-none-match", &etag).send()
    };
    assert_eq!(revalidate().await.unwrap().status(), 200);
    let res = call(&app, Method::PUT, EMBED, Some(&auth), Some(json!({ "origins": [] }))).await;
    assert_eq!(res.status(), 200);
    let res = revalidate().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(frame_ancestors(&res), "'self'");
}

#[tokio::test]
async fn a_bad_list_is_refused_whole_and_writes_nothing() {
    let app = spawn_app().await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let body = json!({ "origins": ["https://gallery.example"] });
    assert_eq!(call(&app, Method::PUT, EMBED, Some(&auth), Some(body)).await.status(), 200);
    let before = audit_rows(&app).await;
    let too_many: Vec<String> =
        (0..=MAX_EMBED_ORIGINS).map(|n| format!("https://s{n}.example")).collect();
    for (body, field) in [
        (json!({ "origins": ["https://ok.example", "http://plain.example"] }), "origins[1]"),
        (json!({ "origins": ["https://ok.example/shop"] }), "origins[0]"),
        (json!({ "origins": ["https://*.example"] }), "origins[0]"),
        (json!({ "origins": ["https://a.example; script-src *"] }), "origins[0]"),
        (json!({ "origins": too_many }), "origins"),
    ] {
        let res = call(&app, Method::PUT, EMBED, Some(&auth), Some(body.clone())).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let error: vitrine_protocol::ApiError = res.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::InvalidFields);
        assert_eq!(error.fields[0].field, field, "{body}");
    }
    for body in
        [json!({ "origins": "https://a.example" }), json!({ "origins": [], "x": 1 }), json!([])]
    {
        let res = call(&app, Method::PUT, EMBED, Some(&auth), Some(body.clone())).await;
        assert!(res.status().is_client_error(), "{body}: {}", res.status());
    }
    assert_eq!(origins(&app, &auth).await, json!(["https://gallery.example"]));
    assert_eq!(audit_rows(&app).await, before, "nothing written");
}

#[tokio::test]
async fn only_the_merchants_catalog_credentials_set_its_origins() {
    let app = spawn_app().await;
    let demo = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let orders_only = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Catalog]).await);
    let body = json!({ "origins": ["https://evil.example"] });
    for (auth, status, error) in [
        (None, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        (Some("Bearer forged"), StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        (Some(orders_only.as_str()), StatusCode::FORBIDDEN, ErrorCode::Forbidden),
    ] {
        let res = call(&app, Method::PUT, EMBED, auth, Some(body.clone())).await;
        assert_eq!(code(res).await, (status, error), "{auth:?}");
    }
    // Another merchant sets its own list: it never reaches the demo shop's storefront.
    assert_eq!(call(&app, Method::PUT, EMBED, Some(&rival), Some(body)).await.status(), 200);
    assert_eq!(ancestors(&app, "/embed/tidal-glass").await.1, "'self'");
    assert_eq!(origins(&app, &demo).await, json!([]));
    let action: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(action, ["embed.origins"]);
}
