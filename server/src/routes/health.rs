use axum::extract::State;
use axum::http::{header, HeaderName, StatusCode};
use axum::response::IntoResponse;
use vitrine_protocol::headers::SERVER_TIME;

use crate::domain::clock;
use crate::AppState;

/// 200 when the database answers and the order writer, the settler and the minter run. The app polls
/// this to tell "online" from "the server is unreachable", which `navigator.onLine` cannot,
/// and to set its countdowns to the server's clock (`server-time`).
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let (status, body) = match state.storage.ping().await {
        Ok(()) if !state.ingest.is_running() => {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"writer_down"}"#)
        }
        Ok(()) if !state.settler.is_up() => {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"settler_down"}"#)
        }
        Ok(()) if state.minter.as_ref().is_some_and(|m| !m.is_up()) => {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"minter_down"}"#)
        }
        Ok(()) => (StatusCode::OK, r#"{"status":"ok"}"#),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"unavailable"}"#)
        }
    };
    // Read last, so the time is as close to the answer leaving as it can be.
    let now = clock::now().0.to_string();
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (HeaderName::from_static(SERVER_TIME), now),
        ],
        body,
    )
}
