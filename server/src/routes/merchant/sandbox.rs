//! `/api/v1/merchant/sandbox/*` (scope `admin`): drive the sandbox rails as tests and the
//! runbooks do — move their clock forward (a dispute days later, a chain's finality), reorg
//! the L1, revert the L2's latest batch, halt the L2's batcher (finality comes late). Only a server running the sandboxes has them (404
//! otherwise); they move shared sandbox time for every merchant, so each call is audited.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::FieldProblem;

use super::auth::Merchant;
use super::no_store;
use crate::domain::clock;
use crate::domain::settlement::{RailError, Sandboxes};
use crate::error::ApiError;
use crate::routes::json::ApiJson;
use crate::AppState;

/// The longest single move: past the card sandbox's dispute (13 days), short of nonsense.
const MOST_DAYS: u64 = 90;
const DEEPEST: u32 = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    seconds: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reorg {
    depth: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Halt {
    seconds: u64,
}

#[derive(Debug, Serialize)]
struct Halted {
    /// When, on the sandbox clock, the batcher posts again.
    back_at: vitrine_protocol::UnixMillis,
}

#[derive(Debug, Serialize)]
struct Advanced {
    /// How far the sandboxes now run ahead of the server's clock.
    offset_seconds: u64,
}

#[derive(Debug, Serialize)]
struct Dropped {
    /// Mints the reorg or revert dropped (each is minted again).
    dropped: u32,
}

fn sandboxes(state: &AppState) -> Result<&Sandboxes, ApiError> {
    state.sandboxes.as_ref().ok_or_else(|| ApiError::not_found("this server runs no sandbox rails"))
}

fn outage(error: RailError) -> ApiError {
    tracing::error!(%error, "sandbox control failed");
    ApiError::new(vitrine_protocol::ErrorCode::Internal, "the sandbox failed; try again")
}

async fn audit(
    state: &AppState,
    merchant: &Merchant,
    action: &str,
    after: String,
) -> Result<(), ApiError> {
    let actor = merchant.actor();
    state.storage.audit_action(&actor, action, "sandbox", Some(after), clock::now()).await?;
    Ok(())
}

/// 1 second to `MOST_DAYS` days, as `field` says.
fn seconds(field: &str, seconds: u64, what: &str) -> Result<Duration, ApiError> {
    if seconds == 0 || seconds > MOST_DAYS * 24 * 3600 {
        return Err(ApiError::Fields(vec![FieldProblem::new(
            field,
            format!("{what} by 1 second to {MOST_DAYS} days"),
        )]));
    }
    Ok(Duration::from_secs(seconds))
}

pub async fn advance(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(body): ApiJson<Advance>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let sandboxes = sandboxes(&state)?;
    let by = seconds("seconds", body.seconds, "move the sandbox clock")?;
    audit(&state, &merchant, "sandbox.advance", format!(r#"{{"seconds":{}}}"#, body.seconds))
        .await?;
    sandboxes.clock.advance(by);
    let offset_seconds = sandboxes.clock.offset().as_secs();
    Ok(no_store(StatusCode::OK, Advanced { offset_seconds }))
}

pub async fn reorg(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(body): ApiJson<Reorg>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let sandboxes = sandboxes(&state)?;
    if body.depth == 0 || body.depth > DEEPEST {
        return Err(ApiError::Fields(vec![FieldProblem::new(
            "depth",
            format!("reorg 1 to {DEEPEST} blocks (final blocks are never touched)"),
        )]));
    }
    audit(&state, &merchant, "sandbox.reorg", format!(r#"{{"depth":{}}}"#, body.depth)).await?;
    let dropped = sandboxes.l1.inject_reorg(body.depth, clock::now()).map_err(outage)?;
    Ok(no_store(StatusCode::OK, Dropped { dropped }))
}

pub async fn revert(
    State(state): State<AppState>,
    merchant: Merchant,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let sandboxes = sandboxes(&state)?;
    audit(&state, &merchant, "sandbox.revert", "{}".into()).await?;
    let dropped = sandboxes.l2.inject_revert(clock::now()).map_err(outage)?;
    Ok(no_store(StatusCode::OK, Dropped { dropped }))
}

pub async fn halt(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(body): ApiJson<Halt>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let sandboxes = sandboxes(&state)?;
    let for_ = seconds("seconds", body.seconds, "halt the batcher")?;
    audit(&state, &merchant, "sandbox.halt", format!(r#"{{"seconds":{}}}"#, body.seconds)).await?;
    let back_at = sandboxes.l2.inject_halt(for_, clock::now()).map_err(outage)?;
    Ok(no_store(StatusCode::OK, Halted { back_at }))
}
