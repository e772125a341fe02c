//! `POST /api/v1/devices`: certify a device key for a short time with an offline budget.
//! Rate-limited per client address (token bucket): each certificate is a risk budget.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{DeviceRegistration, ErrorCode};

use super::json::ApiJson;
use crate::domain::{clock, verify};
use crate::error::ApiError;
use crate::AppState;

pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(registration): ApiJson<Signed<DeviceRegistration>>,
) -> Result<Response, ApiError> {
    super::take_token(&state.registrations, client.ip(), "device registrations")?;
    let now = clock::now();
    let key = verify::registration(&registration, now)?;
    let certificate = state.keys.certify(key, registration.body.format, now).ok_or_else(|| {
        ApiError::new(
            ErrorCode::BadRegistration,
            "this release of the app is too old to buy offline; reload to update it",
        )
    })?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(certificate))
        .into_response())
}

/// `GET /api/v1/keys`: the public keys that verify, and the limits every client respects.
pub async fn keys(State(state): State<AppState>) -> Response {
    let published = state.keys.published(clock::now());
    // Short cache: a rotation shows within a minute, and a device may keep it offline.
    ([(header::CACHE_CONTROL, "public, max-age=60")], Json(published)).into_response()
}
