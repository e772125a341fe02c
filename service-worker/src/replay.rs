//! Sending the outbox: the worker is the only sender. An intent leaves the outbox only when
//! its order is final, or on a final refusal (a 4xx in the API's error shape whose code is
//! final and matches the status); everything else is kept and retried with exponential backoff
//! and jitter, honouring `Retry-After`. An accepted intent stays (marked) until its order is
//! final, so an order the server lost is sent again. Nothing is dropped silently. Each attempt
//! carries the purchase's `traceparent`, and each answer is counted for the shop (`telemetry`).

use std::cell::Cell;

use rexie::Rexie;
use vitrine_protocol::device::{Receipt, ReceiptStatus};
use vitrine_protocol::headers::{ALLOWLIST_PROOF, IDEMPOTENCY_KEY, RETRY_AFTER};
use vitrine_protocol::trace::{TraceParent, TRACEPARENT};
use vitrine_protocol::{paths, ApiError, ErrorCode, IntentId, Order, OrderState, UnixMillis};

use crate::device_db::{self, DbError, Outgoing};
use crate::telemetry;
use wasm_bindgen::JsValue;

use crate::{js, notify};

/// How the answer to one attempt is treated.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The server has the order (new or replayed). Boxed: an order is far larger than the
    /// other answers.
    Accepted(Box<Order>),
    /// The server will never take this intent; nothing was written or charged.
    Rejected { message: String },
    /// The server already has an order under this id (with another body): follow that order.
    Exists,
    /// Try again later.
    Retry { after_ms: Option<i64>, why: String },
    /// No answer at all; the rest of the outbox would fare the same.
    Unreachable,
}

/// Classify a response. A 4xx that is not in the server's error shape (a captive portal, a
/// proxy) is not trusted to be final.
/// A 404 or 405 says the request did not reach our intents endpoint (a proxy, a portal, an
/// older server), whatever the body: never a verdict on the intent. Otherwise the code must be
/// final *and* come with its own status, as our server sends it.
pub fn classify(status: u16, retry_after: Option<&str>, body: &str) -> Outcome {
    let after_ms = retry_after_ms(retry_after);
    match status {
        200..=299 => match serde_json::from_str::<Order>(body) {
            Ok(order) => Outcome::Accepted(Box::new(order)),
            Err(_) => Outcome::Retry { after_ms, why: format!("unreadable {status} answer") },
        },
        400..=499 => match serde_json::from_str::<ApiError>(body) {
            Ok(error)
                if matches!(error.code, ErrorCode::NotFound | ErrorCode::MethodNotAllowed) =>
            {
                Outcome::Retry { after_ms, why: format!("{status} {}", error.code) }
            }
            Ok(error) if error.code.is_final() && error.code.http_status() == status => {
                if error.code == ErrorCode::IdempotencyMismatch {
                    Outcome::Exists
                } else {
                    Outcome::Rejected { message: error.message }
                }
            }
            Ok(error) => Outcome::Retry { after_ms, why: error.code.to_string() },
            Err(_) => Outcome::Retry { after_ms, why: format!("{status} without an error code") },
        },
        _ => Outcome::Retry { after_ms, why: format!("server answered {status}") },
    }
}

/// A `Retry-After` of seconds, in milliseconds (saturating; negative is zero).
pub fn retry_after_ms(retry_after: Option<&str>) -> Option<i64> {
    retry_after
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(|s| s.clamp(0, i64::MAX / 1000).saturating_mul(1000))
}

/// Wait before attempt `attempts + 1`: `min(2^attempts, 300) s × (0.5 + jitter)`, and never
/// less than the server's `Retry-After`. `jitter` is in `[0, 1)`.
pub fn backoff_ms(attempts: u32, jitter: f64, retry_after_ms: Option<i64>) -> i64 {
    let base = 1_000i64 << attempts.min(9);
    let capped = base.min(300_000);
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let jittered = (capped as f64 * (0.5 + jitter.clamp(0.0, 1.0))) as i64;
    jittered.max(retry_after_ms.unwrap_or(0))
}

thread_local! {
    static SENDING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static AGAIN_FORCED: Cell<bool> = const { Cell::new(false) };
    static REFRESHING: Cell<bool> = const { Cell::new(false) };
}

/// Send what is due, then follow held orders until they settle. Triggers that arrive while a
/// pass runs are folded into one more pass, so two tabs nudging at once cause one send.
/// Returns whether the outbox still holds intents.
pub async fn run(force: bool) -> bool {
    if SENDING.get() {
        AGAIN.set(true);
        AGAIN_FORCED.set(AGAIN_FORCED.get() || force);
        return true;
    }
    SENDING.set(true);
    let mut force = force;
    let mut pending = true;
    loop {
        // Across worker instances (an update installing beside the active worker), Web Locks
        // keep it to one sender.
        match js::with_lock("vitrine-outbox", send_pass(force)).await {
            Some(Ok(left)) => pending = left,
            Some(Err(error)) => js::warn("outbox pass failed", &error.0.into()),
            None => js::warn("outbox pass interrupted", &JsValue::UNDEFINED),
        }
        if !AGAIN.replace(false) {
            break;
        }
        force = AGAIN_FORCED.replace(false);
    }
    SENDING.set(false);
    if refresh_held().await {
        // The server had lost an accepted order: its kept intent goes again now.
        if let Some(Ok(left)) = js::with_lock("vitrine-outbox", send_pass(true)).await {
            pending = left;
        }
    }
    pending
}

async fn send_pass(force: bool) -> Result<bool, DbError> {
    let db = device_db::open().await?;
    let entries = device_db::outbox(&db).await?;
    let mut left = false;
    let mut reachable = true;
    let mut claims = Vec::new();
    for mut entry in entries {
        let now = js::now();
        if entry.accepted {
            continue;
        }
        if !force && entry.next_attempt_at > now {
            left = true;
            continue;
        }
        let Outgoing::Intent { intent } = &entry.outgoing else {
            // Claims go together, a request's worth at a time.
            claims.push(entry);
            continue;
        };
        let body = serde_json::to_string(intent)?;
        let key = entry.id.to_string();
        let proof = entry.allowlist_proof.join(",");
        let trace = traceparent(entry.id);
        let mut headers = vec![(IDEMPOTENCY_KEY, key.as_str()), (TRACEPARENT, trace.as_str())];
        if !proof.is_empty() {
            headers.push((ALLOWLIST_PROOF, proof.as_str()));
        }
        let mut status = None;
        let outcome = match js::post_json(paths::INTENTS, &body, &headers).await {
            Ok(response) => {
                status = Some(response.status());
                let retry_after = response.headers().get(RETRY_AFTER).ok().flatten();
                let text = js::text(&response).await.unwrap_or_default();
                classify(response.status(), retry_after.as_deref(), &text)
            }
            Err(_) => Outcome::Unreachable,
        };
        let unreachable = outcome == Outcome::Unreachable;
        match &outcome {
            Outcome::Unreachable => {}
            // Only the shop's own "try again" counts against it: not a captive portal's page,
            // nor `in_progress` (the first copy is still being decided).
            Outcome::Retry { .. } if status.is_some_and(telemetry::shop_failed) => {
                telemetry::replayed(&db, 0, 1).await
            }
            Outcome::Retry { .. } => {}
            _ => telemetry::replayed(&db, 1, 0).await,
        }
        let outcome = match outcome {
            Outcome::Unreachable => {
                Outcome::Retry { after_ms: None, why: "server unreachable".into() }
            }
            other => other,
        };
        match outcome {
            Outcome::Accepted(order) if order.state.is_final() => {
                device_db::settle(&db, entry.id, |r| r.apply(&order, now)).await?;
                notify::receipt_changed(entry.id).await;
            }
            Outcome::Accepted(order) => {
                device_db::accept(&db, &entry, |r| r.apply(&order, now)).await?;
                notify::receipt_changed(entry.id).await;
            }
            Outcome::Exists => {
                device_db::accept(&db, &entry, |r| {
                    r.set_status(ReceiptStatus::Held, now);
                    r.reason = Some(EXISTS.to_owned());
                })
                .await?;
                notify::receipt_changed(entry.id).await;
            }
            Outcome::Rejected { message } => {
                device_db::settle(&db, entry.id, |r| reject(r, message, now)).await?;
                notify::receipt_changed(entry.id).await;
            }
            Outcome::Retry { after_ms, why } => {
                let wait = backoff_ms(entry.attempts, js_sys::Math::random(), after_ms);
                entry.attempts = entry.attempts.saturating_add(1);
                entry.next_attempt_at = UnixMillis(now.0.saturating_add(wait));
                entry.last_error = Some(why);
                device_db::save_entry(&db, &entry).await?;
                left = true;
                if unreachable {
                    // Others would fail the same way; they keep their own schedule.
                    reachable = false;
                    break;
                }
            }
            Outcome::Unreachable => {}
        }
    }
    if reachable && !claims.is_empty() {
        let (claims_left, _) = crate::claim_replay::send(&db, claims).await?;
        left |= claims_left;
    }
    let unsent = device_db::outbox(&db).await?.iter().any(|e| !e.accepted);
    Ok(left || unsent)
}

/// This attempt's `traceparent`: the purchase's trace (named by its id, so the server, the
/// rail and the mint log the same trace id), a fresh span for each attempt.
pub(crate) fn traceparent(id: IntentId) -> String {
    let mut span = [0u8; 8];
    for chunk in span.chunks_mut(4) {
        // A draw in [0, 1) scaled to 32 bits: the float's 53 bits cover them.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let bits = (js_sys::Math::random() * 4_294_967_296.0) as u32;
        chunk.copy_from_slice(&bits.to_be_bytes());
    }
    span[7] |= 1;
    TraceParent::of_intent(id, span).to_string()
}

/// The receipt of an intent whose id the server already holds for another purchase.
pub(crate) const EXISTS: &str =
    "An order with this receipt number already exists; this receipt follows that order's state.";

pub(crate) fn reject(receipt: &mut Receipt, message: String, now: UnixMillis) {
    receipt.set_status(ReceiptStatus::Rejected, now);
    receipt.reason = Some(message);
}

/// Follow held orders, and paid ones whose payment or token is not final, for a short while
/// (sandbox cards settle in seconds, a mint in a minute); later checks come with the next
/// nudge, which a receipt on screen sends often. Returns whether an order the server no longer
/// knows was put back in the outbox to be sent again.
async fn refresh_held() -> bool {
    if REFRESHING.replace(true) {
        return false;
    }
    let Ok(db) = device_db::open().await else {
        REFRESHING.set(false);
        return false;
    };
    let mut requeued = false;
    for round in 0..6u32 {
        let (still_held, lost) = match refresh_round(&db).await {
            Ok(counts) => counts,
            Err(error) => {
                js::warn("refreshing held orders failed", &error.0.into());
                (0, false)
            }
        };
        requeued |= lost;
        if still_held == 0 || lost || round == 5 {
            break;
        }
        js::sleep(500 << round.min(4)).await;
    }
    REFRESHING.set(false);
    requeued
}

/// One look at every followed receipt: (how many are still followed, whether one was lost).
async fn refresh_round(db: &Rexie) -> Result<(usize, bool), DbError> {
    let held: Vec<Receipt> =
        device_db::receipts(db).await?.into_iter().filter(Receipt::is_followed).collect();
    let mut still_held = 0;
    let mut lost = false;
    for mut receipt in held {
        let now = js::now();
        match fetch_order(receipt.id).await {
            // Paid already, and the money and token stand where they stood: nothing to tell.
            OrderLookup::Found(order)
                if receipt.status == ReceiptStatus::Paid
                    && order.state == OrderState::Paid
                    && receipt.settlement() == order.settlement.as_ref() => {}
            OrderLookup::Found(order) if order.state.is_final() => {
                device_db::settle(db, receipt.id, |r| r.apply(&order, now)).await?;
                receipt.apply(&order, now);
                notify::receipt_changed(receipt.id).await;
            }
            OrderLookup::Found(order)
                if receipt.status != order.state.into() || receipt.reason != order.reason =>
            {
                receipt.apply(&order, now);
                device_db::save_receipt(db, &receipt).await?;
                notify::receipt_changed(receipt.id).await;
            }
            OrderLookup::Missing => {
                // The server acknowledged this order and no longer has it (a database restored
                // from before the commit): send the kept intent again.
                if let Some(entry) = device_db::entry(db, receipt.id).await? {
                    let again = device_db::OutboxEntry {
                        accepted: false,
                        next_attempt_at: now,
                        last_error: Some("the server no longer had this order".into()),
                        ..entry
                    };
                    device_db::save_entry(db, &again).await?;
                    receipt.set_status(ReceiptStatus::Waiting, now);
                    device_db::save_receipt(db, &receipt).await?;
                    notify::receipt_changed(receipt.id).await;
                    lost = true;
                }
            }
            _ => {}
        }
        if receipt.is_followed() {
            still_held += 1;
        }
    }
    Ok((still_held, lost))
}

/// What `GET /api/v1/orders/{id}` said.
enum OrderLookup {
    Found(Box<Order>),
    /// Our server, in its own error shape, says it has no such order.
    Missing,
    /// No answer, or not one we can trust either way.
    Unknown,
}

async fn fetch_order(id: IntentId) -> OrderLookup {
    let Ok(response) = js::get_fresh(&paths::order(id)).await else { return OrderLookup::Unknown };
    let status = response.status();
    let Ok(text) = js::text(&response).await else { return OrderLookup::Unknown };
    order_lookup(status, &text)
}

fn order_lookup(status: u16, body: &str) -> OrderLookup {
    match status {
        200 => serde_json::from_str(body)
            .map_or(OrderLookup::Unknown, |order| OrderLookup::Found(Box::new(order))),
        404 => match serde_json::from_str::<ApiError>(body) {
            Ok(error) if error.code == ErrorCode::NotFound => OrderLookup::Missing,
            _ => OrderLookup::Unknown,
        },
        _ => OrderLookup::Unknown,
    }
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
