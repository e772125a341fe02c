//! JSON responses with a strong ETag, answering `If-None-Match` with 304 so phones on slow
//! networks revalidate the catalog for the cost of a header.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Serialize `value`, tag it, and answer 304 if the client already holds this exact body.
pub fn json<T: Serialize>(request: &HeaderMap, value: &T) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "serializing a response failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let digest = Sha256::digest(&body);
    let tag: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let tag = format!("\"{tag}\"");
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""));
    // Caches may keep the body but must ask us before reusing it.
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if matched(request, &tag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
    }
    let json = (header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    (StatusCode::OK, [(header::ETAG, etag), cache, json], body).into_response()
}

/// The request's `If-None-Match` names `tag`: the client holds this exact body.
pub fn matched(request: &HeaderMap, tag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| matches(v, tag))
}

/// RFC 9110 weak comparison against a comma-separated `If-None-Match` list.
fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == tag)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_uses_weak_comparison_over_lists() {
        assert!(matches("\"abc\"", "\"abc\""));
        assert!(matches("W/\"abc\"", "\"abc\""));
        assert!(matches("\"x\", \"abc\"", "\"abc\""));
        assert!(matches("*", "\"abc\""));
        assert!(!matches("\"abcd\"", "\"abc\""));
        assert!(!matches("abc", "\"abc\""));
        assert!(!matches("", "\"abc\""));
    }
}
