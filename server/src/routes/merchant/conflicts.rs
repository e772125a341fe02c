//! `GET /api/v1/merchant/conflicts`: the conflicts queue (conflict orders of the merchant's
//! works not yet resolved, oldest first, each with the actions that apply); and
//! `POST /api/v1/merchant/orders/{id}/resolve`: one click's decision, made once and audited.
//! Needs the orders scope.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use vitrine_protocol::merchant::{MerchantOrder, OrderSearch, Resolve, ResolveAction, Scope};
use vitrine_protocol::{ErrorCode, IntentId, OrderState};

use super::auth::Merchant;
use crate::domain::clock;
use crate::error::ApiError;
use crate::routes::catalog::segment;
use crate::routes::json::ApiJson;
use crate::storage::merchant_orders::Resolved;
use crate::AppState;

/// One entry of the queue.
#[derive(Serialize)]
struct Waiting {
    order: MerchantOrder,
    actions: Vec<ResolveAction>,
}

pub async fn queue(
    State(state): State<AppState>,
    merchant: Merchant,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Orders)?;
    let orders = state
        .storage
        .merchant_orders(
            merchant.grant.merchant_id,
            &OrderSearch::All,
            Some(OrderState::Conflict),
            200,
        )
        .await?;
    let mut queue: Vec<Waiting> = orders
        .into_iter()
        .filter(|o| o.resolution.is_none())
        .map(|order| Waiting { actions: ResolveAction::suggested(&order), order })
        .collect();
    queue.reverse();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(queue)).into_response())
}

pub async fn resolve(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
    ApiJson(resolve): ApiJson<Resolve>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Orders)?;
    let id: IntentId = segment(id, "receipt number")?;
    ApiError::check_fields(resolve.problems())?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let resolved =
        state.storage.resolve_conflict(&actor, merchant_id, id, &resolve, clock::now()).await?;
    match resolved {
        Resolved::Done(order) => {
            Ok(([(header::CACHE_CONTROL, "no-store")], Json(order)).into_response())
        }
        Resolved::NotFound => Err(ApiError::not_found(format!("you have no order {id}"))),
        Resolved::NotConflict => Err(ApiError::new(
            ErrorCode::InvalidFields,
            "this order is not a conflict: there is nothing to resolve",
        )),
        Resolved::AlreadyResolved(order) => Err(ApiError::new(
            ErrorCode::AlreadyExists,
            format!(
                "this conflict was already resolved ({})",
                order.resolution.map_or("", |r| r.action.as_str())
            ),
        )),
        Resolved::Problems(problems) => Err(ApiError::Fields(problems)),
    }
}
