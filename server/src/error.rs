//! The one error type of the HTTP boundary and the one place it becomes a response.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use vitrine_protocol::ErrorCode;

use crate::storage::StorageError;

/// Every way a request can fail, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    #[error("storage failed")]
    Storage(#[from] StorageError),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
            }
            ApiError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        // Internal details stay in the log; the client gets a stable message.
        let message = match &self {
            ApiError::Storage(_) => "the server could not complete the request; try again".into(),
            other => other.to_string(),
        };
        let body = vitrine_protocol::ApiError { code, message };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
            json,
        )
            .into_response()
    }
}
