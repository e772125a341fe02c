//! HTTP routes, one file per resource.

mod catalog;
mod devices;
mod etag;
mod health;
mod images;
pub mod intents;
mod json;
mod orders;
mod static_files;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use vitrine_protocol::ErrorCode;

use crate::error::ApiError;
use crate::{AppState, Config};

/// The whole HTTP surface: JSON API, health, and the built app with its media.
pub fn router(state: AppState, config: &Config) -> Router {
    let api = Router::new()
        .route("/api/v1/collections", get(catalog::collections))
        .route("/api/v1/collections/{slug}", get(catalog::collection))
        .route("/api/v1/items/{id}", get(catalog::item))
        .route("/api/v1/devices", post(devices::register))
        .route("/api/v1/intents", post(intents::submit))
        .route("/api/v1/orders/{id}", get(orders::get))
        .route("/api", get(unknown_api))
        .route("/api/{*rest}", get(unknown_api))
        .route("/img/{id}", get(images::by_hints))
        .route("/healthz", get(health::healthz))
        .method_not_allowed_fallback(method_not_allowed)
        // An intent is a few KB; nothing we accept is larger.
        .layer(DefaultBodyLimit::max(MAX_BODY));
    api.with_state(state)
        .merge(static_files::router(&config.dist_dir, &config.media_dir))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

const MAX_BODY: usize = 16 * 1024;

async fn unknown_api() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "this method is not allowed here")
}
