use std::fmt;

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. Clients match on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The path or query is malformed.
    BadRequest,
    /// Nothing exists at that address.
    NotFound,
    /// The method is not allowed on that resource.
    MethodNotAllowed,
    /// The server failed; safe to retry later.
    Internal,
    /// The service worker has no copy and the network is unreachable.
    OfflineUnavailable,
}

impl ErrorCode {
    /// Whether retrying the same request can ever succeed.
    pub fn is_final(self) -> bool {
        match self {
            ErrorCode::BadRequest | ErrorCode::NotFound | ErrorCode::MethodNotAllowed => true,
            ErrorCode::Internal | ErrorCode::OfflineUnavailable => false,
        }
    }

    /// The wire spelling, e.g. `not_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Internal => "internal",
            ErrorCode::OfflineUnavailable => "offline_unavailable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one JSON shape of every error: `{"code": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spelling_matches_serde() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Internal,
            ErrorCode::OfflineUnavailable,
        ] {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
