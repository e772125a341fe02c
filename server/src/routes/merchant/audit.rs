//! `GET /api/v1/merchant/audit?after=SEQ&limit=N`: the merchant's own audit log, oldest first
//! (page on with the last `seq`). Needs the admin scope.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use vitrine_protocol::merchant::Scope;

use super::auth::Merchant;
use crate::error::ApiError;
use crate::AppState;

/// Most entries one page holds.
const MAX_PAGE: u32 = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    merchant: Merchant,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let Query(page) = page.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = page.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let entries = state.storage.audit_log(merchant.grant.merchant_id, page.after, limit).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(entries)).into_response())
}
