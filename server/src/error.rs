//! The one error type of the HTTP boundary and the one place it becomes a response.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vitrine_protocol::ErrorCode;

use crate::domain::verify::Rejection;
use crate::storage::StorageError;

/// Every way a request can fail. Each carries a stable code; the status follows from it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Rejected { code: ErrorCode, message: String },
    #[error("storage failed: {0}")]
    Storage(#[from] StorageError),
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Rejected { code, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Rejected { code, .. } => *code,
            ApiError::Storage(_) => ErrorCode::Internal,
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError::Rejected { code: r.code, message: r.message }
    }
}

/// The HTTP status for each code: 400 malformed, 404 absent, 409/429 retry later, 422 well
/// formed but refused, 5xx ours.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        BadRequest | MalformedBody | IdempotencyKeyMissing | IdempotencyKeyMismatch => {
            StatusCode::BAD_REQUEST
        }
        NotFound => StatusCode::NOT_FOUND,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        InProgress => StatusCode::CONFLICT,
        IdempotencyMismatch | InvalidQuantity | UnknownItem | BadSignature | ForgedQuote
        | QuoteExpired | CertificateInvalid | CertificateExpired | OverLimit | UnknownRail
        | BadRegistration => StatusCode::UNPROCESSABLE_ENTITY,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        OfflineUnavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let status = status_of(code);
        // Internal details stay in the log; the client gets a stable message.
        let message = match &self {
            ApiError::Storage(error) => {
                tracing::error!(%error, "request failed in storage");
                "the server could not complete the request; try again".to_owned()
            }
            ApiError::Rejected { message, .. } => message.clone(),
        };
        let body = vitrine_protocol::ApiError { code, message };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
            json,
        )
            .into_response();
        if !code.is_final() {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_to_a_client_or_server_status_by_finality() {
        for &code in ErrorCode::ALL {
            let status = status_of(code);
            assert!(status.is_client_error() || status.is_server_error(), "{code}");
            if code.is_final() {
                assert!(status.is_client_error(), "final {code} is a 4xx");
                assert!(
                    ![StatusCode::CONFLICT, StatusCode::TOO_MANY_REQUESTS].contains(&status),
                    "final {code} must not use a status clients retry"
                );
            }
        }
    }
}
