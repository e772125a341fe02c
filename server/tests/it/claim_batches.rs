//! Issue 13: `POST /api/v1/claims/batch`, a kiosk's queue sent at once. Each claim gets the
//! answer `POST /api/v1/claims` gives it alone (status and body, in request order); the id is
//! the idempotency key, so a repeated request replays; a bad element refuses the whole request
//! and writes nothing; a request costs one rate-limit token however many claims it carries;
//! and a thousand claims go through in five requests within three seconds.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::claims::{Claim, ClaimAnswer, MAX_CLAIMS_PER_REQUEST};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{ApiError, ErrorCode, Order, OrderState};

use crate::claim_requests::{
    batch, claim, claim_at, claimed_vouchers, post, resigned, CLAIMS, WORK,
};
use crate::helpers::{now, spawn_app, spawn_app_configured, TestApp};
use crate::kiosks::kiosk;
use crate::merchants::{bearer, call, code, merchant};

const BATCH: &str = "/api/v1/claims/batch";
const DAY_MS: i64 = 86_400_000;

async fn send(app: &TestApp, body: &impl serde::Serialize) -> reqwest::Response {
    app.client.post(app.url(BATCH)).json(body).send().await.unwrap()
}

async fn answers(app: &TestApp, claims: &[Signed<Claim>]) -> Vec<ClaimAnswer> {
    let res = send(app, &claims).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.json().await.unwrap()
}

async fn orders(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM orders").fetch_all(&app.db).await.unwrap()[0]
}

fn error_code(answer: &ClaimAnswer) -> ErrorCode {
    serde_json::from_value::<ApiError>(answer.body.clone()).unwrap().code
}

/// Every answer is a new held order for its own claim, in request order.
fn all_held(got: &[ClaimAnswer], sent: &[Signed<Claim>]) {
    assert_eq!(got.len(), sent.len());
    for (answer, claim) in got.iter().zip(sent) {
        assert_eq!((answer.id, answer.status, answer.retry_after_s), (claim.body.id, 201, None));
        let order: Order = serde_json::from_value(answer.body.clone()).unwrap();
        assert_eq!((order.id, order.state), (claim.body.id, OrderState::Held));
    }
}

#[tokio::test]
async fn two_hundred_free_claims_in_one_request_make_two_hundred_orders_and_replay_alike() {
    let app = spawn_app().await;
    app.set_stock(WORK, 1_000).await;
    let b = batch(&app, 200, 0, DAY_MS, 1).await;
    let stand = kiosk(&app, "demo").await;
    let sent: Vec<Signed<Claim>> = b.vouchers.iter().map(|v| claim(&stand, *v)).collect();
    let first = answers(&app, &sent).await;
    all_held(&first, &sent);
    assert_eq!((orders(&app).await, claimed_vouchers(&app).await), (200, 200));
    // The kiosk sends its queue again (the answer was lost): the same answers, nothing new.
    assert_eq!(answers(&app, &sent).await, first);
    assert_eq!(orders(&app).await, 200);
}

#[tokio::test]
async fn a_mixed_batch_answers_each_claim_as_it_would_be_answered_alone() {
    let app = spawn_app().await;
    let b = batch(&app, 4, 0, DAY_MS, 1).await;
    let withdrawn = batch(&app, 1, 0, DAY_MS, 1).await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Claims]).await);
    let revoke = format!("{CLAIMS}/{}/revoke", withdrawn.batch.id);
    assert_eq!(call(&app, Method::POST, &revoke, Some(&auth), None).await.status(), 200);
    let (a, c, d) = (app.device().await, app.device().await, app.device().await);
    let v = &b.vouchers;
    let stranger = SecretKey::from_bytes([3; 32]);
    let past = u32::try_from(now().0 / 1000 - 1).unwrap();
    let valid = claim(&a, v[0]);
    let sent = vec![
        valid.clone(),
        Signed::sign(claim(&c, v[1]).body, &stranger),
        claim(&c, resigned(v[1], &app.server_key, |x| x.expires_at = past)),
        claim(&c, withdrawn.vouchers[0]),
        // The same claim again: one order, replayed.
        valid,
        // One voucher from two devices: the writer takes the first.
        claim(&c, v[2]),
        claim(&d, v[2]),
        claim_at(&d, v[3], None, now().plus(3_600_000)),
    ];
    let got = answers(&app, &sent).await;
    assert_eq!(
        got.iter().map(|a| a.id).collect::<Vec<_>>(),
        sent.iter().map(|c| c.body.id).collect::<Vec<_>>()
    );
    let statuses: Vec<u16> = got.iter().map(|a| a.status).collect();
    assert_eq!(statuses[..5], [201, 422, 422, 422, 201], "{got:?}");
    assert_eq!(got[4].body, got[0].body, "the second copy is the first's answer");
    let codes: Vec<ErrorCode> = got[1..4].iter().map(error_code).collect();
    assert_eq!(
        codes,
        [ErrorCode::BadSignature, ErrorCode::VoucherExpired, ErrorCode::VoucherRevoked]
    );
    let (won, lost) = if statuses[5] == 201 { (5, 6) } else { (6, 5) };
    assert_eq!((got[won].status, got[lost].status), (201, 422));
    assert_eq!(error_code(&got[lost]), ErrorCode::AlreadyClaimed);
    assert_eq!((got[7].status, error_code(&got[7])), (425, ErrorCode::ClockAhead));
    assert!(got[7].retry_after_s.is_some_and(|s| s >= 3_000), "{:?}", got[7].retry_after_s);
    assert_eq!((orders(&app).await, claimed_vouchers(&app).await), (2, 2));

    // Sent alone now, each gets the same status and body from `POST /api/v1/claims`.
    for i in [0, 1, 2, 3, lost] {
        let res = post(&app, &sent[i]).await;
        assert_eq!(res.status().as_u16(), got[i].status, "claim {i}");
        assert_eq!(res.json::<Value>().await.unwrap(), got[i].body, "claim {i}");
    }
    assert_eq!(orders(&app).await, 2);
}

#[tokio::test]
async fn an_empty_oversized_or_malformed_batch_is_refused_whole_and_writes_nothing() {
    let app = spawn_app().await;
    let b = batch(&app, 1, 0, DAY_MS, 1).await;
    let device = app.device().await;
    let good = claim(&device, b.vouchers[0]);
    let before = (app.ledger_snapshot().await, claimed_vouchers(&app).await);
    let malformed = (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody);
    let too_large = (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge);
    let cases = [
        (json!([good, { "id": "not a claim" }]), malformed),
        (json!([good, 7]), malformed),
        (json!([]), malformed),
        (json!({ "claims": [good] }), malformed),
        (json!(vec![good.clone(); MAX_CLAIMS_PER_REQUEST + 1]), too_large),
        (json!(["x".repeat(MAX_CLAIMS_PER_REQUEST * 4096)]), too_large),
    ];
    for (i, (body, expected)) in cases.into_iter().enumerate() {
        assert_eq!(code(send(&app, &body).await).await, expected, "case {i}");
    }
    assert_eq!((app.ledger_snapshot().await, claimed_vouchers(&app).await), before);
    let one = std::slice::from_ref(&good);
    all_held(&answers(&app, one).await, one);
}

#[tokio::test]
async fn a_request_costs_one_token_however_many_claims_and_a_flood_gets_429() {
    use vitrine_server::domain::rate_limit::RateLimit;
    let app = spawn_app_configured(|c| {
        let n = |v| std::num::NonZeroU32::new(v).unwrap();
        c.intent_limit = RateLimit { per_minute: n(60), burst: n(2) };
    })
    .await;
    app.set_stock(WORK, 1_000).await;
    let b = batch(&app, 120, 0, DAY_MS, 1).await;
    let stand = kiosk(&app, "demo").await;
    let sent: Vec<Signed<Claim>> = b.vouchers.iter().map(|v| claim(&stand, *v)).collect();
    for part in sent[..100].chunks(50) {
        all_held(&answers(&app, part).await, part);
    }
    let mut accepted = 100;
    let mut limited = 0;
    for one in sent[100..].chunks(1) {
        let res = send(&app, &one).await;
        if res.status() == StatusCode::OK {
            accepted += 1;
            continue;
        }
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait >= 1);
        assert_eq!(res.json::<ApiError>().await.unwrap().code, ErrorCode::RateLimited);
        limited += 1;
    }
    assert!(limited >= 15, "{limited} of 20 limited");
    assert_eq!(claimed_vouchers(&app).await, accepted, "a refused request takes nothing");
}

#[tokio::test]
async fn a_kiosk_sends_a_thousand_claims_in_five_requests() {
    // How long it takes is measured by `cargo xtask bench` (tests/bench/claims.mjs), not here.
    let app = spawn_app().await;
    app.set_stock(WORK, 5_000).await;
    let b = batch(&app, 1_000, 0, DAY_MS, 1).await;
    let stand = kiosk(&app, "demo").await;
    let sent: Vec<Signed<Claim>> = b.vouchers.iter().map(|v| claim(&stand, *v)).collect();
    for part in sent.chunks(MAX_CLAIMS_PER_REQUEST) {
        all_held(&answers(&app, part).await, part);
    }
    assert_eq!((orders(&app).await, claimed_vouchers(&app).await), (1_000, 1_000));
}
