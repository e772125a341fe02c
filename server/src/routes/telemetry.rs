//! `POST /api/v1/telemetry`: a collector's service worker reports its image cache's hits and
//! misses and how its replays were answered since its last report. No credentials (the
//! collectors are anonymous), so each address is rate-limited, each count bounded
//! (`WorkerReport::problems`) and the body small; a refused report writes nothing and the
//! worker keeps its counts for later. The sums feed `/metrics` and `vitrine slo`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use vitrine_protocol::telemetry::WorkerReport;

use super::json::ApiJson;
use crate::domain::clock;
use crate::error::ApiError;
use crate::AppState;

pub async fn report(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(report): ApiJson<WorkerReport>,
) -> Result<Response, ApiError> {
    super::take_token(&state.telemetry, client.ip(), "reports")?;
    let problems = report.problems();
    if !problems.is_empty() {
        return Err(ApiError::Fields(problems));
    }
    if !report.is_empty() {
        state.storage.record_worker_report(&report, clock::now()).await?;
        state.metrics.worker_reported(&report);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
