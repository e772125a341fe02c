//! Issue 13: kiosks. A merchant (claims scope) registers a kiosk's key like a device and gets
//! a certificate with nothing to spend: it makes free claims, counted per email rather than
//! per device, and cannot buy or claim anything priced. A key is one merchant's kiosk; the
//! table keeps it so (triggers).

use reqwest::{Method, StatusCode};
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    sandbox, ApiError, DeviceCertificate, DeviceRegistration, ErrorCode, Payment, UnixMillis,
};

use crate::claim_requests::{batch, claim, claim_at, claimed_vouchers, post};
use crate::helpers::{now, spawn_app, Device, TestApp};
use crate::merchants::{audit_rows, bearer, call, code, merchant};

pub(crate) const KIOSKS: &str = "/api/v1/merchant/kiosks";
const DAY_MS: i64 = 86_400_000;

fn registration(key: &SecretKey, at: UnixMillis) -> serde_json::Value {
    serde_json::to_value(Signed::sign(DeviceRegistration::new(key.public(), at), key)).unwrap()
}

fn fresh_key() -> SecretKey {
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret).unwrap();
    SecretKey::from_bytes(secret)
}

/// `key` registered as a kiosk by the holder of `auth`.
async fn register(app: &TestApp, auth: &str, key: &SecretKey) -> reqwest::Response {
    call(app, Method::POST, KIOSKS, Some(auth), Some(registration(key, now()))).await
}

/// A new kiosk of the merchant `name` (made with the claims scope if it does not exist).
pub(crate) async fn kiosk(app: &TestApp, name: &str) -> Device {
    let auth = bearer(&merchant(app, name, &[Scope::Claims]).await);
    let key = fresh_key();
    let res = register(app, &auth, &key).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let certificate: Signed<DeviceCertificate> = res.json().await.unwrap();
    Device { key, certificate }
}

async fn kiosk_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM kiosks").fetch_all(&app.db).await.unwrap()[0]
}

#[tokio::test]
async fn a_kiosk_is_registered_once_per_key_and_its_certificate_has_nothing_to_spend() {
    let app = spawn_app().await;
    let auth = bearer(&merchant(&app, "demo", &[Scope::Claims]).await);
    let catalog = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Claims]).await);
    let key = fresh_key();
    let before = audit_rows(&app).await;

    let body = registration(&key, now());
    let res = call(&app, Method::POST, KIOSKS, None, Some(body.clone())).await;
    assert_eq!(code(res).await, (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
    let res = call(&app, Method::POST, KIOSKS, Some(&catalog), Some(body)).await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    // Signed by another key; dated an hour ago (a captured registration replayed).
    let mut forged = registration(&key, now());
    forged["signature"] = registration(&fresh_key(), now())["signature"].clone();
    for bad in [forged, registration(&key, now().minus(3_600_000))] {
        let res = call(&app, Method::POST, KIOSKS, Some(&auth), Some(bad)).await;
        assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BadRegistration));
    }
    assert_eq!((audit_rows(&app).await, kiosk_rows(&app).await), (before, 0), "nothing written");

    let res = register(&app, &auth, &key).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let signed: Signed<DeviceCertificate> = res.json().await.unwrap();
    let cert = signed.verify(&app.server_key.public()).unwrap();
    assert_eq!(cert.device_key, key.public());
    let usual = app.device().await.certificate.body;
    let currencies =
        |c: &DeviceCertificate| c.limits.iter().map(|l| l.currency).collect::<Vec<_>>();
    assert_eq!(currencies(cert), currencies(&usual));
    assert!(cert
        .limits
        .iter()
        .all(|l| l.max_per_intent_minor == 0 && l.max_outstanding_minor == 0));

    // Again by the same merchant: a fresh certificate, the same kiosk; both audited.
    assert_eq!(register(&app, &auth, &key).await.status(), StatusCode::CREATED);
    assert_eq!((audit_rows(&app).await, kiosk_rows(&app).await), (before + 2, 1));
    // Another merchant's: refused, nothing written.
    let res = register(&app, &rival, &key).await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::AlreadyExists));
    assert_eq!((audit_rows(&app).await, kiosk_rows(&app).await), (before + 2, 1));
    // The table holds the same line.
    let moved = sqlx::query("UPDATE kiosks SET merchant_id = merchant_id + 1").execute(&app.db);
    assert!(moved.await.is_err());
    assert!(sqlx::query("DELETE FROM kiosks").execute(&app.db).await.is_err());
}

#[tokio::test]
async fn a_kiosk_can_neither_buy_nor_claim_anything_priced() {
    let app = spawn_app().await;
    let kiosk = kiosk(&app, "demo").await;
    let priced = batch(&app, 1, 500, DAY_MS, 1).await;
    let before = (app.ledger_snapshot().await, claimed_vouchers(&app).await);

    let quote = app.quote(102).await;
    let res = app.post_intent(&kiosk.buy(&quote, 1)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<ApiError>().await.unwrap().code, ErrorCode::OverLimit);

    let mut paid = claim(&kiosk, priced.vouchers[0]).body;
    paid.payment = Payment { rail: sandbox::CARD_RAIL.into(), token: sandbox::APPROVE.into() };
    let res = post(&app, &Signed::sign(paid, &kiosk.key)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<ApiError>().await.unwrap().code, ErrorCode::OverLimit);
    assert_eq!((app.ledger_snapshot().await, claimed_vouchers(&app).await), before);
}

#[tokio::test]
async fn a_kiosk_redeems_for_many_people_where_a_phone_gets_its_one() {
    let app = spawn_app().await;
    let b = batch(&app, 14, 0, DAY_MS, 1).await;
    let v = &b.vouchers;
    let stand = kiosk(&app, "demo").await;
    for voucher in &v[..5] {
        let res = post(&app, &claim(&stand, *voucher)).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    }
    // A visitor who gives an email is one person at the kiosk too.
    let ada = claim_at(&stand, v[5], Some("ada@example.org"), now());
    assert_eq!(post(&app, &ada).await.status(), StatusCode::CREATED);
    let again = claim_at(&stand, v[6], Some(" Ada@Example.org"), now());
    assert_eq!(refused(&app, &again).await, ErrorCode::LimitReached);

    let phone = app.device().await;
    assert_eq!(post(&app, &claim(&phone, v[7])).await.status(), StatusCode::CREATED);
    assert_eq!(refused(&app, &claim(&phone, v[8])).await, ErrorCode::LimitReached);

    // Another merchant's kiosk is an ordinary device for this merchant's batch.
    let theirs = kiosk(&app, "rival").await;
    assert_eq!(post(&app, &claim(&theirs, v[9])).await.status(), StatusCode::CREATED);
    assert_eq!(refused(&app, &claim(&theirs, v[10])).await, ErrorCode::LimitReached);
    assert_eq!(claimed_vouchers(&app).await, 8);
}

async fn refused(app: &TestApp, claim: &Signed<vitrine_protocol::claims::Claim>) -> ErrorCode {
    let res = post(app, claim).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    res.json::<ApiError>().await.unwrap().code
}
