//! `GET /api/v1/orders/{intent_id}`: where an order stands now.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use vitrine_protocol::IntentId;

use super::catalog::segment;
use crate::domain::clock;
use crate::error::ApiError;
use crate::AppState;

pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id: IntentId = segment(id, "order id")?;
    let mut order = crate::domain::orders::view(state.storage.as_ref(), id, clock::now())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no order {id}")))?;
    state.keys.seal(&mut order);
    // Order state changes by itself (settlement, expiry): never serve it from a cache.
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(order)).into_response())
}
