//! `POST /api/v1/merchant/orders/{id}/refund` (scope `orders`): give back part or all of a paid
//! order. The request is written with its key and audited at once (202); the settler asks the
//! rail with that key until it decides, and the receipt then says "refunded". What was asked
//! or refunded never adds up to more than was paid, even for requests made at the same time.
//!
//! The request needs an `Idempotency-Key` (Stripe's rule for POSTs that move money): the
//! same key with the same ask answers the first refund again (`Idempotent-Replayed: true`),
//! and with another ask is refused, so a retry after a lost answer never refunds twice.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use vitrine_protocol::headers::IDEMPOTENCY_KEY;
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::{ErrorCode, FieldProblem, IntentId};

use super::auth::Merchant;
use super::no_store;
use crate::domain::clock;
use crate::error::ApiError;
use crate::routes::catalog::segment;
use crate::routes::json::ApiJson;
use crate::storage::refunds::{RefundAsk, RefundRefusal};
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
    headers: HeaderMap,
    ApiJson(ask): ApiJson<Ask>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Orders)?;
    let id: IntentId = segment(id, "order id")?;
    let request_key = client_key(&headers)?;
    let ask = RefundAsk {
        merchant_id: merchant.grant.merchant_id,
        request_key,
        order: id,
        amount_minor: ask.amount_minor,
    };
    match state.storage.open_refund(&merchant.actor(), ask, clock::now()).await? {
        Ok(opened) => {
            let mut res = no_store(StatusCode::ACCEPTED, opened.refund);
            if opened.replayed {
                res.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
            }
            Ok(res)
        }
        Err(RefundRefusal::KeyReused) => Err(ApiError::new(
            ErrorCode::IdempotencyMismatch,
            "this Idempotency-Key was already used for another refund",
        )),
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

/// Said on an answer that a request with the same key had already opened (Stripe's name).
const REPLAYED: &str = "idempotent-replayed";

/// The merchant's own key: required, 1 to 255 visible ASCII characters (a UUID fits).
fn client_key(headers: &HeaderMap) -> Result<&str, ApiError> {
    let raw = headers.get(IDEMPOTENCY_KEY).ok_or_else(|| {
        ApiError::new(
            ErrorCode::IdempotencyKeyMissing,
            "a refund needs an Idempotency-Key header (e.g. a fresh UUID, the same on a retry)",
        )
    })?;
    raw.to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request("the Idempotency-Key is 1 to 255 visible ASCII characters")
        })
}
