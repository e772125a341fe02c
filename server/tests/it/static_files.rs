use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};
use reqwest::StatusCode;

use crate::helpers::spawn_app;

async fn fetch(app: &crate::helpers::TestApp, path: &str, enc: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header(ACCEPT_ENCODING, enc).send().await.unwrap()
}

#[tokio::test]
async fn precompressed_variant_follows_accept_encoding() {
    let app = spawn_app().await;
    let path = "/assets/app-0123abcd.js";
    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), "brotli"),
        ("gzip", Some("gzip"), "gzip"),
        ("identity", None, "plain"),
    ] {
        let res = fetch(&app, path, accept).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_owned()),
            encoding.map(str::to_owned),
            "{accept}"
        );
        assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(res.text().await.unwrap(), body, "{accept}");
    }
}

#[tokio::test]
async fn shell_and_worker_must_revalidate() {
    let app = spawn_app().await;
    for path in ["/", "/sw.js"] {
        let res = fetch(&app, path, "identity").await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(res.headers().get("last-modified").is_none(), "{path}: no mtime validator");
        // A browser holding a copy dated in the future (a newer build, since rolled back)
        // still gets the file, not a 304.
        let res = app
            .client
            .get(app.url(path))
            .header("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path} after a rollback");
    }
    // Content-hashed files keep their validators.
    let res = fetch(&app, "/assets/app-0123abcd.js", "identity").await;
    assert!(res.headers().get("last-modified").is_some());
}

#[tokio::test]
async fn deep_links_get_a_page_but_missing_files_404() {
    let app = spawn_app().await;
    // Drawn by the server (`pages`) or, for the pages only the browser draws, the shell.
    for path in ["/c/tidal-glass", "/i/101", "/receipts"] {
        let res = fetch(&app, path, "identity").await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.text().await.unwrap().contains("<noscript>shell</noscript>"), "{path}");
    }
    for path in ["/assets/app-ffffffff.js", "/missing.png"] {
        let res = fetch(&app, path, "identity").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-store", "{path}");
    }
}
