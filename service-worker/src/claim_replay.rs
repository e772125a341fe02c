//! Sending the outbox's claims: up to `MAX_CLAIMS_PER_REQUEST` in one request to
//! `POST /api/v1/claims/batch`, each answered as the single endpoint would answer it alone and
//! classified by the same rules as a purchase (`replay::classify`), then every answer of the
//! request written in one IndexedDB transaction. A kiosk's queue of a thousand goes in five
//! requests and five transactions.

use rexie::Rexie;
use vitrine_protocol::claims::{ClaimAnswer, MAX_CLAIMS_PER_REQUEST};
use vitrine_protocol::device::ReceiptStatus;
use vitrine_protocol::headers::RETRY_AFTER;
use vitrine_protocol::trace::TRACEPARENT;
use vitrine_protocol::{paths, UnixMillis};

use crate::device_db::{self, Change, DbError, OutboxEntry, Outgoing};
use crate::replay::{backoff_ms, classify, reject, retry_after_ms, traceparent, Outcome, EXISTS};
use crate::{js, notify};

/// Send `entries` (claims that are due). Returns whether any is left to send, and whether
/// the server was unreachable.
pub async fn send(db: &Rexie, entries: Vec<OutboxEntry>) -> Result<(bool, bool), DbError> {
    let mut left = false;
    for chunk in entries.chunks(MAX_CLAIMS_PER_REQUEST) {
        let claims: Vec<_> = chunk
            .iter()
            .filter_map(|e| match &e.outgoing {
                Outgoing::Claim { claim } => Some(claim),
                Outgoing::Intent { .. } => None,
            })
            .collect();
        let body = serde_json::to_string(&claims)?;
        // The request runs in its first claim's trace: a scan sent at once (the online case)
        // is followed from the kiosk to the mint; the server's span for each claim of a
        // larger batch names that claim's own trace (routes/claims.rs).
        let trace = chunk.first().map(|e| traceparent(e.id));
        let headers: Vec<(&str, &str)> = trace.iter().map(|t| (TRACEPARENT, t.as_str())).collect();
        let mut refused_whole = false;
        let answered = match js::post_json(paths::CLAIMS_BATCH, &body, &headers).await {
            Ok(response) => {
                refused_whole = crate::telemetry::shop_failed(response.status());
                let retry_after = response.headers().get(RETRY_AFTER).ok().flatten();
                let text = js::text(&response).await.unwrap_or_default();
                match serde_json::from_str::<Vec<ClaimAnswer>>(&text) {
                    Ok(answers) if response.status() == 200 => Ok(answers),
                    // The request as a whole was not judged (a limit, a proxy, a restart):
                    // never a verdict on any one claim.
                    _ => Err(Outcome::Retry {
                        after_ms: retry_after_ms(retry_after.as_deref()),
                        why: format!("claims batch answered {}", response.status()),
                    }),
                }
            }
            Err(_) => Err(Outcome::Unreachable),
        };
        let now = js::now();
        let unreachable = matches!(answered, Err(Outcome::Unreachable));
        let changes: Vec<Change> = chunk
            .iter()
            .map(|entry| {
                let outcome = match &answered {
                    Ok(answers) => answers.iter().find(|a| a.id == entry.id).map_or_else(
                        || Outcome::Retry {
                            after_ms: None,
                            why: "no answer for this claim".into(),
                        },
                        |a| {
                            let retry = a.retry_after_s.map(|s| s.to_string());
                            classify(a.status, retry.as_deref(), &a.body.to_string())
                        },
                    ),
                    Err(Outcome::Unreachable) => {
                        Outcome::Retry { after_ms: None, why: "server unreachable".into() }
                    }
                    Err(Outcome::Retry { after_ms, why }) => {
                        Outcome::Retry { after_ms: *after_ms, why: why.clone() }
                    }
                    Err(_) => Outcome::Retry { after_ms: None, why: "unexpected".into() },
                };
                change_for(entry.clone(), outcome, now)
            })
            .collect();
        let retried = changes.iter().filter(|c| matches!(c, Change::Retry(_))).count();
        left |= retried > 0;
        // One refused request is one failure of the shop's, however many claims it held.
        let failed = u64::from(refused_whole);
        let answered = if answered.is_ok() { (changes.len() - retried) as u64 } else { 0 };
        crate::telemetry::replayed(db, answered, failed).await;
        device_db::apply(db, changes).await?;
        if let Some(first) = chunk.first() {
            // Pages re-read every receipt on any notice: one per request is enough.
            notify::receipt_changed(first.id).await;
        }
        if unreachable {
            return Ok((true, true));
        }
    }
    Ok((left, false))
}

fn change_for(mut entry: OutboxEntry, outcome: Outcome, now: UnixMillis) -> Change {
    match outcome {
        Outcome::Accepted(order) if order.state.is_final() => {
            Change::Settle(entry.id, Box::new(move |r| r.apply(&order, now)))
        }
        Outcome::Accepted(order) => Change::Accept(entry, Box::new(move |r| r.apply(&order, now))),
        Outcome::Exists => Change::Accept(
            entry,
            Box::new(move |r| {
                r.set_status(ReceiptStatus::Held, now);
                r.reason = Some(EXISTS.to_owned());
            }),
        ),
        Outcome::Rejected { message } => {
            Change::Settle(entry.id, Box::new(move |r| reject(r, message, now)))
        }
        Outcome::Retry { after_ms, why } => {
            let wait = backoff_ms(entry.attempts, js_sys::Math::random(), after_ms);
            entry.attempts = entry.attempts.saturating_add(1);
            entry.next_attempt_at = UnixMillis(now.0.saturating_add(wait));
            entry.last_error = Some(why);
            Change::Retry(entry)
        }
        Outcome::Unreachable => Change::Retry(entry),
    }
}
