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
async fn the_shell_s_inline_script_is_allowed_by_its_hash_and_no_other() {
    use base64::Engine as _;
    use sha2::Digest as _;
    // The built shell's template: every page the server draws, and the shell, carry its head
    // and body around the page.
    let shell = include_str!("../../../public/index.html");
    let inline: Vec<&str> = shell
        .split("<script>")
        .skip(1)
        .map(|rest| rest.split("</script>").next().unwrap_or_default())
        .collect();
    assert_eq!(inline.len(), 1, "{shell}");
    let app = spawn_app().await;
    let res = app.get("/c/tidal-glass").await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline[0]));
    assert!(
        csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}';")),
        "{csp}"
    );
    assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
}

#[tokio::test]
async fn frame_ancestors_is_configurable() {
    let app = spawn_app_configured(|c| c.frame_ancestors = "https://shop.example".into()).await;
    let res = app.get("/").await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors https://shop.example"), "{csp}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_configured(|c| {
        c.limits.header_read_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Slow loris: a request line and one header, then nothing.
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = [0u8; 512];
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), slow.read(&mut buf))
        .await
        .expect("the server closes the connection instead of waiting forever");
    // Closed (0 bytes, or a reset), possibly after a 408: never a served request.
    let served = read.is_ok_and(|n| String::from_utf8_lossy(&buf[..n]).contains("200 OK"));
    assert!(!served);
    // A well-behaved client on the same server is served.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
