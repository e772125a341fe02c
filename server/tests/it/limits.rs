//! Issue 10 §2: limits the server enforces, not only the device.

use futures::future::join_all;
use vitrine_protocol::{ApiError, ErrorCode, Order, OrderState, SuggestedAction};

use crate::helpers::{spawn_app, spawn_app_configured, Device, TestApp};

/// A device, item 201's quote with room in stock, the largest quantity one intent may carry
/// (the per-intent maximum) and how many such intents fit the outstanding limit.
async fn max_value_setup(
    app: &TestApp,
) -> (Device, vitrine_protocol::signing::Signed<vitrine_protocol::Quote>, u32, usize) {
    let device = app.device().await;
    let quote = app.quote(201).await;
    app.set_stock(201, 1_000).await;
    let limit = *device.certificate.body.limit(quote.body.price.currency).unwrap();
    let price = quote.body.price.amount_minor;
    let quantity = u32::try_from((limit.max_per_intent_minor / price).min(10)).unwrap();
    assert!(quantity >= 1);
    let fits =
        usize::try_from(limit.max_outstanding_minor / (price * i64::from(quantity))).unwrap();
    (device, quote, quantity, fits)
}

#[tokio::test]
async fn fifty_max_value_intents_from_one_certificate_hold_only_what_fits() {
    let app = spawn_app().await;
    let (device, quote, quantity, fits) = max_value_setup(&app).await;
    let intents: Vec<_> = (0..50).map(|_| device.buy(&quote, quantity)).collect();
    let answers = join_all(intents.iter().map(|i| app.post_intent(i))).await;
    let mut held = 0;
    let mut over = 0;
    for res in answers {
        assert_eq!(res.status(), 201);
        let order: Order = res.json().await.unwrap();
        match order.state {
            // The sandbox may already have paid some; paid ones were held first.
            OrderState::Held | OrderState::Paid => held += 1,
            OrderState::Conflict => {
                assert!(order.reason.as_deref().unwrap_or_default().contains("offline limit"));
                assert!(order.suggested_actions.contains(&SuggestedAction::WaitForPending));
                over += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Orders that settled free their room: at least `fits` are held, and never more than
    // the limit at any one moment (checked below from the ledger).
    assert!(held >= fits, "{held} held, {fits} fit");
    assert_eq!(held + over, 50);
    let taken: i64 = sqlx::query_scalar("SELECT 1000 - stock FROM items WHERE id = 201")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(taken, i64::try_from(held).unwrap() * i64::from(quantity), "stock follows holds");
}

#[tokio::test]
async fn without_settlement_the_outstanding_limit_is_exact() {
    // Decline-after-delay would settle; a card the sandbox keeps pending holds them all.
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    app.set_stock(201, 1_000).await;
    let limit = *device.certificate.body.limit(quote.body.price.currency).unwrap();
    let price = quote.body.price.amount_minor;
    let quantity = u32::try_from((limit.max_per_intent_minor / price).min(10)).unwrap();
    let fits =
        usize::try_from(limit.max_outstanding_minor / (price * i64::from(quantity))).unwrap();
    let card = "4000000000003220"; // pending for 2 s: still held while the test runs
    let intents: Vec<_> =
        (0..50).map(|_| device.sign(device.intent(&quote, quantity, card))).collect();
    let answers = join_all(intents.iter().map(|i| app.post_intent(i))).await;
    let mut states = Vec::new();
    for res in answers {
        let order: Order = res.json().await.unwrap();
        states.push(order.state);
    }
    let held = states.iter().filter(|s| **s == OrderState::Held).count();
    assert_eq!(held, fits, "exactly what fits the outstanding limit is held: {states:?}");
    assert_eq!(states.iter().filter(|s| **s == OrderState::Conflict).count(), 50 - fits);
}

#[tokio::test]
async fn a_registration_flood_gets_429_with_retry_after() {
    // The real default limit (the other tests register many devices from one address).
    let app = spawn_app_configured(|c| {
        c.registration_limit = vitrine_server::domain::rate_limit::RateLimit::default();
    })
    .await;
    let key = vitrine_protocol::signing::SecretKey::from_bytes([5; 32]);
    let mut limited = 0;
    for _ in 0..40 {
        let body = vitrine_protocol::DeviceRegistration::new(key.public(), crate::helpers::now());
        let signed = vitrine_protocol::signing::Signed::sign(body, &key);
        let res = app.client.post(app.url("/api/v1/devices")).json(&signed).send().await.unwrap();
        if res.status() == 429 {
            let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry >= 1);
            let error: ApiError = res.json().await.unwrap();
            assert_eq!(error.code, ErrorCode::RateLimited);
            limited += 1;
        } else {
            assert_eq!(res.status(), 201);
        }
    }
    // A burst of 20; a token returns every 6 s, so a slow machine may get one or two more.
    assert!((18..=20).contains(&limited), "{limited} of 40 refused");
}
