//! `/api/v1/merchant/drops` and `/api/v1/merchant/schedule-rules` (scope `drops`): draft a
//! drop, edit it, commit its allowlist, ask when it should go live, approve it (the safety
//! rules must find nothing against it) or cancel it before it starts. Nothing goes on sale
//! without the approval, and every change is in the audit log.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use vitrine_protocol::drops::allowlist;
use vitrine_protocol::drops::schedule::{ShopRules, Veto};
use vitrine_protocol::merchant::{AllowlistUpload, NewDrop, Scope};
use vitrine_protocol::{paths, ErrorCode, FieldProblem};

use super::auth::Merchant;
use super::no_store;
use crate::domain::{clock, drops, scheduling};
use crate::error::ApiError;
use crate::routes::json::ApiJson;
use crate::storage::drops::DropChange;
use crate::AppState;

fn drop_id(raw: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Path(raw) = raw.map_err(|e| ApiError::bad_request(format!("invalid drop id: {e}")))?;
    crate::routes::drops::drop_id(&raw)
}

/// A change's outcome as an answer.
fn answer(change: DropChange, id: Option<i64>, status: StatusCode) -> Result<Response, ApiError> {
    match change {
        DropChange::Done(drop) => Ok(no_store(status, drop)),
        DropChange::NotFound => Err(ApiError::not_found(format!(
            "you have no drop {}",
            id.map_or_else(String::new, |id| id.to_string())
        ))),
        DropChange::Problems(problems) => Err(ApiError::Fields(problems)),
        DropChange::Fixed => Err(ApiError::new(
            ErrorCode::InvalidFields,
            "this drop has started, ended, been approved or been cancelled, so it cannot change that way",
        )),
        DropChange::Vetoed(vetoes) => Err(vetoed(&vetoes)),
    }
}

/// The safety rules' refusal: `invalid_fields`, one entry per veto, named by its rule.
fn vetoed(vetoes: &[Veto]) -> ApiError {
    let fields: Vec<FieldProblem> = vetoes
        .iter()
        .map(|v| {
            let rule = serde_json::to_value(v.rule).ok();
            let rule = rule.as_ref().and_then(|r| r.as_str()).unwrap_or("rule");
            FieldProblem::new(rule, v.reason.clone())
        })
        .collect();
    ApiError::Fields(fields)
}

pub async fn list(State(state): State<AppState>, merchant: Merchant) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let drops = state.storage.merchant_drops(merchant.grant.merchant_id).await?;
    Ok(no_store(StatusCode::OK, drops))
}

pub async fn get(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let id = drop_id(id)?;
    let drop = state.storage.merchant_drop(merchant.grant.merchant_id, id).await?;
    let drop = drop.ok_or_else(|| ApiError::not_found(format!("you have no drop {id}")))?;
    Ok(no_store(StatusCode::OK, drop))
}

pub async fn create(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(new): ApiJson<NewDrop>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    ApiError::check_fields(new.problems())?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let change = state.storage.create_drop(&actor, merchant_id, &new, clock::now()).await?;
    let location = match &change {
        DropChange::Done(d) => {
            HeaderValue::from_str(&format!("{}/{}", paths::MERCHANT_DROPS, d.id)).ok()
        }
        _ => None,
    };
    let mut res = answer(change, None, StatusCode::CREATED)?;
    if let Some(location) = location {
        res.headers_mut().insert(header::LOCATION, location);
    }
    Ok(res)
}

pub async fn replace(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
    ApiJson(new): ApiJson<NewDrop>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let id = drop_id(id)?;
    ApiError::check_fields(new.problems())?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let change = state.storage.replace_drop(&actor, merchant_id, id, &new, clock::now()).await?;
    answer(change, Some(id), StatusCode::OK)
}

pub async fn set_allowlist(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
    ApiJson(upload): ApiJson<AllowlistUpload>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let id = drop_id(id)?;
    ApiError::check_fields(upload.problems())?;
    let leaves = upload.leaves();
    let root = allowlist::root(leaves.clone())
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidFields, "the list is empty"))?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let change =
        state.storage.set_allowlist(&actor, merchant_id, id, &leaves, root, clock::now()).await?;
    answer(change, Some(id), StatusCode::OK)
}

pub async fn approve(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let id = drop_id(id)?;
    let now = clock::now();
    let rule = drops::safety_rule(now);
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let change = state.storage.approve_drop(&actor, merchant_id, id, &rule, now).await?;
    answer(change, Some(id), StatusCode::OK)
}

pub async fn cancel(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let id = drop_id(id)?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let change = state.storage.cancel_drop(&actor, merchant_id, id, clock::now()).await?;
    answer(change, Some(id), StatusCode::OK)
}

/// `GET …/drops/{id}/proposals`: when the model would start this drop, each checked.
pub async fn proposals(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let id = drop_id(id)?;
    let merchant_id = merchant.grant.merchant_id;
    let facts = state.storage.schedule_facts(merchant_id, id).await?;
    let (plan, others, rules) =
        facts.ok_or_else(|| ApiError::not_found(format!("you have no drop {id}")))?;
    let now = clock::now();
    let traffic = state.storage.traffic(merchant_id, now.minus(scheduling::HISTORY_MS)).await?;
    let proposals =
        scheduling::propose(&traffic, &plan, &others, &rules, now, drops::safety_rule(now));
    Ok(no_store(StatusCode::OK, proposals))
}

pub async fn rules(
    State(state): State<AppState>,
    merchant: Merchant,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    let rules = state.storage.shop_rules(merchant.grant.merchant_id).await?;
    Ok(no_store(StatusCode::OK, rules))
}

pub async fn set_rules(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(rules): ApiJson<ShopRules>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Drops)?;
    ApiError::check_fields(rules.problems())?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    state.storage.set_shop_rules(&actor, merchant_id, &rules, clock::now()).await?;
    Ok(no_store(StatusCode::OK, rules))
}
