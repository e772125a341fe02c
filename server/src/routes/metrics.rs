//! `GET /metrics` (scope `admin`): the server's Prometheus metrics in the OpenMetrics text
//! format; and the layer that counts the per-client limiters' 429s by route.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::ErrorCode;

use super::merchant::auth::Merchant;
use crate::domain::metrics::Metrics;
use crate::error::ApiError;
use crate::AppState;

/// Where Prometheus scrapes by default.
pub const PATH: &str = "/metrics";

/// What Prometheus negotiates for this format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Admin only: the figures tell sales volume and load, which are the merchant's business.
pub async fn scrape(
    State(state): State<AppState>,
    merchant: Merchant,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Admin)?;
    let text = state.metrics.encode().map_err(|error| {
        tracing::error!(%error, "metrics did not encode");
        ApiError::new(ErrorCode::Internal, "the metrics could not be encoded")
    })?;
    let headers = [(header::CONTENT_TYPE, OPENMETRICS), (header::CACHE_CONTROL, "no-store")];
    Ok((StatusCode::OK, headers, text).into_response())
}

/// Count every 429 by the route it answered. Only the per-client limiters answer 429 (through
/// `routes::take_token`), so this sees all of them without each handler knowing the metrics.
pub async fn count_rate_limited(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        metrics.rate_limited(route.as_ref().map_or("unmatched", MatchedPath::as_str));
    }
    response
}
