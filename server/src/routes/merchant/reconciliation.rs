//! `GET /api/v1/merchant/reconciliation` (scope `admin`): what reconciliation raised about the
//! merchant's orders — mismatches waiting for a person, with suggested actions, and those an
//! action proven safe settled (merged duplicates, re-mints) — oldest first.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vitrine_protocol::merchant::Scope;

use super::auth::Merchant;
use super::no_store;
use crate::error::ApiError;
use crate::AppState;

const MOST: u32 = 1_000;

pub async fn list(State(state): State<AppState>, merchant: Merchant) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let items = state.storage.reconciliation_items(Some(merchant.grant.merchant_id), MOST).await?;
    Ok(no_store(StatusCode::OK, items))
}
