//! The storefront's pages as HTML (`render`): `/`, `/c/{slug}` and `/i/{id}` answer with the
//! page drawn, so it shows before any script has run, and a path that is no page answers 404
//! with the app's "not found" page. The pages only the browser draws get the app's shell
//! (`static_files`). Each page is drawn from the very answer of the API endpoint it reads; its
//! islands carry what they need as props (a framed storefront, which runs the whole app, also
//! embeds the answer).

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use vitrine_app::preload::Answer;
use vitrine_app::ssr::Drawn;
use vitrine_protocol::{paths, ItemId, Slug};

use super::catalog;
use crate::error::ApiError;
use crate::render::Renderer;
use crate::AppState;

/// The built shell and what renders into it; shared by every page route.
pub struct Pages {
    dist: PathBuf,
    renderer: Renderer,
}

/// A page differs by encoding, and by whether the request asked to save data.
const PAGE_VARY: &str = "accept-encoding, save-data, ect";

impl Pages {
    pub fn new(dist: PathBuf) -> Arc<Pages> {
        Arc::new(Pages { dist, renderer: Renderer::default() })
    }
}

pub fn router(pages: &Arc<Pages>) -> Router<AppState> {
    let (home_pages, gallery_pages, item_pages) = (pages.clone(), pages.clone(), pages.clone());
    Router::new()
        .route("/", get(move |state, headers| home(state, headers, home_pages.clone())))
        .route(
            "/c/{slug}",
            get(move |state, headers, uri, slug| {
                collection(state, headers, uri, slug, gallery_pages.clone())
            }),
        )
        .route(
            "/i/{id}",
            get(move |state, headers, uri, id| item(state, headers, uri, id, item_pages.clone())),
        )
}

async fn home(State(state): State<AppState>, headers: HeaderMap, pages: Arc<Pages>) -> Response {
    let answer = answer(paths::COLLECTIONS, catalog::collections_of(&state).await);
    pages.send(&headers, "/", Some(answer), true, None).await
}

async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    slug: Result<Path<String>, PathRejection>,
    pages: Arc<Pages>,
) -> Response {
    let answer = match slug.ok().and_then(|Path(raw)| raw.parse::<Slug>().ok()) {
        Some(slug) => {
            Some(answer(&paths::collection(&slug), catalog::collection_of(&state, &slug).await))
        }
        None => None,
    };
    pages.send(&headers, uri.path(), answer, true, None).await
}

async fn item(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    id: Result<Path<String>, PathRejection>,
    pages: Arc<Pages>,
) -> Response {
    let answer = match id.ok().and_then(|Path(raw)| raw.parse::<ItemId>().ok()) {
        // Never kept: each answer carries a fresh signed quote.
        Some(id) => Some(answer(&paths::item(id), catalog::item_of(&state, id).await)),
        None => None,
    };
    pages.send(&headers, uri.path(), answer, false, None).await
}

/// A path that is no page and no file: the app's "not found" page, with a 404.
pub async fn not_found(pages: Arc<Pages>, headers: HeaderMap, path: String) -> Response {
    pages.send(&headers, &path, None, false, None).await
}

/// An endpoint's answer as the app would have fetched it: the same bytes.
pub(super) fn answer<T: Serialize>(api: &str, result: Result<T, ApiError>) -> Answer {
    let (ok, body) = match result {
        Ok(value) => (true, serde_json::to_string(&value)),
        Err(error) => (false, serde_json::to_string(&error.answer().body)),
    };
    Answer { api: api.to_owned(), ok, body: body.unwrap_or_default() }
}

impl Pages {
    /// The page at `path` drawn with `answer`; `keep` it rendered if it exists; `root_class`:
    /// classes for the document element (a framed storefront's).
    pub(super) async fn send(
        &self,
        request: &HeaderMap,
        path: &str,
        answer: Option<Answer>,
        keep: bool,
        root_class: Option<&str>,
    ) -> Response {
        let shell = match tokio::fs::read_to_string(self.dist.join("index.html")).await {
            Ok(shell) => match root_class {
                Some(class) => shell.replacen("<html", &format!("<html class=\"{class}\""), 1),
                None => shell,
            },
            Err(error) => {
                tracing::error!(%error, "the app's shell cannot be read");
                let message = "the storefront is not built";
                return ApiError::new(vitrine_protocol::ErrorCode::Internal, message)
                    .into_response();
            }
        };
        let status = match &answer {
            Some(a) if a.ok => StatusCode::OK,
            Some(a) => serde_json::from_str::<vitrine_protocol::ApiError>(&a.body)
                .map_or(StatusCode::INTERNAL_SERVER_ERROR, |e| crate::error::status_of(e.code)),
            None => StatusCode::NOT_FOUND,
        };
        // Only pages that exist are kept: a flood of made-up paths must not push the
        // galleries out of the cache.
        let keep = keep && status == StatusCode::OK;
        // A framed storefront runs the whole app, which draws its first view from the answer.
        let drawn = Drawn {
            for_app: root_class.is_some(),
            lite: crate::images::hints::asks_to_save_data(request),
        };
        let page = self.renderer.page(&shell, path, answer, drawn, keep);
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static(PAGE_VARY));
        // The page's image requests carry DPR, slot width and Save-Data (as the shell asks).
        headers.insert(
            header::HeaderName::from_static("accept-ch"),
            HeaderValue::from_static(crate::images::hints::ACCEPT_CH),
        );
        if let Ok(etag) = HeaderValue::from_str(&page.etag) {
            headers.insert(header::ETAG, etag);
        }
        if status == StatusCode::OK && super::etag::matched(request, &page.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        match &page.brotli {
            Some(br) if accepts_brotli(request) => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                (status, headers, br.clone()).into_response()
            }
            _ => (status, headers, page.html.clone()).into_response(),
        }
    }
}

/// `Accept-Encoding` lists `br` with a non-zero weight.
fn accepts_brotli(request: &HeaderMap) -> bool {
    request.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next().is_some_and(|c| c.eq_ignore_ascii_case("br"))
                && parts.all(|p| p.replace(' ', "") != "q=0" && p != "q=0.0" && p != "q=0.000")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encodings(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn brotli_only_when_accepted() {
        assert!(accepts_brotli(&encodings("gzip, deflate, br, zstd")));
        assert!(accepts_brotli(&encodings("br;q=0.5")));
        assert!(!accepts_brotli(&encodings("gzip")));
        assert!(!accepts_brotli(&encodings("br;q=0, gzip")));
        assert!(!accepts_brotli(&encodings("brotli")));
        assert!(!accepts_brotli(&HeaderMap::new()));
    }
}
