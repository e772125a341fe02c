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
use vitrine_protocol::trace::trace_of;
use vitrine_protocol::{paths, ErrorCode, Intent, IntentId, ItemId, Order};

use super::json::ApiJson;
use crate::domain::ingest::Submitted;
use crate::domain::keys::Keys;
use crate::domain::metrics::IntentOutcome;
use crate::domain::orders::{Ingested, NewOrder, Refusal};
use crate::domain::{clock, drops, verify};
use crate::error::ApiError;
use crate::storage::orders::StoredAnswer;
use crate::AppState;

pub use vitrine_protocol::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED as REPLAYED};

/// Every answer is counted (`vitrine_intents`), a malformed body's too: the body is taken as
/// a `Result` so its refusal passes through here.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<ApiJson<Signed<Intent>>, ApiError>,
) -> Result<Response, ApiError> {
    let answered = answer(&state, client, &headers, body).await;
    let (outcome, replayed) = match &answered {
        Ok((_, answered)) => (answered.outcome(), answered.replayed),
        Err(error) => (IntentOutcome::of_error(error.code()), false),
    };
    if let Ok((id, answered)) = &answered {
        // In the request's span: with the worker's `traceparent`, the purchase's trace.
        tracing::info!(order = %id, trace_id = %trace_of(*id), status = answered.status(), replayed, "intent answered");
    }
    state.metrics.intent_answered(outcome, replayed);
    answered.map(|(id, answered)| answered.response(id, &state.keys))
}

/// The order this intent comes to (its id, for the response), or the refusal.
async fn answer(
    state: &AppState,
    client: SocketAddr,
    headers: &HeaderMap,
    body: Result<ApiJson<Signed<Intent>>, ApiError>,
) -> Result<(IntentId, Answered), ApiError> {
    let ApiJson(signed) = body?;
    super::take_token(&state.intents, client.ip(), "purchases")?;
    let id = idempotency_key(headers, signed.body.id)?;
    let allowlist_proof = allowlist_proof(headers)?;
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
                return replayed(answer, &request_hash).map(|answered| (id, answered));
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
        claim: None,
    };
    decided(state.ingest.submit(order).await, &request_hash, item).map(|answered| (id, answered))
}

/// A stored answer on its way out: the order's first answer, or a replay of it.
pub(crate) struct Answered {
    answer: StoredAnswer,
    replayed: bool,
}

/// The writer's answer: a stored answer, or a refusal in the one error shape.
pub(crate) fn decided(
    submitted: Submitted,
    request_hash: &[u8; 32],
    item: ItemId,
) -> Result<Answered, ApiError> {
    match submitted {
        Submitted::Done(Ingested::Created(answer)) => Ok(Answered { answer, replayed: false }),
        Submitted::Done(Ingested::Existing(answer)) => replayed(answer, request_hash),
        Submitted::Done(Ingested::UnknownItem) => {
            Err(ApiError::new(ErrorCode::UnknownItem, format!("no item {item}")))
        }
        Submitted::Done(Ingested::Refused(refusal)) => Err(refused(&refusal)),
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

/// The writer's refusal in the one error shape.
fn refused(refusal: &Refusal) -> ApiError {
    match refusal {
        Refusal::Drop(r) => drop_refusal(r),
        Refusal::AlreadyClaimed { at } => ApiError::new(
            ErrorCode::AlreadyClaimed,
            format!(
                "This voucher was claimed on {}; a voucher goes to one claim, and comes back only if that claim's payment fails.",
                clock::http_date(*at)
            ),
        ),
        Refusal::ClaimLimit { limit } => ApiError::new(
            ErrorCode::LimitReached,
            format!("This batch of vouchers allows {limit} per person, and you have reached it."),
        ),
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

/// The header must be present and equal to the intent's (or claim's) id.
pub(crate) fn idempotency_key(
    headers: &HeaderMap,
    expected: IntentId,
) -> Result<IntentId, ApiError> {
    let raw = headers.get(IDEMPOTENCY_KEY).ok_or_else(|| {
        ApiError::new(ErrorCode::IdempotencyKeyMissing, "the Idempotency-Key header is required")
    })?;
    let key = raw.to_str().ok().and_then(|s| s.parse::<IntentId>().ok());
    match key {
        Some(key) if key == expected => Ok(key),
        _ => Err(ApiError::new(
            ErrorCode::IdempotencyKeyMismatch,
            "the Idempotency-Key header must equal the intent's id",
        )),
    }
}

/// What makes two requests "the same body": the signed content, not its JSON spelling.
pub(crate) fn fingerprint<T: SigningBytes>(signed: &Signed<T>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(signed.body.signing_bytes());
    h.update(signed.signature.0);
    h.finalize().into()
}

/// The first answer again, for the same request only.
pub(crate) fn replayed(
    answer: StoredAnswer,
    request_hash: &[u8; 32],
) -> Result<Answered, ApiError> {
    if &answer.request_hash != request_hash {
        return Err(ApiError::new(
            ErrorCode::IdempotencyMismatch,
            "this intent id was already used for a different purchase",
        ));
    }
    Ok(Answered { answer, replayed: true })
}

/// The stored order with the server's seal. It is sealed here, in parallel handlers, rather
/// than by the single writer that stores it; its `as_of` is when it was decided, so a replayed
/// "held" stays the truth of that moment. (ed25519 signing is deterministic: a replay under
/// the same key is byte-identical.) `None` for an answer stored before answers carried
/// `as_of`, which goes out as it was.
fn sealed(body: &str, keys: &Keys) -> Option<Order> {
    let mut order = serde_json::from_str::<Order>(body).ok()?;
    order.as_of?;
    keys.seal(&mut order);
    Some(order)
}

impl Answered {
    pub(crate) fn status(&self) -> u16 {
        self.answer.status
    }

    /// The body as JSON, sealed (a claim's answer within a batch).
    pub(crate) fn body(&self, keys: &Keys) -> serde_json::Value {
        let body = &self.answer.body;
        sealed(body, keys)
            .and_then(|order| serde_json::to_value(order).ok())
            .or_else(|| serde_json::from_str(body).ok())
            .unwrap_or_else(|| serde_json::Value::String(body.clone()))
    }

    /// How `vitrine_intents` counts it: an order that holds stock, or a conflict.
    fn outcome(&self) -> IntentOutcome {
        // A stored 201 whose body does not read as an order was an order all the same.
        serde_json::from_str::<Order>(&self.answer.body)
            .map_or(IntentOutcome::Accepted, |order| IntentOutcome::of_order(&order))
    }

    pub(crate) fn response(self, id: IntentId, keys: &Keys) -> Response {
        answer_response(self.answer, id, self.replayed, keys)
    }
}

fn answer_response(answer: StoredAnswer, id: IntentId, replayed: bool, keys: &Keys) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::CREATED);
    let location = HeaderValue::from_str(&paths::order(id)).ok();
    let mut res = (
        status,
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
        sealed(&answer.body, keys)
            .and_then(|order| serde_json::to_string(&order).ok())
            .unwrap_or(answer.body),
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
