use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

use crate::AppState;

/// 200 when the database answers and the order writer and the settler run. The app polls
/// this to tell "online" from "the server is unreachable", which `navigator.onLine` cannot.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let (status, body) = match state.storage.ping().await {
        Ok(()) if !state.ingest.is_running() => {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"writer_down"}"#)
        }
        Ok(()) if !state.settler.is_up() => {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"settler_down"}"#)
        }
        Ok(()) => (StatusCode::OK, r#"{"status":"ok"}"#),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"unavailable"}"#)
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
        body,
    )
}
