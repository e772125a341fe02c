//! `GET /embed/{slug}`: a collection's storefront for a frame on its merchant's own site. The
//! app's shell, answered with a Content-Security-Policy whose `frame-ancestors` are this shop
//! and the origins the merchant listed (`PUT /api/v1/merchant/embed`): a browser refuses to
//! show it in a frame on any other site. Never cached on the way, so a change of the list
//! holds at once. The page itself (lite mode, the postMessage protocol) is the app's.

use std::path::PathBuf;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vitrine_protocol::Slug;

use crate::error::ApiError;
use crate::AppState;

/// The embed page of `slug`, from the shell in `dist`.
pub async fn page(
    State(state): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
    dist: PathBuf,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("no such collection to embed");
    let Path(raw) = slug.map_err(|_| not_found())?;
    let slug: Slug = raw.parse().map_err(|_| not_found())?;
    let Some(origins) = state.storage.collection_embed_origins(&slug).await? else {
        return Err(not_found());
    };
    let shell = tokio::fs::read(dist.join("index.html")).await.map_err(|error| {
        tracing::error!(%error, "the app's shell cannot be read");
        ApiError::new(vitrine_protocol::ErrorCode::Internal, "the storefront is not built")
    })?;
    let mut ancestors = vec!["'self'".to_owned()];
    ancestors.extend(origins);
    let csp = super::content_security_policy(&ancestors.join(" "));
    let csp = HeaderValue::from_str(&csp).map_err(|_| {
        tracing::error!(%slug, "an embed origin is not a header value");
        ApiError::new(vitrine_protocol::ErrorCode::Internal, "the embed origins are invalid")
    })?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::CONTENT_SECURITY_POLICY, csp),
    ];
    Ok((StatusCode::OK, headers, shell).into_response())
}
