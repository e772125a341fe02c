//! `/api/v1/merchant/claims` (scope `claims`): make a batch of signed vouchers for one work,
//! list and read batches, revoke one, and print it: the sheet (HTML with print CSS and a QR
//! code per voucher) and the CSV of its vouchers. Every change is in the audit log.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use vitrine_protocol::merchant::{NewClaimBatch, Scope};
use vitrine_protocol::ErrorCode;

use super::auth::Merchant;
use super::no_store;
use crate::domain::claim_sheet::{self, Printed};
use crate::domain::clock;
use crate::error::ApiError;
use crate::routes::json::ApiJson;
use crate::storage::claims::BatchChange;
use crate::AppState;

fn batch_id(raw: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Path(raw) = raw.map_err(|e| ApiError::bad_request(format!("invalid batch id: {e}")))?;
    // Vouchers carry a batch's number in 32 bits.
    crate::routes::positive_id(&raw, "batch id", i64::from(u32::MAX))
}

/// Another merchant's work is as absent as one that does not exist.
fn not_your_work() -> ApiError {
    ApiError::Fields(vec![vitrine_protocol::FieldProblem::new("item", "one of your works")])
}

fn no_batch(id: i64) -> ApiError {
    ApiError::not_found(format!("you have no claim batch {id}"))
}

/// A change's outcome as an answer (`id`: the batch asked for, when there was one).
fn answer(change: BatchChange, id: Option<i64>, status: StatusCode) -> Result<Response, ApiError> {
    let id = id.map_or_else(String::new, |id| id.to_string());
    match change {
        BatchChange::Done(batch) => Ok(no_store(status, batch)),
        BatchChange::NotFound => Err(ApiError::not_found(format!("you have no claim batch {id}"))),
        BatchChange::UnknownItem => Err(not_your_work()),
        BatchChange::AlreadyRevoked => Err(ApiError::new(
            ErrorCode::InvalidFields,
            format!("claim batch {id} is revoked already"),
        )),
        BatchChange::CannotSign => Err(ApiError::new(
            ErrorCode::Internal,
            "the shop's signing key cannot sign vouchers (key ids above 255)",
        )),
    }
}

pub async fn create(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(new): ApiJson<NewClaimBatch>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    let now = clock::now();
    ApiError::check_fields(new.problems(now))?;
    let item = u32::try_from(new.item.get()).map_err(|_| not_your_work())?;
    // `problems` keeps the expiry within 32-bit seconds.
    let expires_at = u32::try_from(new.expires_at.0.div_euclid(1000)).unwrap_or(u32::MAX);
    let keys = state.keys.clone();
    let sign = move |batch, serial| keys.voucher(batch, serial, item, expires_at);
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let change = state.storage.create_claim_batch(&actor, merchant_id, &new, &sign, now).await?;
    answer(change, None, StatusCode::CREATED)
}

pub async fn list(State(state): State<AppState>, merchant: Merchant) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    Ok(no_store(StatusCode::OK, state.storage.claim_batches(merchant.grant.merchant_id).await?))
}

pub async fn get(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    let id = batch_id(id)?;
    let batch =
        state.storage.claim_batch(merchant.grant.merchant_id, id).await?.ok_or(no_batch(id))?;
    Ok(no_store(StatusCode::OK, batch))
}

pub async fn vouchers(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    let id = batch_id(id)?;
    let (_, list) =
        state.storage.vouchers(merchant.grant.merchant_id, id).await?.ok_or(no_batch(id))?;
    Ok(no_store(StatusCode::OK, list))
}

pub async fn revoke(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    let id = batch_id(id)?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let change = state.storage.revoke_claim_batch(&actor, merchant_id, id, clock::now()).await?;
    answer(change, Some(id), StatusCode::OK)
}

/// The shop's address as the merchant reached it: the sheet's codes point there.
fn origin(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .ok_or_else(|| {
            ApiError::bad_request("a Host header naming the shop is needed for its URLs")
        })?;
    Ok(format!("{}://{host}", if state.cookie_secure { "https" } else { "http" }))
}

/// The merchant's batch `id` as printed.
async fn printed(state: &AppState, merchant: &Merchant, id: i64) -> Result<Printed, ApiError> {
    Printed::load(state.storage.as_ref(), merchant.grant.merchant_id, id).await?.ok_or(no_batch(id))
}

pub async fn sheet(
    State(state): State<AppState>,
    merchant: Merchant,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    let id = batch_id(id)?;
    let origin = origin(&state, &headers)?;
    let printed = printed(&state, &merchant, id).await?;
    let html = claim_sheet::html(&printed.sheet(&origin))
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let headers =
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")];
    Ok((StatusCode::OK, headers, html).into_response())
}

pub async fn csv(
    State(state): State<AppState>,
    merchant: Merchant,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Claims)?;
    let id = batch_id(id)?;
    let origin = origin(&state, &headers)?;
    let text = claim_sheet::csv(&printed(&state, &merchant, id).await?.sheet(&origin));
    let disposition = format!("attachment; filename=\"claims-{id}.csv\"");
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (header::CACHE_CONTROL, "no-store".to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((StatusCode::OK, headers, text).into_response())
}
