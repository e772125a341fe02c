//! `GET /api/v1/merchant/orders?q=&state=&limit=`: the orders of the merchant's works, found
//! by receipt number (any 4 or more of its characters), the buyer's email or the work's
//! number; and
//! `GET /api/v1/merchant/orders/{id}`: one with its history. Needs the orders scope.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use vitrine_protocol::merchant::{OrderSearch, Scope};
use vitrine_protocol::{FieldProblem, IntentId, ItemId, OrderState};

use super::auth::Merchant;
use crate::error::ApiError;
use crate::routes::catalog::segment;
use crate::AppState;

/// Most orders one page holds.
const MAX_PAGE: u32 = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    #[serde(default)]
    q: String,
    state: Option<String>,
    limit: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    merchant: Merchant,
    search: Result<Query<Search>, QueryRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Orders)?;
    let Query(search) = search.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let mut problems = Vec::new();
    let by = OrderSearch::parse(&search.q);
    if by.is_none() {
        problems.push(FieldProblem::new(
            "q",
            "a receipt number (4 or more of its characters), an email address or a work's number",
        ));
    }
    let wanted = search.state.as_deref().map(OrderState::parse);
    if let Some(None) = wanted {
        problems.push(FieldProblem::new("state", "held, paid, declined, expired or conflict"));
    }
    ApiError::check_fields(problems)?;
    let (Some(by), wanted) = (by, wanted.flatten()) else {
        return Err(ApiError::bad_request("unreadable search"));
    };
    let limit = search.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let orders =
        state.storage.merchant_orders(merchant.grant.merchant_id, &by, wanted, limit).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(orders)).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Orders)?;
    let id: IntentId = segment(id, "receipt number")?;
    let history = state
        .storage
        .merchant_order(merchant.grant.merchant_id, id)
        .await?
        // An order for another merchant's work is as absent as one that does not exist.
        .ok_or_else(|| ApiError::not_found(format!("you have no order {id}")))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(history)).into_response())
}

/// `GET /api/v1/merchant/items/{id}/waitlist`: who waits for an edition of the work, first
/// come first (their addresses: the orders scope, like buyers' emails).
pub async fn waitlist(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Orders)?;
    let id: ItemId = segment(id, "item id")?;
    let list = state
        .storage
        .merchant_waitlist(merchant.grant.merchant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("you have no item {id}")))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(list)).into_response())
}
