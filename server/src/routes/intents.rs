//! `POST /api/v1/intents`: accept each intent id exactly once (Stripe-style idempotency).

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use vitrine_protocol::signing::{Signed, SigningBytes};
use vitrine_protocol::{paths, ErrorCode, Intent, IntentId, Order};

use super::json::ApiJson;
use crate::domain::ingest::Submitted;
use crate::domain::keys::Keys;
use crate::domain::orders::{Ingested, NewOrder};
use crate::domain::{clock, verify};
use crate::error::ApiError;
use crate::storage::orders::StoredAnswer;
use crate::AppState;

pub use vitrine_protocol::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED as REPLAYED};

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(signed): ApiJson<Signed<Intent>>,
) -> Result<Response, ApiError> {
    let id = idempotency_key(&headers, &signed.body)?;
    let request_hash = fingerprint(&signed);

    // Everything but the stock is checked here, in parallel, with no database access; the
    // writer then does the exactly-once bookkeeping and finds retries by their id.
    let verified = match verify::verify(&signed, &state.keys, clock::now(), &state.rails) {
        Ok(verified) => verified,
        Err(rejection) => {
            // A key seen before gets its first answer back whatever verification says now: a
            // retry after a key rotation or a policy change must not turn an existing order
            // into a final refusal that makes the receipt say "nothing charged". (When
            // verification passes, the writer finds the stored answer in its transaction, so
            // the common path reads nothing here.)
            if let Some(answer) = state.storage.answer(id).await? {
                return replay(answer, id, &request_hash, &state.keys);
            }
            return Err(rejection.into());
        }
    };
    let intent = signed.body;
    let item = intent.item;
    let order = NewOrder {
        id,
        request_hash,
        device_key: *intent.device_key(),
        item: intent.item,
        quantity: intent.quantity,
        total: verified.total,
        rail: intent.payment.rail,
        token: intent.payment.token,
        buyer: intent.buyer,
        device_time: intent.device_time,
        admission: verified.admission,
        limit: verified.limit,
    };
    match state.ingest.submit(order).await {
        Submitted::Done(Ingested::Created(answer)) => {
            Ok(answer_response(answer, id, false, &state.keys))
        }
        Submitted::Done(Ingested::Existing(answer)) => {
            replay(answer, id, &request_hash, &state.keys)
        }
        Submitted::Done(Ingested::UnknownItem) => {
            Err(ApiError::new(ErrorCode::UnknownItem, format!("no item {item}")))
        }
        Submitted::InProgress => Err(ApiError::new(
            ErrorCode::InProgress,
            "this purchase is being processed; ask again in a moment",
        )),
        Submitted::Overloaded => Err(ApiError::retry_after(
            ErrorCode::Overloaded,
            "the server is busy; nothing was taken, send it again shortly",
            OVERLOADED_RETRY,
        )),
        Submitted::Failed => Err(ApiError::new(
            ErrorCode::Internal,
            "the purchase could not be recorded; nothing was taken, try again",
        )),
    }
}

/// How long a refused buyer waits when the writer's queue is full.
const OVERLOADED_RETRY: Duration = Duration::from_secs(2);

/// The header must be present and equal to the intent's id.
fn idempotency_key(headers: &HeaderMap, intent: &Intent) -> Result<IntentId, ApiError> {
    let raw = headers.get(IDEMPOTENCY_KEY).ok_or_else(|| {
        ApiError::new(ErrorCode::IdempotencyKeyMissing, "the Idempotency-Key header is required")
    })?;
    let key = raw.to_str().ok().and_then(|s| s.parse::<IntentId>().ok());
    match key {
        Some(key) if key == intent.id => Ok(key),
        _ => Err(ApiError::new(
            ErrorCode::IdempotencyKeyMismatch,
            "the Idempotency-Key header must equal the intent's id",
        )),
    }
}

/// What makes two requests "the same body": the signed content, not its JSON spelling.
fn fingerprint(signed: &Signed<Intent>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(signed.body.signing_bytes());
    h.update(signed.signature.0);
    h.finalize().into()
}

fn replay(
    answer: StoredAnswer,
    id: IntentId,
    request_hash: &[u8; 32],
    keys: &Keys,
) -> Result<Response, ApiError> {
    if &answer.request_hash != request_hash {
        return Err(ApiError::new(
            ErrorCode::IdempotencyMismatch,
            "this intent id was already used for a different purchase",
        ));
    }
    Ok(answer_response(answer, id, true, keys))
}

/// The stored first answer with the server's seal. It is sealed here, in parallel handlers,
/// rather than by the single writer that stores it; its `as_of` is when it was decided, so a
/// replayed "held" stays the truth of that moment. (ed25519 signing is deterministic: a
/// replay under the same key is byte-identical.) An answer stored before answers carried
/// `as_of` goes out as it was.
fn sealed(body: String, keys: &Keys) -> String {
    let Ok(mut order) = serde_json::from_str::<Order>(&body) else { return body };
    if order.as_of.is_none() {
        return body;
    }
    keys.seal(&mut order);
    serde_json::to_string(&order).unwrap_or(body)
}

fn answer_response(answer: StoredAnswer, id: IntentId, replayed: bool, keys: &Keys) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::CREATED);
    let location = HeaderValue::from_str(&paths::order(id)).ok();
    let mut res = (
        status,
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
        sealed(answer.body, keys),
    )
        .into_response();
    if let Some(location) = location {
        res.headers_mut().insert(header::LOCATION, location);
    }
    if replayed {
        res.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    }
    res
}
