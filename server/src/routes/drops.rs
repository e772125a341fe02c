//! `GET /api/v1/drops/{id}/allowlist/{leaf}`: a buyer's proof that they are on an approved
//! drop's allowlist. The device asks with the hash of its buyer's email or wallet (never the
//! address itself) and sends the proof with its intent; a leaf not on the list is a 404, the
//! same answer as a drop without a list. Lookups are limited per client address (429 +
//! `Retry-After`), so the endpoint is no cheap way to test addresses against a list.

use axum::extract::rejection::PathRejection;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use vitrine_protocol::drops::allowlist;
use vitrine_protocol::merchant::AllowlistProof;

use crate::error::ApiError;
use crate::AppState;

/// A drop's number from a path segment: a positive integer, or a 400.
pub(crate) fn drop_id(raw: &str) -> Result<i64, ApiError> {
    super::positive_id(raw, "drop id", i64::MAX)
}

pub async fn proof(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    // Each answer says whether an address is listed: a script probing addresses waits.
    super::take_token(&state.lookups, client.ip(), "allowlist lookups")?;
    let Path((drop, leaf)) =
        path.map_err(|e| ApiError::bad_request(format!("invalid path: {e}")))?;
    let drop = drop_id(&drop)?;
    let leaf = allowlist::from_hex(&leaf)
        .ok_or_else(|| ApiError::bad_request("invalid leaf: expected 64 hex digits"))?;
    let not_listed = || ApiError::not_found("not on this drop's allowlist");
    let (root, leaves) = state.storage.allowlist(drop).await?.ok_or_else(not_listed)?;
    let proof = allowlist::proof(leaves, &leaf).ok_or_else(not_listed)?;
    let body = AllowlistProof {
        root: allowlist::to_hex(&root),
        proof: proof.iter().map(allowlist::to_hex).collect(),
    };
    Ok(([(header::CACHE_CONTROL, "private, max-age=300")], Json(body)).into_response())
}
