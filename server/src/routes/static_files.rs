//! The built app: precompressed files chosen by `Accept-Encoding`, immutable caching for
//! content-hashed names, the app shell for the pages only the browser draws (deep links work),
//! and the app's "not found" page (404, `pages`) for every other path.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::pages::Pages;

pub fn router(dist: &Path, media: &Path, pages: Arc<Pages>) -> Router {
    let shell = ServeFile::new(dist.join("index.html")).precompressed_br().precompressed_gzip();
    let deep_link = tower::service_fn(move |req: Request| {
        let (shell, pages) = (shell.clone(), pages.clone());
        async move {
            let path = req.uri().path().to_owned();
            if looks_like_file(&path) {
                return Ok::<_, Infallible>(StatusCode::NOT_FOUND.into_response());
            }
            if !vitrine_protocol::paths::drawn_in_browser(&path) {
                return Ok(super::pages::not_found(pages, req.headers().clone(), path).await);
            }
            shell.oneshot(req).await.map(IntoResponse::into_response)
        }
    });
    let root = ServeDir::new(dist).precompressed_br().precompressed_gzip().fallback(deep_link);
    Router::new()
        .nest_service("/media", ServeDir::new(media))
        .fallback_service(root)
        .layer(middleware::from_fn(cache_headers))
}

/// A last segment with an extension names a file: a missing one is a 404, not the shell.
fn looks_like_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

async fn cache_headers(mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let immutable = is_immutable(&path);
    if !immutable {
        // A file's mtime is no validator for a fixed URL: a release built earlier than the one
        // it replaces (a rollback, or two builds deployed in turn) would answer 304 to the
        // newer copy's date, and browsers would never see the new `sw.js`. These files are
        // small; always send them whole.
        req.headers_mut().remove(header::IF_MODIFIED_SINCE);
    }
    let mut res = next.run(req).await;
    if !immutable {
        res.headers_mut().remove(header::LAST_MODIFIED);
    }
    let policy = cache_policy(&path, res.status());
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    // The shell asks for client hints, so the page's image requests (and `/img/{item}`) carry
    // DPR, slot width and Save-Data.
    if !looks_like_file(&path) || path == "/index.html" {
        res.headers_mut().insert(
            header::HeaderName::from_static("accept-ch"),
            HeaderValue::from_static(crate::images::hints::ACCEPT_CH),
        );
    }
    res
}

/// Only content-hashed URLs: `/assets/*` (xtask names them by hash) and media whose folder
/// or file stem ends in `-{hash}` (variants, demo art). `media/v/manifest.json` and originals
/// a merchant put in by hand have fixed names, so they are revalidated.
fn is_immutable(path: &str) -> bool {
    if path.starts_with("/assets/") {
        return true;
    }
    let Some(rest) = path.strip_prefix("/media/") else { return false };
    rest.split('/').any(|segment| {
        let stem = segment.split('.').next().unwrap_or_default();
        stem.rsplit_once('-')
            .is_some_and(|(_, hash)| hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

/// Content-hashed URLs never change; everything else (shell, `sw.js`, manifest) must be
/// revalidated so a new release is seen at once. Errors are never cached.
fn cache_policy(path: &str, status: StatusCode) -> &'static str {
    let ok = status.is_success() || status == StatusCode::NOT_MODIFIED;
    if !ok {
        "no-store"
    } else if is_immutable(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_paths_are_immutable() {
        let ok = StatusCode::OK;
        assert_eq!(
            cache_policy("/assets/app-1a2b.wasm", ok),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_policy("/media/thumbs/1-0a1b2c3d4e.jpg", ok),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_policy("/media/v/101-0a1b2c3d4e/640.webp", ok),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_policy("/media/v/manifest.json", ok), "no-cache");
        assert_eq!(cache_policy("/media/originals/sunset.jpg", ok), "no-cache");
        assert_eq!(cache_policy("/media/originals/my-photo.jpg", ok), "no-cache");
        assert_eq!(cache_policy("/sw.js", ok), "no-cache");
        assert_eq!(cache_policy("/", ok), "no-cache");
        assert_eq!(cache_policy("/assets/missing.js", StatusCode::NOT_FOUND), "no-store");
    }

    #[test]
    fn deep_links_are_not_files() {
        assert!(!looks_like_file("/c/tidal-glass"));
        assert!(!looks_like_file("/i/101"));
        assert!(looks_like_file("/favicon.ico"));
    }
}
