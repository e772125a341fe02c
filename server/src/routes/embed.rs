//! `GET /embed/{slug}`: a collection's storefront for a frame on its merchant's own site, drawn
//! by the server like `/c/{slug}` (`pages`), answered with a Content-Security-Policy whose
//! `frame-ancestors` are this shop and the origins the merchant listed
//! (`PUT /api/v1/merchant/embed`): a browser refuses to show it in a frame on any other site.
//! Never cached on the way, so a change of the list holds at once. The page is marked framed
//! (and `lite`, without our header, when asked) from the first paint; the postMessage protocol
//! is the app's.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::Response;
use vitrine_protocol::{paths, Slug};

use super::catalog;
use super::pages::{self, Pages};
use crate::error::ApiError;
use crate::AppState;

/// The embed page of `slug`.
pub async fn page(
    State(state): State<AppState>,
    request: HeaderMap,
    uri: Uri,
    slug: Result<Path<String>, PathRejection>,
    pages: Arc<Pages>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("no such collection to embed");
    let Path(raw) = slug.map_err(|_| not_found())?;
    let slug: Slug = raw.parse().map_err(|_| not_found())?;
    let Some(origins) = state.storage.collection_embed_origins(&slug).await? else {
        return Err(not_found());
    };
    let mut ancestors = vec!["'self'".to_owned()];
    ancestors.extend(origins);
    let csp = super::content_security_policy(&ancestors.join(" "));
    let csp = HeaderValue::from_str(&csp).map_err(|_| {
        tracing::error!(%slug, "an embed origin is not a header value");
        ApiError::new(vitrine_protocol::ErrorCode::Internal, "the embed origins are invalid")
    })?;
    let answer =
        pages::answer(&paths::collection(&slug), catalog::collection_of(&state, &slug).await);
    // The classes the app gives the document in a frame (`app/src/embed.rs`), there before
    // the app is: no header that shows, then goes.
    let lite = uri.query().is_some_and(|q| q.split('&').any(|pair| pair == "lite=1"));
    let class = if lite { "embedded lite" } else { "embedded" };
    // Always the whole page: its validator covers what it shows, not who may frame it, and a
    // `304` would leave a browser with the frame's old policy.
    let mut request = request;
    request.remove(header::IF_NONE_MATCH);
    let mut response = pages.send(&request, uri.path(), Some(answer), true, Some(class)).await;
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    Ok(response)
}
