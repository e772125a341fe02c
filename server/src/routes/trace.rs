//! W3C Trace Context at the door: every request runs in a `request` span carrying its trace
//! id — the `traceparent` header's when it is valid (the worker sends its purchase's, so one
//! purchase is one trace from the page to the mint), else a new one — and its answer carries
//! `traceparent` naming that trace and the server's span, for the client's own logs.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use vitrine_protocol::trace::{TraceParent, TRACEPARENT};

/// Eight fresh bytes for a span id (from a UUID v7's random bits: no fallible call).
fn span_id() -> [u8; 8] {
    let uuid = uuid::Uuid::now_v7();
    let mut id = [0u8; 8];
    id.copy_from_slice(&uuid.as_bytes()[8..]);
    // Never all zero (the spec's "invalid").
    id[7] |= 1;
    id
}

pub async fn propagate(request: Request, next: Next) -> Response {
    let incoming = request
        .headers()
        .get(TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(TraceParent::parse);
    let trace_id = incoming.map_or_else(|| *uuid::Uuid::now_v7().as_bytes(), |p| p.trace_id);
    let flags = incoming.map_or(1, |p| p.flags);
    let ours = TraceParent { trace_id, span_id: span_id(), flags };
    let span = tracing::info_span!(
        "request",
        trace_id = %ours.trace_hex(),
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&ours.to_string()) {
        response.headers_mut().insert(TRACEPARENT, value);
    }
    response
}
