//! `POST /api/v1/intents`: accept each intent id exactly once (Stripe-style idempotency).

use std::time::Duration;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use vitrine_protocol::drops::allowlist::{self, Hash};
use vitrine_protocol::drops::DropRefusal;
use vitrine_protocol::headers::{ALLOWLIST_PROOF, MAX_PROOF_HASHES};
use vitrine_protocol::signing::{Signed, SigningBytes};
use vitrine_protocol::{paths, ErrorCode, Intent, IntentId, Order};

use super::json::ApiJson;
use crate::domain::ingest::Submitted;
use crate::domain::keys::Keys;
use crate::domain::orders::{Ingested, NewOrder};
use crate::domain::{clock, drops, verify};
use crate::error::ApiError;
use crate::storage::orders::StoredAnswer;
use crate::AppState;

pub use vitrine_protocol::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED as REPLAYED};

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(signed): ApiJson<Signed<Intent>>,
) -> Result<Response, ApiError> {
    super::take_token(&state.intents, client.ip(), "purchases")?;
    let id = idempotency_key(&headers, &signed.body)?;
    let allowlist_proof = allowlist_proof(&headers)?;
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
            // A drop's quote used outside the drop fails the quote's own window first; the
            // buyer is better told "the drop had not started" or "had ended".
            if matches!(rejection.code, ErrorCode::QuoteExpired | ErrorCode::QuoteNotYetValid) {
                let intent = &signed.body;
                let said = drops::explain(
                    state.storage.as_ref(),
                    &intent.quote.body,
                    intent.device_time,
                    clock::now(),
                )
                .await?;
                if let Some(refusal) = said {
                    return Err(drop_refusal(&refusal));
                }
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
        quote: intent.quote.body,
        allowlist_proof,
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
        Submitted::Done(Ingested::Refused(refusal)) => Err(drop_refusal(&refusal)),
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

/// A drop's refusal in the one error shape; a fast clock at the start retries at the start.
fn drop_refusal(refusal: &DropRefusal) -> ApiError {
    match refusal {
        DropRefusal::StartsSoon { retry_after_ms } => {
            let ms = u64::try_from(*retry_after_ms).unwrap_or(0);
            ApiError::retry_after(
                refusal.code(),
                refusal.to_string(),
                Duration::from_millis(ms.div_ceil(1000).max(1) * 1000),
            )
        }
        _ => ApiError::new(refusal.code(), refusal.to_string()),
    }
}

/// The optional `Allowlist-Proof` header: hex hashes separated by commas.
fn allowlist_proof(headers: &HeaderMap) -> Result<Vec<Hash>, ApiError> {
    let Some(raw) = headers.get(ALLOWLIST_PROOF) else { return Ok(Vec::new()) };
    let bad = || {
        ApiError::bad_request(format!(
            "{ALLOWLIST_PROOF} is up to {MAX_PROOF_HASHES} hashes of 64 hex digits, separated by commas"
        ))
    };
    let text = raw.to_str().map_err(|_| bad())?;
    let proof: Option<Vec<Hash>> =
        text.split(',').filter(|s| !s.is_empty()).map(|h| allowlist::from_hex(h.trim())).collect();
    proof.filter(|p| p.len() <= MAX_PROOF_HASHES).ok_or_else(bad)
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
