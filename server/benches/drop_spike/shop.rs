//! Vitrine under the spike: the real server (release build), a drop of 100 editions approved
//! through the merchant API, 2,000 devices registered through the API, each buyer's intent
//! signed for the moment it arrives. The per-client limits are lifted: every buyer here
//! shares the load generator's one address.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::SqlitePool;
use vitrine_protocol::merchant::{MerchantDrop, Scope};
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Buyer, DeviceCertificate, DeviceRegistration, Format, Intent, IntentId, Item, Payment, Quote,
    UnixMillis,
};
use vitrine_server::domain::merchants::new_token;
use vitrine_server::domain::rate_limit::RateLimit;
use vitrine_server::domain::{clock, settlement::SandboxCard};
use vitrine_server::storage::merchants::Created;
use vitrine_server::{demo, storage, Application, Config, IDEMPOTENCY_KEY};

use crate::{arrivals, spike, Spike, BUYERS, SUPPLY};

const ITEM: i64 = 201;
const OFFLINE: usize = 500;

fn classify(status: u16, retry: bool, body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match (status, v["state"].as_str(), v["code"].as_str()) {
        (201, Some("held"), _) => "held".into(),
        (201, Some("conflict"), _) => "sold out (conflict)".into(),
        (429 | 503 | 425, _, Some(code)) if retry => format!("{code} + Retry-After"),
        (_, _, Some(code)) => code.to_owned(),
        (s, _, _) => format!("status {s}"),
    }
}

struct Shopper {
    key: SecretKey,
    cert: Signed<DeviceCertificate>,
}

async fn register(client: &reqwest::Client, base: &str, n: usize) -> Vec<Shopper> {
    use futures::StreamExt;
    futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            let base = base.to_owned();
            async move {
                let mut secret = [0u8; 32];
                secret[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
                let key = SecretKey::from_bytes(secret);
                let reg = Signed::sign(DeviceRegistration::new(key.public(), clock::now()), &key);
                let res =
                    client.post(format!("{base}/api/v1/devices")).json(&reg).send().await.unwrap();
                Shopper { key, cert: res.json().await.unwrap() }
            }
        })
        .buffer_unordered(32)
        .collect()
        .await
}

fn intent(b: &Shopper, quote: &Signed<Quote>, at: UnixMillis, email: String) -> Signed<Intent> {
    let intent = Intent {
        format: Format::CURRENT,
        id: IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap(),
        item: quote.body.item,
        quantity: 1,
        quote: quote.clone(),
        certificate: b.cert.clone(),
        device_time: at,
        payment: Payment { rail: "sandbox-card".into(), token: SandboxCard::APPROVE.into() },
        buyer: Buyer { wallet: None, email: Some(email) },
    };
    Signed::sign(intent, &b.key)
}

/// The spike (with 500 offline replays when `offline_mix`); (answers, editions oversold).
pub async fn run(offline_mix: bool) -> (Spike, i64) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("vitrine.db").display());
    let storage = storage::connect(&db).await.unwrap();
    storage.insert_catalog(&demo::catalog().unwrap()).await.unwrap();
    let (token, hash) = new_token().unwrap();
    if let Created::Taken =
        storage.create_merchant("demo", hash, &[Scope::Drops], clock::now()).await.unwrap()
    {
        storage.add_token("demo", hash, &[Scope::Drops], clock::now()).await.unwrap().unwrap();
    }
    let pool = SqlitePool::connect(&db).await.unwrap();
    sqlx::query("UPDATE items SET edition_size = 1000, stock = 1000 WHERE id = ?")
        .bind(ITEM)
        .execute(&pool)
        .await
        .unwrap();
    let mut config = Config::new(
        db,
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("dist"),
        dir.path().join("media"),
    );
    let open = RateLimit { per_minute: NonZeroU32::MAX, burst: NonZeroU32::MAX };
    config.registration_limit = open;
    config.intent_limit = open;
    let app = Application::build(config).await.unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));

    let client = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let list_item: Item = client
        .get(format!("{base}/api/v1/items/{ITEM}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list_quote = list_item.quote.unwrap();
    let buyers = register(&client, &base, BUYERS + if offline_mix { OFFLINE } else { 0 }).await;

    let rules = json!({
        "min_lead_minutes": 0, "max_live_at_once": 2, "max_drops_per_day": 5, "quiet_hours": null,
        "utc_offset_minutes": 0, "maintenance": [], "max_duration_hours": 48,
    });
    let res = client
        .put(format!("{base}/api/v1/merchant/schedule-rules"))
        .header("authorization", &auth)
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let start = clock::now().plus(3_000);
    let body = json!({
        "title": "Spike", "starts_at": start, "ends_at": start.plus(3_600_000), "per_buyer_limit": 1,
        "items": [{ "item": ITEM, "supply": SUPPLY, "price": { "amount_minor": 1500, "currency": "EUR" } }],
    });
    let drop: MerchantDrop = client
        .post(format!("{base}/api/v1/merchant/drops"))
        .header("authorization", &auth)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = client
        .post(format!("{base}/api/v1/merchant/drops/{}/approve", drop.id))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let item: Item = client
        .get(format!("{base}/api/v1/items/{ITEM}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let quote = item.quote.unwrap();

    // Online buyers sign at their arrival; offline ones signed earlier and replay now.
    let n = buyers.len();
    let at = arrivals(n);
    let url = format!("{base}/api/v1/intents");
    let requests = buyers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let arrival = start.plus(at[i].as_millis() as i64);
            let email = format!("buyer{i}@example.com");
            let signed = match i.checked_sub(BUYERS) {
                None => intent(b, &quote, arrival, email),
                Some(k) if k < 300 => intent(b, &quote, start.plus((k as i64 * 3) % 1000), email),
                Some(k) if k < 400 => intent(b, &quote, start.minus(60_000), email),
                Some(_) => intent(b, &list_quote, arrival, email),
            };
            let headers = vec![(IDEMPOTENCY_KEY.to_owned(), signed.body.id.to_string())];
            (url.clone(), headers, serde_json::to_string(&signed).unwrap())
        })
        .collect();
    let wait = Duration::from_millis(u64::try_from(start.0 - clock::now().0).unwrap_or(0));
    let spike = spike(requests, Instant::now() + wait, classify).await;
    let held: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(quantity), 0) FROM orders WHERE drop_id = ? AND state IN ('held', 'paid')",
    )
    .bind(drop.id)
    .fetch_all(&pool)
    .await
    .unwrap()[0];
    (spike, (held - SUPPLY).max(0))
}
