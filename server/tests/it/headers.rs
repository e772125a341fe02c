//! Issue 10 §9: security headers on every response; immutable only for hashed URLs.

use crate::helpers::{spawn_app, spawn_app_configured};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/api/v1/collections", "/api/v1/nope", "/healthz", "/sw.js"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        assert!(h["permissions-policy"].to_str().unwrap().contains("camera=()"), "{path}");
    }
}

#[tokio::test]
async fn frame_ancestors_is_configurable() {
    let app = spawn_app_configured(|c| c.frame_ancestors = "https://shop.example".into()).await;
    let res = app.get("/").await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors https://shop.example"), "{csp}");
}
