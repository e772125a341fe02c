use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

use crate::AppState;

/// 200 when the database answers. The app polls this to tell "online" from "the server is
/// unreachable", which `navigator.onLine` cannot.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let (status, body) = match state.storage.ping().await {
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
