//! Issue 10 §1: an old price or an old certificate must not buy today. Each window of the
//! acceptance rule, tried through the real endpoint; refusals leave the ledger untouched.

use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    ApiError, DeviceCertificate, ErrorCode, Format, Intent, KeyId, Order, OrderState, Quote,
    SuggestedAction, UnixMillis,
};

use crate::helpers::{now, spawn_app, Device, TestApp};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// A quote the server really signed, issued and expiring when the test says.
fn quote_at(
    app: &TestApp,
    quote: &Signed<Quote>,
    issued_at: i64,
    valid_until: i64,
) -> Signed<Quote> {
    let body = Quote {
        issued_at: UnixMillis(issued_at),
        valid_until: UnixMillis(valid_until),
        ..quote.body.clone()
    };
    Signed::sign(body, &app.server_key)
}

/// A certificate the server really signed for `device`, valid when the test says.
fn cert_at(
    app: &TestApp,
    device: &Device,
    not_before: i64,
    not_after: i64,
) -> Signed<DeviceCertificate> {
    let body = DeviceCertificate {
        not_before: UnixMillis(not_before),
        not_after: UnixMillis(not_after),
        ..device.certificate.body.clone()
    };
    Signed::sign(body, &app.server_key)
}

async fn error_of(res: reqwest::Response) -> (u16, ApiError) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn a_fresh_certificate_cannot_revive_an_old_quote() {
    // The attack of the security review: register now, take a quote seen a month ago, date the
    // intent just inside it.
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let t = now().0;
    let old = quote_at(&app, &quote, t - 30 * DAY, t - 28 * DAY);
    let mut intent = device.intent(&old, 1, "4242424242424242");
    intent.device_time = UnixMillis(t - 28 * DAY - 1);
    let snapshot = app.ledger_snapshot().await;
    let (status, error) = error_of(app.post_intent(&device.sign(intent)).await).await;
    assert_eq!((status, error.code), (422, ErrorCode::CertificateNotYetValid), "{}", error.message);
    assert_eq!(app.ledger_snapshot().await, snapshot);
}

#[tokio::test]
async fn an_intent_dated_before_its_quote_was_issued_is_refused() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let t = now().0;
    let later = quote_at(&app, &quote, t + HOUR, t + 2 * DAY);
    let mut intent = device.intent(&later, 1, "4242424242424242");
    intent.certificate = cert_at(&app, &device, t - HOUR, t + DAY);
    intent.device_time = UnixMillis(t);
    let (status, error) = error_of(app.post_intent(&device.sign(intent)).await).await;
    assert_eq!((status, error.code), (422, ErrorCode::QuoteNotYetValid));
}

#[tokio::test]
async fn a_clock_ahead_is_told_to_retry_never_refused_for_good() {
    let app = spawn_app().await;
    let device = app.device().await;
    let mut intent = device.intent(&app.quote(201).await, 1, "4242424242424242");
    intent.device_time = UnixMillis(now().0 + 20 * 60_000);
    let snapshot = app.ledger_snapshot().await;
    let res = app.post_intent(&device.sign(intent)).await;
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((14 * 60..=15 * 60).contains(&retry_after), "about 15 minutes: {retry_after}");
    let (status, error) = error_of(res).await;
    assert_eq!((status, error.code), (425, ErrorCode::ClockAhead));
    assert!(!error.code.is_final(), "the device keeps it");
    assert_eq!(app.ledger_snapshot().await, snapshot);
}

#[tokio::test]
async fn a_late_intent_is_a_conflict_with_nothing_charged_and_never_lost() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let t = now().0;
    // Signed four days ago with grants valid then; the offline window is three days.
    let made = t - 4 * DAY;
    let mut intent =
        device.intent(&quote_at(&app, &quote, made - HOUR, made + 2 * DAY), 1, "4242424242424242");
    intent.certificate = cert_at(&app, &device, made - HOUR, made + DAY);
    intent.device_time = UnixMillis(made);
    let stock = app.stock(201).await;
    let signed = device.sign(intent);
    let res = app.post_intent(&signed).await;
    assert_eq!(res.status(), 201);
    let order: Order = res.json().await.unwrap();
    assert_eq!(order.state, OrderState::Conflict);
    assert!(order.reason.as_deref().unwrap_or_default().contains("offline window"), "{order:?}");
    assert!(order.suggested_actions.contains(&SuggestedAction::NothingCharged));
    assert!(order
        .suggested_actions
        .contains(&SuggestedAction::BuyAgain { item: signed.body.item }));
    assert_eq!(app.stock(201).await, stock, "no stock taken");
    // Read later, the same answer, sealed as of the later moment.
    let unsealed = |o: Order| Order { as_of: None, seal: None, ..o };
    assert_eq!(unsealed(app.order(signed.body.id).await), unsealed(order), "kept and readable");
    let again = app.post_intent(&signed).await;
    assert_eq!(again.status(), 201, "a retry gets the same answer");
}

#[tokio::test]
async fn one_second_inside_the_window_is_still_honoured() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let made = now().0 - 3 * DAY + 60_000;
    let mut intent =
        device.intent(&quote_at(&app, &quote, made - HOUR, made + 2 * DAY), 1, "4242424242424242");
    intent.certificate = cert_at(&app, &device, made - HOUR, made + DAY);
    intent.device_time = UnixMillis(made);
    let order: Order = app.post_intent(&device.sign(intent)).await.json().await.unwrap();
    assert_eq!(order.state, OrderState::Held);
}

/// What a device that queued an intent before the upgrade holds: format 1 grants signed by
/// key 1, a format 1 intent.
fn v1_intent(
    app: &TestApp,
    key: &SecretKey,
    quote: &Signed<Quote>,
    device_time: i64,
    valid_until: i64,
) -> Signed<Intent> {
    let q = Quote {
        format: Format::V1,
        key_id: KeyId::default(),
        issued_at: UnixMillis::default(),
        valid_until: UnixMillis(valid_until),
        ..quote.body.clone()
    };
    let c = DeviceCertificate {
        format: Format::V1,
        key_id: KeyId::default(),
        device_key: key.public(),
        not_before: UnixMillis::default(),
        not_after: UnixMillis(device_time + DAY - HOUR),
        offline_window_ms: 0,
        max_quantity: 0,
        limits: vitrine_server::domain::keys::Policy::default().limits,
    };
    let intent = Intent {
        format: Format::V1,
        id: vitrine_protocol::IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap(),
        item: quote.body.item,
        quantity: 1,
        quote: Signed::sign(q, &app.server_key),
        certificate: Signed::sign(c, &app.server_key),
        device_time: UnixMillis(device_time),
        payment: vitrine_protocol::Payment {
            rail: "sandbox-card".into(),
            token: "4242424242424242".into(),
        },
        buyer: Default::default(),
    };
    Signed::sign(intent, key)
}

#[tokio::test]
async fn format_one_intents_queued_before_the_upgrade_are_judged_truthfully() {
    let app = spawn_app().await;
    let key = SecretKey::from_bytes([21; 32]);
    let quote = app.quote(201).await;
    let t = now().0;
    // In time: accepted and held, like before the upgrade.
    let fresh = v1_intent(&app, &key, &quote, t - HOUR, t + DAY);
    let json = serde_json::to_value(&fresh).unwrap();
    assert!(json.get("v").is_some_and(|v| v == 1), "sent as format 1");
    let order: Order = app.post_intent(&fresh).await.json().await.unwrap();
    assert_eq!(order.state, OrderState::Held);
    // Made five days ago, valid then: a conflict, nothing charged, not a rejection.
    let late = v1_intent(&app, &key, &quote, t - 5 * DAY, t - 4 * DAY);
    let order: Order = app.post_intent(&late).await.json().await.unwrap();
    assert_eq!(order.state, OrderState::Conflict);
    // A format 1 quote can still not be revived by a backdated intent.
    let mut backdated = v1_intent(&app, &key, &quote, t - HOUR, t + DAY).body;
    backdated.quote = v1_intent(&app, &key, &quote, t - 40 * DAY, t - 39 * DAY).body.quote;
    let (status, error) = error_of(app.post_intent(&Signed::sign(backdated, &key)).await).await;
    assert_eq!((status, error.code), (422, ErrorCode::QuoteExpired));
}

#[tokio::test]
async fn mixed_formats_are_refused() {
    let app = spawn_app().await;
    let device = app.device().await;
    let mut intent = device.intent(&app.quote(201).await, 1, "4242424242424242");
    intent.format = Format::V1;
    let (status, error) = error_of(app.post_intent(&device.sign(intent)).await).await;
    assert_eq!((status, error.code), (422, ErrorCode::CertificateInvalid));
}
