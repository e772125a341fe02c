//! `GET /api/v1/merchant/reconciliation` (scope `admin`): what reconciliation raised about the
//! merchant's orders — mismatches waiting for a person, with suggested actions, and those
//! settled (automatically when proven safe, or by a person's decision) — open ones first.
//!
//! `POST /api/v1/merchant/reconciliation/{id}/resolve` (scope `admin`): one click's decision on
//! an item that waits, `domain::item_decisions` says which and what it does. The same decision
//! sent again answers the item as it stands; a refund the rail has not answered is asked again
//! under the same key, so it is never given twice.

use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vitrine_protocol::merchant::{words, ResolveItem, Scope};
use vitrine_protocol::{ErrorCode, FieldProblem};

use super::auth::Merchant;
use super::no_store;
use crate::domain::clock;
use crate::domain::item_decisions::{decide, Refusal};
use crate::error::ApiError;
use crate::routes::json::ApiJson;
use crate::AppState;

const MOST: u32 = 1_000;

/// When to ask again about a refund the rail has not answered.
const ASK_AGAIN: Duration = Duration::from_secs(5);

pub async fn list(State(state): State<AppState>, merchant: Merchant) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let items = state.storage.reconciliation_items(Some(merchant.grant.merchant_id), MOST).await?;
    Ok(no_store(StatusCode::OK, items))
}

pub async fn resolve(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
    ApiJson(ask): ApiJson<ResolveItem>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let Path(raw) = id.map_err(|e| ApiError::bad_request(format!("invalid item: {e}")))?;
    let id: i64 =
        raw.parse().ok().filter(|id| *id > 0).ok_or_else(|| {
            ApiError::bad_request(format!("invalid item {raw:?}: a positive number"))
        })?;
    ApiError::check_fields(ask.problems())?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let decided =
        decide(state.storage.as_ref(), &state.rails, &actor, merchant_id, id, &ask, clock::now())
            .await?;
    match decided {
        Ok(item) => Ok(no_store(StatusCode::OK, item)),
        Err(refusal) => Err(refused(refusal)),
    }
}

fn refused(refusal: Refusal) -> ApiError {
    let field = |message: String| ApiError::Fields(vec![FieldProblem::new("action", message)]);
    match refusal {
        Refusal::NotFound => ApiError::not_found("you have no such reconciliation item"),
        Refusal::Settled(item) => ApiError::new(
            ErrorCode::AlreadyExists,
            format!(
                "this item was settled already ({})",
                item.applied.as_deref().map(words).unwrap_or_default()
            ),
        ),
        Refusal::NotOffered(offered) if offered.is_empty() => {
            field("nothing is for a person to do on this item".into())
        }
        Refusal::NotOffered(offered) => {
            let names: Vec<&str> = offered.iter().map(|a| a.as_str()).collect();
            field(format!("this item offers {}", names.join(" or ")))
        }
        Refusal::NothingToRefund(why) => field(why),
        // Not final: the asked refund settles it, or is refused and leaves room again.
        Refusal::RefundAsked => ApiError::retry_after(
            ErrorCode::InProgress,
            "a refund of this item is being asked: press Refund again to hear the rail's answer",
            ASK_AGAIN,
        ),
        Refusal::NoRail(rail) => ApiError::new(
            ErrorCode::UnknownRail,
            format!("this server no longer settles on {rail}"),
        ),
        Refusal::Declined(reason) => {
            ApiError::new(ErrorCode::RailDeclined, format!("the rail refused the refund: {reason}"))
        }
        Refusal::NoAnswer => ApiError::retry_after(
            ErrorCode::RailUnavailable,
            "the rail has not answered yet: the refund stays asked and is never given twice; \
             ask again in a few seconds",
            ASK_AGAIN,
        ),
    }
}
