//! Every bad input gets the right 4xx code and leaves the ledger exactly as it was.

use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    ApiError, Currency, DeviceCertificate, ErrorCode, Money, OfflineLimit, Quote, UnixMillis,
};

use crate::helpers::{item_id, now, spawn_app, Device, TestApp};

async fn expect(app: &TestApp, res: reqwest::Response, status: u16, code: ErrorCode, case: &str) {
    assert_eq!(res.status(), status, "{case}");
    let error: ApiError =
        res.json().await.unwrap_or_else(|e| panic!("{case}: not the error shape: {e}"));
    assert_eq!(error.code, code, "{case}: {}", error.message);
    let _ = app;
}

#[tokio::test]
async fn malformed_bodies_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let device = app.device().await;
    let valid = device.buy(&app.quote(201).await, 1);
    let key = valid.body.id.to_string();
    let mut json: serde_json::Value = serde_json::to_value(&valid).unwrap();
    let snapshot = app.ledger_snapshot().await;
    let mut cases: Vec<(&str, String)> =
        vec![("not json", "{\"id\": ".into()), ("empty", String::new()), ("array", "[]".into())];
    json["quantity"] = "two".into();
    cases.push(("quantity as a string", json.to_string()));
    json["quantity"] = (-1).into();
    cases.push(("negative quantity", json.to_string()));
    json["quantity"] = 99_999_999_999u64.into();
    cases.push(("quantity beyond u32", json.to_string()));
    json["quantity"] = 1.into();
    json["signature"] = "zz".into();
    cases.push(("signature not hex", json.to_string()));
    for (case, body) in cases {
        let res = app.post_raw(&body, Some(&key)).await;
        expect(&app, res, 400, ErrorCode::MalformedBody, case).await;
    }
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(64 * 1024));
    let res = app.post_raw(&huge, Some(&key)).await;
    expect(&app, res, 413, ErrorCode::PayloadTooLarge, "huge body").await;
    assert_eq!(app.ledger_snapshot().await, snapshot);
}

/// A certificate the server really signed, with chosen fields: for expired grants.
fn certificate(
    app: &TestApp,
    device: &Device,
    not_after: UnixMillis,
    limit: i64,
) -> Signed<DeviceCertificate> {
    let limits = vec![OfflineLimit {
        currency: Currency::EUR,
        max_per_intent_minor: limit,
        max_outstanding_minor: limit,
    }];
    let cert = DeviceCertificate {
        limits,
        not_after,
        not_before: UnixMillis(now().0 - 120_000),
        ..device.certificate.body.clone()
    };
    Signed::sign(cert, &app.server_key)
}

#[tokio::test]
async fn refused_intents_get_their_code_and_change_nothing() {
    let app = spawn_app().await;
    let device = app.device().await;
    let quote = app.quote(201).await;
    let price = quote.body.price;
    let stranger = SecretKey::from_bytes([77; 32]);
    let snapshot = app.ledger_snapshot().await;
    let sign = |i| device.sign(i);
    let card = vitrine_server::domain::settlement::SandboxCard::APPROVE;

    let mut cases = Vec::new();

    let mut i = device.intent(&quote, 0, card);
    i.quantity = 0;
    cases.push(("zero quantity", sign(i), ErrorCode::InvalidQuantity));
    cases.push((
        "huge quantity",
        sign(device.intent(&quote, 1000, card)),
        ErrorCode::InvalidQuantity,
    ));

    let unknown =
        Signed::sign(Quote { item: item_id(999_999), ..quote.body.clone() }, &app.server_key);
    cases.push(("unknown item", sign(device.intent(&unknown, 1, card)), ErrorCode::UnknownItem));

    let mut tampered = sign(device.intent(&quote, 1, card));
    tampered.body.buyer.email = Some("mallory@example.org".into());
    cases.push(("edited after signing", tampered, ErrorCode::BadSignature));
    cases.push((
        "signed by another key",
        Signed::sign(device.intent(&quote, 1, card), &stranger),
        ErrorCode::BadSignature,
    ));

    let forged = Signed::sign(
        Quote { price: Money { amount_minor: 1, ..price }, ..quote.body.clone() },
        &stranger,
    );
    cases.push(("forged quote", sign(device.intent(&forged, 1, card)), ErrorCode::ForgedQuote));
    let mut cheap = quote.clone();
    cheap.body.price.amount_minor = 1;
    cases.push((
        "quote price edited",
        sign(device.intent(&cheap, 1, card)),
        ErrorCode::ForgedQuote,
    ));
    let mut other_item = device.intent(&quote, 1, card);
    other_item.item = item_id(202);
    cases.push(("quote for another item", sign(other_item), ErrorCode::ForgedQuote));

    let expired = Signed::sign(
        Quote { valid_until: UnixMillis(now().0 - 1000), ..quote.body.clone() },
        &app.server_key,
    );
    cases.push(("expired quote", sign(device.intent(&expired, 1, card)), ErrorCode::QuoteExpired));
    let unissued = Signed::sign(
        Quote { issued_at: UnixMillis(now().0 + 3_600_000), ..quote.body.clone() },
        &app.server_key,
    );
    cases.push((
        "quote issued after the tap",
        sign(device.intent(&unissued, 1, card)),
        ErrorCode::QuoteNotYetValid,
    ));

    let mut old_cert = device.intent(&quote, 1, card);
    old_cert.certificate = certificate(&app, &device, UnixMillis(now().0 - 60_000), 1_000_000);
    cases.push(("expired certificate", sign(old_cert), ErrorCode::CertificateExpired));

    let mut self_signed = device.intent(&quote, 1, card);
    self_signed.certificate = Signed::sign(device.certificate.body.clone(), &device.key);
    cases.push(("certificate not ours", sign(self_signed), ErrorCode::CertificateInvalid));

    let mut over = device.intent(&quote, 3, card);
    over.certificate =
        certificate(&app, &device, UnixMillis(now().0 + 60_000), price.amount_minor * 2);
    cases.push(("over the per-intent limit", sign(over), ErrorCode::OverLimit));

    let mut rail = device.intent(&quote, 1, card);
    rail.payment.rail = "real-card".into();
    cases.push(("unknown rail", sign(rail), ErrorCode::UnknownRail));

    for wallet in ["", "0x123", "vitalik.eth", "0x52908400098527886E0F7030069857D2E4169EEZ"] {
        let mut bad = device.intent(&quote, 1, card);
        bad.buyer.wallet = Some(wallet.into());
        cases.push(("a wallet that is none", sign(bad), ErrorCode::InvalidWallet));
    }

    for (case, intent, code) in cases {
        let res = app.post_intent(&intent).await;
        expect(&app, res, 422, code, case).await;
        assert_eq!(app.ledger_snapshot().await, snapshot, "{case} left the ledger untouched");
    }
}

#[tokio::test]
async fn orders_endpoint_parses_ids_and_404s_unknown_ones() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/orders/not-an-id").await;
    expect(&app, res, 400, ErrorCode::BadRequest, "bad id").await;
    // A v4 UUID is not an intent id: intents are v7, made on the device.
    let res = app.get("/api/v1/orders/6ba7b810-9dad-41d1-80b4-00c04fd430c8").await;
    expect(&app, res, 400, ErrorCode::BadRequest, "v4 id").await;
    let res = app.get("/api/v1/orders/01890a5d-ac96-774b-bcce-b302099a8057").await;
    expect(&app, res, 404, ErrorCode::NotFound, "unknown").await;
}
