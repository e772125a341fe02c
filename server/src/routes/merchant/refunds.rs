//! `POST /api/v1/merchant/orders/{id}/refund` (scope `orders`): give back part or all of a paid
//! order. The request is written with its key and audited at once (202); the settler asks the
//! rail with that key until it decides, and the receipt then says "refunded". What was asked
//! or refunded never adds up to more than was paid, even for requests made at the same time.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::{FieldProblem, IntentId};

use super::auth::Merchant;
use super::no_store;
use crate::domain::clock;
use crate::error::ApiError;
use crate::routes::catalog::segment;
use crate::routes::json::ApiJson;
use crate::storage::refunds::RefundRefusal;
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    /// How much, in minor units; absent: all that is left.
    amount_minor: Option<i64>,
}

pub async fn refund(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
    ApiJson(ask): ApiJson<Ask>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Orders)?;
    let id: IntentId = segment(id, "order id")?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let opened =
        state.storage.open_refund(&actor, merchant_id, id, ask.amount_minor, clock::now()).await?;
    match opened {
        Ok(row) => Ok(no_store(StatusCode::ACCEPTED, row)),
        Err(RefundRefusal::NotFound) => Err(ApiError::not_found(format!("no order {id}"))),
        Err(RefundRefusal::NotPaid) => Err(ApiError::Fields(vec![FieldProblem::new(
            "order",
            "only a paid order (not disputed, not free) can be refunded",
        )])),
        Err(RefundRefusal::TooMuch { left_minor }) => {
            Err(ApiError::Fields(vec![FieldProblem::new(
                "amount_minor",
                format!("more than 0 and at most {left_minor} (what is left to refund)"),
            )]))
        }
    }
}
