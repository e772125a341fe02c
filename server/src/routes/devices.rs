//! `POST /api/v1/devices`: certify a device key for a short time with an offline budget.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{DeviceRegistration, ErrorCode};

use super::json::ApiJson;
use crate::domain::clock;
use crate::error::ApiError;
use crate::AppState;

/// How far a device clock may be from ours when it registers.
const MAX_CLOCK_DRIFT_MS: i64 = 10 * 60 * 1000;

pub async fn register(
    State(state): State<AppState>,
    ApiJson(registration): ApiJson<Signed<DeviceRegistration>>,
) -> Result<Response, ApiError> {
    let key = registration.body.device_key;
    registration.verify(&key).map_err(|_| {
        ApiError::new(ErrorCode::BadRegistration, "the registration is not signed by its key")
    })?;
    let now = clock::now();
    if (registration.body.device_time.0 - now.0).abs() > MAX_CLOCK_DRIFT_MS {
        return Err(ApiError::new(
            ErrorCode::BadRegistration,
            "the device clock is more than 10 minutes off; set the time and try again",
        ));
    }
    let certificate = state.keys.certify(key, now);
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(certificate))
        .into_response())
}
