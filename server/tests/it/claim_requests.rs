//! Issue 13: claiming vouchers. A claim is an intent like any other purchase: signed by the
//! device, sent with its idempotency key, decided by the writer exactly once. The matrix:
//! valid (once, replayed, settled free), scanned offline before the expiry and arriving after,
//! expired, revoked, forged, for another work, over the per-person limit (by device and by
//! email), already claimed, the id not derived, the wrong rail, and 20 devices at once for one
//! voucher (exactly one wins). Every refusal leaves the ledger untouched.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;
use vitrine_protocol::claims::{Claim, SignedVoucher, Voucher, FREE_RAIL};
use vitrine_protocol::merchant::{ClaimBatch, Scope, VoucherEntry};
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    sandbox, ApiError, Buyer, ErrorCode, IntentId, OrderState, Payment, UnixMillis,
};
use vitrine_server::IDEMPOTENCY_KEY;

use crate::helpers::{now, spawn_app, Device, TestApp};
use crate::merchants::{bearer, call, merchant};

pub(crate) const CLAIMS: &str = "/api/v1/merchant/claims";
pub(crate) const WORK: i64 = 101;

pub(crate) struct Batch {
    pub batch: ClaimBatch,
    pub vouchers: Vec<SignedVoucher>,
}

/// A batch of `count` vouchers for the demo merchant's work 101, made through the API.
pub(crate) async fn batch(
    app: &TestApp,
    count: u32,
    price_minor: i64,
    expires_in_ms: i64,
    limit: u32,
) -> Batch {
    let auth = bearer(&merchant(app, "demo", &[Scope::Claims]).await);
    let body = json!({
        "item": WORK, "count": count, "price": { "amount_minor": price_minor, "currency": "EUR" },
        "expires_at": now().plus(expires_in_ms), "per_person_limit": limit,
    });
    let res = call(app, Method::POST, CLAIMS, Some(&auth), Some(body)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let batch: ClaimBatch = res.json().await.unwrap();
    let path = format!("{CLAIMS}/{}/vouchers", batch.id);
    let list: Vec<VoucherEntry> =
        call(app, Method::GET, &path, Some(&auth), None).await.json().await.unwrap();
    let vouchers = list.iter().map(|v| SignedVoucher::parse(&v.code).unwrap()).collect();
    Batch { batch, vouchers }
}

pub(crate) fn claim_at(
    device: &Device,
    voucher: SignedVoucher,
    email: Option<&str>,
    at: UnixMillis,
) -> Signed<Claim> {
    let rail = Payment { rail: FREE_RAIL.into(), token: String::new() };
    let claim = Claim {
        id: voucher.intent_id(&device.key.public()),
        attempt: 0,
        voucher,
        certificate: device.certificate.clone(),
        device_time: at,
        payment: rail,
        buyer: Buyer { wallet: None, email: email.map(str::to_owned) },
    };
    Signed::sign(claim, &device.key)
}

pub(crate) fn claim(device: &Device, voucher: SignedVoucher) -> Signed<Claim> {
    claim_at(device, voucher, None, now())
}

pub(crate) async fn post(app: &TestApp, claim: &Signed<Claim>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/claims"))
        .header(IDEMPOTENCY_KEY, claim.body.id.to_string())
        .json(claim)
        .send()
        .await
        .unwrap()
}

async fn refused(app: &TestApp, claim: &Signed<Claim>) -> (StatusCode, ErrorCode, String) {
    let res = post(app, claim).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    let e: ApiError = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"));
    (status, e.code, e.message)
}

pub(crate) async fn claimed_vouchers(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM vouchers WHERE order_id IS NOT NULL")
        .fetch_all(&app.db)
        .await
        .unwrap()[0]
}

/// The voucher re-signed by `key` with `change` applied to its body.
pub(crate) fn resigned(
    v: SignedVoucher,
    key: &SecretKey,
    change: impl FnOnce(&mut Voucher),
) -> SignedVoucher {
    let mut body = v.voucher;
    change(&mut body);
    SignedVoucher::sign(body, key)
}

#[tokio::test]
async fn a_claim_is_taken_once_replayed_alike_and_settled_free() {
    let app = spawn_app().await;
    let b = batch(&app, 3, 0, 86_400_000, 1).await;
    let device = app.device().await;
    let stock = app.stock(WORK).await;
    let signed = claim(&device, b.vouchers[0]);
    let res = post(&app, &signed).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first = res.text().await.unwrap();
    // Sent again (the outbox replaying), or scanned again on the same device: one order.
    let again = claim(&device, b.vouchers[0]);
    assert_eq!(again.body.id, signed.body.id);
    let res = post(&app, &signed).await;
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(res.text().await.unwrap(), first);
    assert_eq!(app.stock(WORK).await, stock - 1);
    let paid = app.wait_for_state(signed.body.id, OrderState::Paid).await;
    assert_eq!(paid.total.amount_minor, 0);
    assert_eq!(claimed_vouchers(&app).await, 1);
}

#[tokio::test]
async fn the_claim_matrix_refuses_each_bad_claim_with_its_code_and_writes_nothing() {
    let app = spawn_app().await;
    let b = batch(&app, 6, 0, 86_400_000, 1).await;
    let (a, c) = (app.device().await, app.device().await);
    let first = claim(&a, b.vouchers[0]);
    assert_eq!(post(&app, &first).await.status(), StatusCode::CREATED);
    // Settled first, so the settler's own ledger rows do not move under the checks.
    app.wait_for_state(first.body.id, OrderState::Paid).await;
    let before = (app.ledger_snapshot().await, claimed_vouchers(&app).await);
    let key = &app.server_key;
    let stranger = SecretKey::from_bytes([3; 32]);
    let v = b.vouchers[1];
    let cases: Vec<(&str, Signed<Claim>, StatusCode, ErrorCode)> = vec![
        (
            "already claimed",
            claim(&c, b.vouchers[0]),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::AlreadyClaimed,
        ),
        (
            "over the limit (device)",
            claim(&a, v),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::LimitReached,
        ),
        (
            "expired",
            claim(
                &c,
                resigned(v, key, |b| b.expires_at = u32::try_from(now().0 / 1000 - 1).unwrap()),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::VoucherExpired,
        ),
        (
            "forged",
            claim(&c, resigned(v, &stranger, |_| {})),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::VoucherInvalid,
        ),
        (
            "another work",
            claim(&c, resigned(v, key, |b| b.item = 102)),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::VoucherInvalid,
        ),
        (
            "no such batch",
            claim(&c, resigned(v, key, |b| b.batch = 9_999)),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::VoucherInvalid,
        ),
        (
            "a key we never had",
            claim(&c, resigned(v, key, |b| b.key_id = 7)),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::VoucherInvalid,
        ),
        // Backdated beyond the clock skew: before the device's certificate (and the batch).
        (
            "backdated",
            claim_at(&c, v, None, b.batch.created_at.minus(3_600_000)),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CertificateNotYetValid,
        ),
        // Ahead of the shop's clock: the device keeps it and sends it again later.
        (
            "dated ahead",
            claim_at(&c, v, None, now().plus(3_600_000)),
            StatusCode::TOO_EARLY,
            ErrorCode::ClockAhead,
        ),
    ];
    for (what, signed, status, code) in cases {
        let (s, c, message) = refused(&app, &signed).await;
        assert_eq!((s, c), (status, code), "{what}: {message}");
    }
    // When, never by whom.
    let (_, _, message) = refused(&app, &claim(&c, b.vouchers[0])).await;
    assert!(
        message.starts_with("This voucher was claimed on ") && message.contains("GMT"),
        "{message}"
    );
    assert!(!message.contains(&a.key.public().to_string()));

    assert_eq!((app.ledger_snapshot().await, claimed_vouchers(&app).await), before);

    // The same email from another device is the same person.
    let d = app.device().await;
    let by_email = claim_at(&d, b.vouchers[2], Some("ada@example.org"), now());
    assert_eq!(post(&app, &by_email).await.status(), StatusCode::CREATED);
    app.wait_for_state(by_email.body.id, OrderState::Paid).await;
    let before = (app.ledger_snapshot().await, claimed_vouchers(&app).await);
    let e = app.device().await;
    let (_, code, _) =
        refused(&app, &claim_at(&e, b.vouchers[3], Some(" ADA@example.org "), now())).await;
    assert_eq!(code, ErrorCode::LimitReached);

    // An id not derived from voucher and device; a claim signed by another key; the wrong rail.
    let mut wrong_id = claim(&e, b.vouchers[4]).body;
    wrong_id.id = IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap();
    let (s, code, _) = refused(&app, &Signed::sign(wrong_id, &e.key)).await;
    assert_eq!((s, code), (StatusCode::BAD_REQUEST, ErrorCode::BadRequest));
    let (_, code, _) = refused(&app, &Signed::sign(claim(&e, b.vouchers[4]).body, &stranger)).await;
    assert_eq!(code, ErrorCode::BadSignature);
    // A certificate the shop never signed, for a key of the claimant's own.
    let mut forged = claim(&e, b.vouchers[4]).body;
    forged.certificate = Signed::sign(forged.certificate.body.clone(), &stranger);
    let (_, code, _) = refused(&app, &Signed::sign(forged, &e.key)).await;
    assert_eq!(code, ErrorCode::CertificateInvalid);
    let mut card = claim(&e, b.vouchers[4]).body;
    card.payment = Payment { rail: sandbox::CARD_RAIL.into(), token: sandbox::APPROVE.into() };
    let (_, code, message) = refused(&app, &Signed::sign(card, &e.key)).await;
    assert_eq!(code, ErrorCode::UnknownRail, "{message}");

    // A code that is not one, and a missing or different idempotency key.
    let mut body = serde_json::to_value(claim(&e, b.vouchers[4])).unwrap();
    body["voucher"] = json!("12345");
    let res = app
        .client
        .post(app.url("/api/v1/claims"))
        .header(IDEMPOTENCY_KEY, body["id"].as_str().unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let signed = claim(&e, b.vouchers[4]);
    let res = app.client.post(app.url("/api/v1/claims")).json(&signed).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let other = IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap().to_string();
    let res = app
        .client
        .post(app.url("/api/v1/claims"))
        .header(IDEMPOTENCY_KEY, other)
        .json(&signed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let after = (app.ledger_snapshot().await, claimed_vouchers(&app).await);
    assert_eq!(after, before, "refusals wrote nothing");

    // Revoked: nothing of the batch is taken any more, but the claim already made replays.
    let auth = bearer(&merchant(&app, "demo", &[Scope::Claims]).await);
    let revoke = format!("{CLAIMS}/{}/revoke", b.batch.id);
    assert_eq!(call(&app, Method::POST, &revoke, Some(&auth), None).await.status(), 200);
    let (_, code, _) = refused(&app, &claim(&e, b.vouchers[5])).await;
    assert_eq!(code, ErrorCode::VoucherRevoked);
    let replayed = post(&app, &first).await;
    assert_eq!(replayed.status(), StatusCode::CREATED);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    // The same id with other content (signed again, later) is another request: refused.
    let (_, code, _) = refused(&app, &claim(&a, b.vouchers[0])).await;
    assert_eq!(code, ErrorCode::IdempotencyMismatch);
}

#[tokio::test]
async fn a_voucher_scanned_offline_before_its_expiry_is_honoured_when_it_arrives_after() {
    let app = spawn_app().await;
    let b = batch(&app, 2, 0, 2_000, 1).await;
    let device = app.device().await;
    let scanned = claim_at(&device, b.vouchers[0], None, now());
    let expiry = b.vouchers[0].voucher.expires_at_ms();
    app.wait_until("the voucher's expiry to pass", || async { now() > expiry }).await;
    assert_eq!(post(&app, &scanned).await.status(), StatusCode::CREATED);
    // Scanned now, it is expired.
    let other = app.device().await;
    let (_, code, _) = refused(&app, &claim(&other, b.vouchers[1])).await;
    assert_eq!(code, ErrorCode::VoucherExpired);
}

#[tokio::test]
async fn twenty_devices_claim_one_voucher_at_once_and_exactly_one_wins() {
    let app = spawn_app().await;
    let b = batch(&app, 1, 0, 86_400_000, 1).await;
    let stock = app.stock(WORK).await;
    let mut devices = Vec::new();
    for _ in 0..20 {
        devices.push(app.device().await);
    }
    let claims: Vec<Signed<Claim>> = devices.iter().map(|d| claim(d, b.vouchers[0])).collect();
    let answers = join_all(claims.iter().map(|c| post(&app, c))).await;
    let statuses: Vec<StatusCode> = answers.iter().map(reqwest::Response::status).collect();
    let won: Vec<usize> = (0..20).filter(|i| statuses[*i] == StatusCode::CREATED).collect();
    assert_eq!(won.len(), 1, "{statuses:?}");
    for (i, res) in answers.into_iter().enumerate() {
        if i != won[0] {
            let e: ApiError = res.json().await.unwrap();
            assert_eq!(e.code, ErrorCode::AlreadyClaimed);
        }
    }
    assert_eq!(app.stock(WORK).await, stock - 1);
    let owner: Vec<String> =
        sqlx::query_scalar("SELECT order_id FROM vouchers").fetch_all(&app.db).await.unwrap();
    assert_eq!(owner, [claims[won[0]].body.id.to_string()]);
}

#[tokio::test]
async fn a_priced_claim_is_paid_on_a_card_and_a_purchase_cannot_use_the_free_rail() {
    let app = spawn_app().await;
    let b = batch(&app, 1, 500, 86_400_000, 1).await;
    let device = app.device().await;
    let mut free = claim(&device, b.vouchers[0]).body;
    let (_, code, _) = refused(&app, &Signed::sign(free.clone(), &device.key)).await;
    assert_eq!(code, ErrorCode::UnknownRail, "a priced batch is not free");
    free.payment = Payment { rail: sandbox::CARD_RAIL.into(), token: sandbox::APPROVE.into() };
    let paid = Signed::sign(free, &device.key);
    assert_eq!(post(&app, &paid).await.status(), StatusCode::CREATED);
    let order = app.wait_for_state(paid.body.id, OrderState::Paid).await;
    assert_eq!(order.total.amount_minor, 500);

    let item = app.item(102).await;
    let mut intent = device.intent(item.quote.as_ref().unwrap(), 1, "");
    intent.payment = Payment { rail: FREE_RAIL.into(), token: String::new() };
    let res = app.post_intent(&device.sign(intent)).await;
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.code, ErrorCode::UnknownRail);
}

#[tokio::test]
async fn a_flood_of_claims_from_one_address_gets_429_with_retry_after_and_takes_nothing() {
    use vitrine_server::domain::rate_limit::RateLimit;
    let app = crate::helpers::spawn_app_configured(|c| {
        let n = |v| std::num::NonZeroU32::new(v).unwrap();
        c.intent_limit = RateLimit { per_minute: n(60), burst: n(2) };
    })
    .await;
    let b = batch(&app, 3, 0, 86_400_000, 3).await;
    let device = app.device().await;
    for v in &b.vouchers[..2] {
        assert_eq!(post(&app, &claim(&device, *v)).await.status(), StatusCode::CREATED);
    }
    let stock = app.stock(WORK).await;
    let res = post(&app, &claim(&device, b.vouchers[2])).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!((app.stock(WORK).await, claimed_vouchers(&app).await), (stock, 2));
}
