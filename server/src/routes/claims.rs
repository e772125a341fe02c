//! Claims of vouchers. `POST /api/v1/claims`: a voucher claimed from a device, exactly once,
//! through the same writer, idempotency and replay as a purchase (`intents`). The order's id
//! is the claim's, derived from voucher, device and attempt, so one device scanning a voucher
//! twice makes one order (a new attempt only once the last one's payment failed, which gives
//! the voucher back); a second device gets `already_claimed`, with when, never by whom.
//! `POST /api/v1/claims/batch`: a kiosk's queue, each claim judged by the same function.
//! `GET /api/v1/claims/terms`: every open batch's public terms.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::future::join_all;
use tracing::Instrument;
use vitrine_protocol::claims::{Claim, ClaimAnswer, MAX_CLAIMS_PER_REQUEST};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::trace::trace_of;
use vitrine_protocol::{ErrorCode, IntentId};

use super::intents::{decided, fingerprint, idempotency_key, replayed, Answered};
use super::json::ApiJson;
use crate::domain::orders::NewOrder;
use crate::domain::{claims, clock};
use crate::error::ApiError;
use crate::AppState;

/// Most batches `GET /api/v1/claims/terms` lists: far more than a shop has open at once, and
/// a bound on what a device keeps.
const TERMS_LISTED: u32 = 1000;

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(signed): ApiJson<Signed<Claim>>,
) -> Result<Response, ApiError> {
    super::take_token(&state.intents, client.ip(), "claims")?;
    let id = idempotency_key(&headers, signed.body.id)?;
    Ok(judge(&state, signed).await?.response(id, &state.keys))
}

/// Up to `MAX_CLAIMS_PER_REQUEST` claims for one rate-limit token (a kiosk flushing its queue
/// after a rush): each is judged as `submit` judges it alone, its id standing for the
/// `Idempotency-Key`; the answers come back in request order. Every claim goes to the writer
/// at once, so they commit together in one or two of its batches.
pub async fn submit_batch(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(claims): ApiJson<Vec<Signed<Claim>>>,
) -> Result<Response, ApiError> {
    super::take_token(&state.intents, client.ip(), "claims")?;
    if claims.is_empty() {
        return Err(ApiError::new(ErrorCode::MalformedBody, "send at least one claim"));
    }
    if claims.len() > MAX_CLAIMS_PER_REQUEST {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("send at most {MAX_CLAIMS_PER_REQUEST} claims a request"),
        ));
    }
    let count = claims.len();
    // A claim sent twice is judged after its first copy, as a retry sent alone would be: the
    // n-th copy of each id goes in round n. (Submitted together, the second copy would meet
    // the first in the writer's in-flight set and get `in_progress`.)
    let mut rounds: Vec<Vec<(usize, Signed<Claim>)>> = Vec::new();
    let mut copies: HashMap<IntentId, usize> = HashMap::new();
    for (index, signed) in claims.into_iter().enumerate() {
        let copy = copies.entry(signed.body.id).or_insert(0);
        match rounds.get_mut(*copy) {
            Some(round) => round.push((index, signed)),
            None => rounds.push(vec![(index, signed)]),
        }
        *copy += 1;
    }
    let mut answers: Vec<(usize, ClaimAnswer)> = Vec::with_capacity(count);
    for round in rounds {
        let judged = join_all(round.into_iter().map(|(index, signed)| {
            let state = &state;
            let id = signed.body.id;
            // Each claim in its own trace (named by its id, as the settler and the minter
            // name it), whatever trace the batch request came in.
            let span = tracing::info_span!("claim", trace_id = %trace_of(id), claim = %id);
            async move {
                let answered = answer(id, judge(state, signed).await, state);
                tracing::info!(status = answered.status, "claim answered");
                (index, answered)
            }
            .instrument(span)
        }))
        .await;
        answers.extend(judged);
    }
    answers.sort_unstable_by_key(|(index, _)| *index);
    let answers: Vec<ClaimAnswer> = answers.into_iter().map(|(_, answer)| answer).collect();
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(answers)).into_response())
}

/// What `submit` would have answered for one claim, as a `ClaimAnswer`.
fn answer(id: IntentId, judged: Result<Answered, ApiError>, state: &AppState) -> ClaimAnswer {
    match judged {
        Ok(answered) => ClaimAnswer {
            id,
            status: answered.status(),
            body: answered.body(&state.keys),
            retry_after_s: None,
        },
        Err(error) => {
            let answer = error.answer();
            ClaimAnswer {
                id,
                status: answer.status.as_u16(),
                body: serde_json::to_value(answer.body).unwrap_or_default(),
                retry_after_s: answer.retry_after_s,
            }
        }
    }
}

/// One claim, past the rate limit and with its id as the idempotency key: checked, then
/// taken by the writer, or its first answer replayed.
async fn judge(state: &AppState, signed: Signed<Claim>) -> Result<Answered, ApiError> {
    let id = signed.body.id;
    let request_hash = fingerprint(&signed);
    let now = clock::now();
    let checked =
        match claims::check(&signed, state.storage.as_ref(), &state.keys, &state.rails, now).await?
        {
            Ok(checked) => checked,
            Err(rejection) => {
                // As for purchases: a claim seen before gets its first answer back whatever
                // the check says now (a batch revoked since, a key retired since).
                if let Some(answer) = state.storage.answer(id).await? {
                    return replayed(answer, &request_hash);
                }
                return Err(rejection.into());
            }
        };
    let claim = signed.body;
    let order = NewOrder {
        id,
        request_hash,
        device_key: *claim.device_key(),
        item: checked.item,
        quantity: 1,
        total: checked.total,
        rail: claim.payment.rail,
        token: claim.payment.token,
        buyer: claim.buyer,
        device_time: claim.device_time,
        admission: checked.admission,
        limit: checked.limit,
        quote: checked.quote,
        allowlist_proof: Vec::new(),
        claim: Some(checked.ticket),
    };
    decided(state.ingest.submit(order).await, &request_hash, checked.item)
}

/// `GET /api/v1/claims/terms`: public, so a phone can tell offline whether a code it scans is
/// free, revoked or expired. The worker keeps it stale-while-revalidate; the browser's cache
/// asks us each time (`no-cache`), so a revocation reaches the worker on its next fetch.
pub async fn terms(State(state): State<AppState>) -> Result<Response, ApiError> {
    let terms = state.storage.open_claim_terms(clock::now(), TERMS_LISTED).await?;
    Ok(([(header::CACHE_CONTROL, "no-cache")], Json(terms)).into_response())
}
