//! HTTP routes, one file per resource.

mod catalog;
mod etag;
mod health;
mod static_files;

use axum::routing::get;
use axum::Router;

use crate::error::ApiError;
use crate::{AppState, Config};

/// The whole HTTP surface: JSON API, health, and the built app with its media.
pub fn router(state: AppState, config: &Config) -> Router {
    let api = Router::new()
        .route("/api/v1/collections", get(catalog::collections))
        .route("/api/v1/collections/{slug}", get(catalog::collection))
        .route("/api/v1/items/{id}", get(catalog::item))
        .route("/api", get(unknown_api))
        .route("/api/{*rest}", get(unknown_api))
        .route("/healthz", get(health::healthz))
        .method_not_allowed_fallback(method_not_allowed);
    api.with_state(state)
        .merge(static_files::router(&config.dist_dir, &config.media_dir))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

async fn unknown_api() -> ApiError {
    ApiError::NotFound("no such API endpoint".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
