//! Issue 12: merchant accounts. The auth matrix (no token, a bad one, a revoked one, a wrong
//! scope, another merchant's token, a forged or expired cookie, a missing CSRF token), the
//! console's session, and the CLI that hands out tokens. Collections: `merchant_catalog.rs`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::merchant::{MerchantCollection, Scope, Session};
use vitrine_protocol::{ApiError, ErrorCode};
use vitrine_server::domain::merchants::new_token;
use vitrine_server::storage::merchants::Created;

use crate::helpers::{now, spawn_app, spawn_app_configured, TestApp};
use crate::merchant_routes::ROUTES;

/// A merchant with one token of `scopes`; the token as printed.
pub(crate) async fn merchant(app: &TestApp, name: &str, scopes: &[Scope]) -> String {
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    let (token, hash) = new_token().unwrap();
    match storage.create_merchant(name, hash, scopes, now()).await.unwrap() {
        Created::Created(_) => token,
        Created::Taken => {
            storage.add_token(name, hash, scopes, now()).await.unwrap().unwrap();
            token
        }
    }
}

pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

pub(crate) async fn code(res: reqwest::Response) -> (StatusCode, ErrorCode) {
    let status = res.status();
    let error: ApiError = res.json().await.unwrap();
    (status, error.code)
}

pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub(crate) async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
}

pub(crate) const SESSION: &str = "/api/v1/merchant/session";
pub(crate) const RENEW: &str = "/api/v1/merchant/session/renew";

pub(crate) fn spring() -> Value {
    json!({ "slug": "spring-prints", "title": "Spring prints", "description": "Risograph." })
}

#[tokio::test]
async fn without_valid_credentials_every_merchant_route_is_401_and_nothing_changes() {
    let app = spawn_app().await;
    let token = merchant(&app, "atelier", &Scope::ALL).await;
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    storage.revoke_tokens("atelier", None, now()).await.unwrap();
    let (live, _) = new_token().unwrap();
    let before = audit_rows(&app).await;
    for auth in [
        None,
        Some("Basic YWRtaW46YWRtaW4=".to_owned()),
        Some("Bearer".to_owned()),
        Some("Bearer ".to_owned()),
        Some(bearer(&live)),  // well formed, never issued
        Some(bearer(&token)), // revoked
        Some(format!("bearer {token}")),
    ] {
        for (method, path) in ROUTES {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let res = call(&app, method, path, auth.as_deref(), Some(spring())).await;
            assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
        }
    }
    assert_eq!(audit_rows(&app).await, before, "refusals write nothing");
    let slugs: Vec<Value> = app.get("/api/v1/collections").await.json().await.unwrap();
    assert!(slugs.iter().all(|c| c["slug"] != "spring-prints"));
}

#[tokio::test]
async fn a_token_without_the_scope_gets_403_and_another_merchants_things_do_not_exist() {
    let app = spawn_app().await;
    let orders_only = merchant(&app, "atelier", &[Scope::Orders]).await;
    let catalog = merchant(&app, "atelier", &[Scope::Catalog]).await;
    let rival = merchant(&app, "rival", &[Scope::Catalog, Scope::Admin]).await;
    let demo = merchant(&app, "demo", &[Scope::Catalog]).await;

    let res = call(
        &app,
        Method::POST,
        "/api/v1/merchant/collections",
        Some(&bearer(&orders_only)),
        Some(spring()),
    )
    .await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    let res =
        call(&app, Method::GET, "/api/v1/merchant/audit", Some(&bearer(&catalog)), None).await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    // Drops need the drops scope, reading as much as changing.
    for (method, path) in [
        (Method::GET, "/api/v1/merchant/drops"),
        (Method::POST, "/api/v1/merchant/drops/1/approve"),
        (Method::GET, "/api/v1/merchant/schedule-rules"),
    ] {
        let res = call(&app, method, path, Some(&bearer(&catalog)), Some(spring())).await;
        assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    }
    let me: Value =
        call(&app, Method::GET, "/api/v1/merchant/me", Some(&bearer(&orders_only)), None)
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(me, json!({ "merchant": "atelier", "scopes": ["orders"] }));

    // The demo catalog is the demo merchant's: a rival can neither see nor hide it.
    let theirs: Vec<MerchantCollection> =
        call(&app, Method::GET, "/api/v1/merchant/collections", Some(&bearer(&rival)), None)
            .await
            .json()
            .await
            .unwrap();
    assert!(theirs.is_empty());
    let hide = json!({ "hidden": true });
    let res = call(
        &app,
        Method::PATCH,
        "/api/v1/merchant/collections/quiet-grids",
        Some(&bearer(&rival)),
        Some(hide.clone()),
    )
    .await;
    assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    assert_eq!(app.get("/api/v1/collections/quiet-grids").await.status(), 200);
    let own: Vec<MerchantCollection> =
        call(&app, Method::GET, "/api/v1/merchant/collections", Some(&bearer(&demo)), None)
            .await
            .json()
            .await
            .unwrap();
    assert!(own.iter().any(|c| c.slug.as_str() == "quiet-grids"));
}

fn session_cookie(res: &reqwest::Response) -> (String, String) {
    let set = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let value = set.split(';').next().unwrap().to_owned();
    (value, set)
}

async fn sign_in(app: &TestApp, token: &str) -> (String, Session) {
    let res = call(app, Method::POST, SESSION, Some(&bearer(token)), None).await;
    assert_eq!(res.status(), 201);
    let (cookie, _) = session_cookie(&res);
    (cookie, res.json().await.unwrap())
}

/// A bodyless request with the session `cookie` and, when given, a CSRF token.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
) -> reqwest::Response {
    with_cookie(app, method, path, cookie, csrf, None).await
}

async fn with_cookie(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).header("cookie", cookie);
    if let Some(csrf) = csrf {
        req = req.header("x-csrf-token", csrf);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn the_console_session_is_an_httponly_strict_cookie_and_every_change_needs_its_csrf_token() {
    let app = spawn_app().await;
    let token = merchant(&app, "atelier", &[Scope::Catalog]).await;
    let res = call(&app, Method::POST, SESSION, Some(&bearer(&token)), None).await;
    assert_eq!(res.status(), 201);
    let (cookie, set) = session_cookie(&res);
    assert!(cookie.starts_with("vitrine_session=") && cookie.len() > 40, "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/merchant", "Max-Age=1800"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP here: {set}");
    let session: Session = res.json().await.unwrap();
    assert_eq!(
        (session.merchant.as_str(), session.scopes.as_slice()),
        ("atelier", &[Scope::Catalog][..])
    );
    assert!(!set.contains(&session.csrf_token), "the CSRF token is not the cookie");

    let me = send(&app, Method::GET, "/api/v1/merchant/me", &cookie, None).await;
    assert_eq!(me.status(), 200);
    let read: Session = send(&app, Method::GET, SESSION, &cookie, None).await.json().await.unwrap();
    assert_eq!(read.csrf_token, session.csrf_token, "read back after a reload");

    // A change with the cookie alone is what a cross-site form would send: refused.
    let path = "/api/v1/merchant/collections";
    for csrf in [None, Some("wrong"), Some("")] {
        let res = with_cookie(&app, Method::POST, path, &cookie, csrf, Some(spring())).await;
        assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden), "{csrf:?}");
    }
    let res =
        with_cookie(&app, Method::POST, path, &cookie, Some(&session.csrf_token), Some(spring()))
            .await;
    assert_eq!(res.status(), 201);

    // A forged cookie, or the right CSRF token with someone else's cookie, is nothing.
    let forged = "vitrine_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let res = send(&app, Method::GET, "/api/v1/merchant/me", forged, None).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
    let (other, _) = sign_in(&app, &token).await;
    let res = send(&app, Method::DELETE, SESSION, &other, Some(&session.csrf_token)).await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));

    // A session cannot start another: only a bearer token signs in.
    let res = send(&app, Method::POST, SESSION, &cookie, Some(&session.csrf_token)).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));

    // Renewed: a later end, the cookie set again.
    let renewed = send(&app, Method::POST, RENEW, &cookie, Some(&session.csrf_token)).await;
    assert_eq!(renewed.status(), 200);
    assert!(renewed.headers()["set-cookie"].to_str().unwrap().contains("Max-Age="));
    let renewed: Session = renewed.json().await.unwrap();
    assert!(renewed.expires_at >= session.expires_at);

    // Signed out: the cookie is cleared and worthless if kept.
    let out = send(&app, Method::DELETE, SESSION, &cookie, Some(&session.csrf_token)).await;
    assert_eq!(out.status(), 204);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let res = send(&app, Method::GET, "/api/v1/merchant/me", &cookie, None).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
}

#[tokio::test]
async fn an_expired_session_or_one_whose_token_was_revoked_gets_nothing() {
    let app = spawn_app().await;
    let token = merchant(&app, "atelier", &[Scope::Catalog]).await;
    let (expired, _) = sign_in(&app, &token).await;
    sqlx::query("UPDATE merchant_sessions SET expires_at = ?1")
        .bind(now().0 - 1)
        .execute(&app.db)
        .await
        .unwrap();
    let res = send(&app, Method::GET, "/api/v1/merchant/me", &expired, None).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
    let (cookie, session) = sign_in(&app, &token).await;
    let res = send(&app, Method::POST, RENEW, &expired, Some(&session.csrf_token)).await;
    assert_eq!(code(res).await.0, StatusCode::UNAUTHORIZED, "an ended session is not renewed");
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    storage.revoke_tokens("atelier", None, now()).await.unwrap();
    let res = send(&app, Method::GET, "/api/v1/merchant/me", &cookie, None).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
}

#[tokio::test]
async fn the_session_cookie_is_secure_where_the_shop_is_served_over_tls() {
    let app = spawn_app_configured(|c| c.cookie_secure = true).await;
    let token = merchant(&app, "atelier", &[Scope::Catalog]).await;
    let res = call(&app, Method::POST, SESSION, Some(&bearer(&token)), None).await;
    let (_, set) = session_cookie(&res);
    assert!(set.contains("; Secure"), "{set}");
}

#[tokio::test]
async fn a_flood_of_sign_ins_gets_429_with_retry_after() {
    let app = spawn_app().await;
    let (never, _) = new_token().unwrap();
    let mut limited = None;
    for _ in 0..40 {
        let res = call(&app, Method::POST, SESSION, Some(&bearer(&never)), None).await;
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), 401);
    }
    let res = limited.expect("sign-ins are rate limited per address");
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(code(res).await.1, ErrorCode::RateLimited);
}

#[tokio::test]
async fn the_cli_prints_a_token_once_stores_only_its_hash_lists_and_revokes() {
    let app = spawn_app().await;
    let vitrine = env!("CARGO_BIN_EXE_vitrine");
    let run = |args: &[&str]| {
        std::process::Command::new(vitrine)
            .args(args)
            .args(["--db", app.db_url.as_str()])
            .output()
            .unwrap()
    };
    let made = run(&["merchant", "create", "Atelier Nord", "--scopes", "catalog,admin"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let out = String::from_utf8(made.stdout).unwrap();
    let token = out.lines().find(|l| l.starts_with("vtm_")).unwrap().to_owned();
    // Only its hash is kept: the token's text is nowhere in the database's files.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM merchant_tokens")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(stored, vitrine_server::domain::merchants::hash(&token));
    // Searched by another process: opening and closing the database's files here would drop
    // this process's SQLite locks (POSIX locks belong to the process, not the descriptor).
    let file = app.db_url.trim_start_matches("sqlite://").to_owned();
    let grep = std::process::Command::new("grep")
        .args(["-c", "-F", &token, &file, &format!("{file}-wal")])
        .output()
        .unwrap();
    assert_eq!(grep.status.code(), Some(1), "{}", String::from_utf8_lossy(&grep.stdout));
    let me = call(&app, Method::GET, "/api/v1/merchant/me", Some(&bearer(&token)), None).await;
    assert_eq!(me.status(), 200);

    let twice = run(&["merchant", "create", "Atelier Nord"]);
    assert!(!twice.status.success(), "names are unique");
    let bad = run(&["merchant", "token", "Atelier Nord", "--scopes", "everything"]);
    assert!(!bad.status.success());
    let list = String::from_utf8(run(&["merchant", "list"]).stdout).unwrap();
    assert!(list.contains("Atelier Nord\ttoken 1\tcatalog,admin\tlive"), "{list}");
    let revoked = run(&["merchant", "revoke", "Atelier Nord"]);
    assert!(revoked.status.success());
    let me = call(&app, Method::GET, "/api/v1/merchant/me", Some(&bearer(&token)), None).await;
    // At once: no read of the server's may still see the token as it was.
    assert_eq!(me.status(), 401);
    assert!(
        !run(&["merchant", "revoke", "Atelier Nord"]).status.success(),
        "nothing left to revoke"
    );
}
