//! The one error type of the HTTP boundary and the one place it becomes a response.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vitrine_protocol::{ErrorCode, FieldProblem};

use crate::domain::verify::Rejection;
use crate::storage::StorageError;

/// Every way a request can fail. Each carries a stable code; the status follows from it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Rejected { code: ErrorCode, message: String, retry_after: Option<Duration> },
    #[error("storage failed: {0}")]
    Storage(#[from] StorageError),
    /// `422 invalid_fields`: every bad field of the request at once.
    #[error("{} fields are wrong", .0.len())]
    Fields(Vec<FieldProblem>),
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Rejected { code, message: message.into(), retry_after: None }
    }

    /// A transient refusal that names when to try again.
    pub fn retry_after(code: ErrorCode, message: impl Into<String>, after: Duration) -> Self {
        ApiError::Rejected { code, message: message.into(), retry_after: Some(after) }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// Refuse with `422 invalid_fields` when any field is wrong.
    pub fn check_fields(problems: Vec<FieldProblem>) -> Result<(), ApiError> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Fields(problems))
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Rejected { code, .. } => *code,
            ApiError::Storage(_) => ErrorCode::Internal,
            ApiError::Fields(_) => ErrorCode::InvalidFields,
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError::Rejected { code: r.code, message: r.message, retry_after: r.retry_after }
    }
}

/// The HTTP status for each code, from the table in `protocol`.
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// What an error answers: its status, the one error shape, and for a transient code how many
/// seconds to wait (`Retry-After`). A response carries it; so does each claim's answer of
/// `POST /api/v1/claims/batch`.
pub struct Answer {
    pub status: StatusCode,
    pub body: vitrine_protocol::ApiError,
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    pub fn answer(&self) -> Answer {
        let code = self.code();
        // Internal details stay in the log; the client gets a stable message.
        let message = match self {
            ApiError::Storage(error) => {
                tracing::error!(%error, "request failed in storage");
                "the server could not complete the request; try again".to_owned()
            }
            ApiError::Rejected { message, .. } => message.clone(),
            ApiError::Fields(problems) => {
                let names: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
                format!("check {}", names.join(", "))
            }
        };
        let fields = match self {
            ApiError::Fields(problems) => problems.clone(),
            _ => Vec::new(),
        };
        let retry_after_s = (!code.is_final()).then(|| match self {
            ApiError::Rejected { retry_after: Some(after), .. } => after.as_secs().max(1),
            _ => 1,
        });
        Answer {
            status: status_of(code),
            body: vitrine_protocol::ApiError { code, message, fields },
            retry_after_s,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let Answer { status, body, retry_after_s } = self.answer();
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
            json,
        )
            .into_response();
        if let Some(secs) = retry_after_s {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_valid_status_and_transient_ones_say_when() {
        for &code in ErrorCode::ALL {
            assert_eq!(status_of(code).as_u16(), code.http_status(), "{code}");
            let res = ApiError::new(code, "m").into_response();
            assert_eq!(res.headers().contains_key(header::RETRY_AFTER), !code.is_final(), "{code}");
        }
        let res = ApiError::retry_after(ErrorCode::ClockAhead, "m", Duration::from_secs(90))
            .into_response();
        assert_eq!(res.headers()[header::RETRY_AFTER], "90");
    }
}
