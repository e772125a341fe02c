//! `POST /api/v1/items/{id}/waitlist`: leave an email address for a sold-out work. Rate-limited
//! per client address (anyone can call it, and each call stores a row); joining twice is one
//! row and answers `200` with the first join's time.

use std::net::SocketAddr;

use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vitrine_protocol::waitlist::{is_email, normalise_email, JoinWaitlist, Waitlisted};
use vitrine_protocol::{ErrorCode, ItemId};

use super::catalog::segment;
use super::json::ApiJson;
use crate::domain::clock;
use crate::error::ApiError;
use crate::storage::Joined;
use crate::AppState;

pub async fn join(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    id: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<JoinWaitlist>,
) -> Result<Response, ApiError> {
    super::take_token(&state.waitlist_joins, client.ip(), "waitlist requests")?;
    let item: ItemId = segment(id, "item id")?;
    let email = normalise_email(&body.email);
    if !is_email(&email) {
        return Err(ApiError::new(
            ErrorCode::InvalidEmail,
            "enter an email address like name@example.com",
        ));
    }
    let (status, joined_at) = match state.storage.join_waitlist(item, &email, clock::now()).await? {
        Joined::Added(at) => (StatusCode::CREATED, at),
        Joined::Already(at) => (StatusCode::OK, at),
        Joined::NoSuchItem => return Err(ApiError::not_found(format!("no item with id {item}"))),
    };
    let answer = Waitlisted { item, joined_at };
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}
