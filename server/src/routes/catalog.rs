use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use vitrine_protocol::{ItemId, Slug};

use super::etag;
use crate::domain::clock;
use crate::error::ApiError;
use crate::AppState;

/// Turn a raw path segment into a typed id, or a 400 in the one error shape.
pub fn segment<T>(raw: Result<Path<String>, PathRejection>, what: &str) -> Result<T, ApiError>
where
    T: std::str::FromStr<Err = vitrine_protocol::ParseIdError>,
{
    let Path(raw) = raw.map_err(|e| ApiError::bad_request(format!("invalid {what}: {e}")))?;
    raw.parse().map_err(|e| ApiError::bad_request(format!("invalid {what}: {e}")))
}

pub async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let list = state.storage.collections().await?;
    Ok(etag::json(&headers, &list))
}

pub async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let slug: Slug = segment(slug, "collection slug")?;
    let detail = state
        .storage
        .collection(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no collection named {slug}")))?;
    Ok(etag::json(&headers, &detail))
}

pub async fn item(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id: ItemId = segment(id, "item id")?;
    let mut item = state
        .storage
        .item(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no item with id {id}")))?;
    item.quote = Some(state.keys.quote(id, item.summary.price, clock::now()));
    Ok(etag::json(&headers, &item))
}
