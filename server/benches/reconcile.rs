//! Reconciliation of 10,000 orders across the three sandbox rails (card payments; mints on
//! `sandbox-l1` and `sandbox-l2`) with 1 % injected mismatches: duplicate, wrong-amount and
//! missing card reports, reports the ledger does not know, and mints dropped by an L1 reorg or
//! a reverted L2 batch. The real server (release build) reconciles in 5 s windows. Reports:
//! the latency from each report (its time on the rail) to its reconciled entry, p50/p95/max;
//! and every injected mismatch against the items raised (each surfaced, none invented).
//! Prints Markdown. No peer: the issue sets an absolute goal (p95 ≤ window + 1 s).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use futures::StreamExt;
use sqlx::SqlitePool;
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Buyer, DeviceCertificate, DeviceRegistration, Format, Intent, IntentId, Item, Money, Payment,
};
use vitrine_server::domain::clock;
use vitrine_server::domain::rate_limit::RateLimit;
use vitrine_server::domain::settlement::{Fault, SandboxCard, Sandboxes};
use vitrine_server::{demo, storage, Application, Config, IDEMPOTENCY_KEY};

const ORDERS: usize = 10_000;
const DEVICES: usize = 250;
const WINDOW: Duration = Duration::from_secs(5);
/// One in a hundred card captures gets a fault, in turn: duplicate, amount, missing.
const FAULT_EVERY: usize = 100;
const STRANGERS: usize = 20;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("vitrine.db").display());
    let store = storage::connect(&db).await.unwrap();
    store.insert_catalog(&demo::catalog().unwrap()).await.unwrap();
    let pool = SqlitePool::connect(&db).await.unwrap();
    sqlx::query("UPDATE items SET edition_size = 1000000, stock = 1000000")
        .execute(&pool)
        .await
        .unwrap();
    // Half the collections mint on the L1, half on the rollup.
    sqlx::query("UPDATE collections SET chain = CASE WHEN id % 2 = 0 THEN 'sandbox-l1' ELSE 'sandbox-l2' END")
        .execute(&pool)
        .await
        .unwrap();
    let items: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM items ORDER BY id").fetch_all(&pool).await.unwrap();
    let mut config = Config::new(
        db,
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("dist"),
        dir.path().join("media"),
    );
    let open = RateLimit { per_minute: NonZeroU32::MAX, burst: NonZeroU32::MAX };
    config.registration_limit = open;
    config.intent_limit = open;
    config.reconcile_window = WINDOW;
    let sandboxes = Sandboxes::new(14);
    let app = Application::build_with_sandboxes(config, sandboxes.rails(), Some(sandboxes.clone()))
        .await
        .unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();

    let devices: Vec<(SecretKey, Signed<DeviceCertificate>)> = futures::stream::iter(0..DEVICES)
        .map(|i| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                let mut secret = [7u8; 32];
                secret[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
                let key = SecretKey::from_bytes(secret);
                let reg = Signed::sign(DeviceRegistration::new(key.public(), clock::now()), &key);
                let res =
                    client.post(format!("{base}/api/v1/devices")).json(&reg).send().await.unwrap();
                (key, res.json().await.unwrap())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut quotes = BTreeMap::new();
    for id in &items {
        let item: Item = client
            .get(format!("{base}/api/v1/items/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // Within a device's per-intent limit, in one currency.
        if let Some(quote) = item.quote.filter(|q| {
            q.body.price.currency == vitrine_protocol::Currency::EUR
                && q.body.price.amount_minor <= 15_000
        }) {
            quotes.insert(*id, quote);
        }
    }
    let quotes: Vec<_> = quotes.into_values().collect();

    // Faults ride on the card's next captures; spread them through the run.
    let mut injected: BTreeMap<&str, usize> = BTreeMap::new();
    let started = Instant::now();
    let sent: Vec<u16> = futures::stream::iter(0..ORDERS)
        .map(|n| {
            let (client, base) = (client.clone(), base.clone());
            let (key, cert) = &devices[n % DEVICES];
            let quote = &quotes[n % quotes.len()];
            let intent = Intent {
                format: Format::CURRENT,
                id: IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap(),
                item: quote.body.item,
                quantity: 1,
                quote: quote.clone(),
                certificate: cert.clone(),
                device_time: clock::now(),
                payment: Payment {
                    rail: SandboxCard::NAME.into(),
                    token: SandboxCard::APPROVE.into(),
                },
                buyer: Buyer { wallet: None, email: None },
            };
            let signed = Signed::sign(intent, key);
            if n % FAULT_EVERY == FAULT_EVERY / 2 {
                let fault = match (n / FAULT_EVERY) % 3 {
                    0 => Fault::Duplicate,
                    1 => Fault::Amount(100),
                    _ => Fault::Missing,
                };
                sandboxes.card.inject(fault);
                *injected
                    .entry(match fault {
                        Fault::Duplicate => "duplicate",
                        Fault::Amount(_) => "amount_differs",
                        Fault::Missing => "missing",
                    })
                    .or_default() += 1;
            }
            async move {
                let res = client
                    .post(format!("{base}/api/v1/intents"))
                    .header(IDEMPOTENCY_KEY, signed.body.id.to_string())
                    .json(&signed)
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let took = started.elapsed();
    assert!(sent.iter().all(|s| *s == 201), "every order accepted");
    for i in 0..STRANGERS {
        let stranger = format!("{}/charge", IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap());
        let amount =
            Money { amount_minor: 1_000 + i as i64, currency: vitrine_protocol::Currency::EUR };
        sandboxes.card.report_stranger(&stranger, amount, clock::now());
    }
    *injected.entry("unknown").or_default() += STRANGERS;

    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_all(&pool).await.unwrap()[0] }
    };
    // Every order paid and its mint in a block, then drop some mints on each chain.
    wait(|| async {
        count("SELECT count(*) FROM orders WHERE state = 'paid'").await == ORDERS as i64
    })
    .await;
    wait(|| async {
        count("SELECT count(*) FROM mints WHERE state = 'included'").await
            >= (ORDERS as i64) * 9 / 10
    })
    .await;
    let mut dropped = sandboxes.l1.inject_reorg(2, clock::now()).unwrap() as usize;
    // A revert needs a batch posted and not final yet; the rollup posts every 10 s of sandbox
    // time. The bench keeps sandbox time on the server's (moving it would change the latency
    // it measures), so it waits one batch interval and a second for the next post.
    tokio::time::sleep(Duration::from_secs(11)).await;
    dropped += sandboxes.l2.inject_revert(clock::now()).unwrap() as usize;
    *injected.entry("reorged").or_default() += dropped;

    // Let every report of the card and the chains so far be reconciled: two windows after the
    // last mint drop and missing-capture grace.
    let expected_items: i64 = injected.values().sum::<usize>() as i64;
    wait(|| async { count("SELECT count(*) FROM reconciliation_items").await >= expected_items })
        .await;
    // The items are in; the reports after them (settlement lines, finality) are still being
    // read. Three windows let every report made so far be stored before latency is read: its
    // figure is over everything reported, not only what happened to be read first.
    tokio::time::sleep(WINDOW * 3).await;

    let mut latency: Vec<i64> = sqlx::query_scalar("SELECT reconciled_at - at FROM attestations")
        .fetch_all(&pool)
        .await
        .unwrap();
    latency.sort_unstable();
    let pct =
        |p: f64| latency[((latency.len() as f64 * p).ceil() as usize).clamp(1, latency.len()) - 1];
    let by_rail: Vec<(String, i64)> =
        sqlx::query_as("SELECT rail, count(*) FROM attestations GROUP BY rail ORDER BY rail")
            .fetch_all(&pool)
            .await
            .unwrap();
    let raised: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, count(*) FROM reconciliation_items GROUP BY kind ORDER BY kind",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let raised: BTreeMap<String, i64> = raised.into_iter().collect();

    println!(
        "### Reconciliation: {ORDERS} orders, 1 % injected mismatches, {}-s windows\n",
        WINDOW.as_secs()
    );
    println!(
        "Orders sent in {:.1} s (all 201). Reports read per rail: {}.\n",
        took.as_secs_f64(),
        by_rail.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join(", ")
    );
    println!("| report → reconciled entry | p50 | p95 | max | goal (p95) |\n|---|---|---|---|---|");
    println!(
        "| all rails, {} reports | {:.2} s | {:.2} s | {:.2} s | ≤ {} s (window + 1 s) |\n",
        latency.len(),
        pct(0.50) as f64 / 1000.0,
        pct(0.95) as f64 / 1000.0,
        pct(1.0) as f64 / 1000.0,
        WINDOW.as_secs() + 1
    );
    println!("| mismatch | injected | surfaced |\n|---|---|---|");
    let mut kinds: Vec<&str> = injected.keys().copied().collect();
    for kind in raised.keys() {
        if !kinds.contains(&kind.as_str()) {
            kinds.push(kind);
        }
    }
    for kind in kinds {
        println!(
            "| {kind} | {} | {} |",
            injected.get(kind).copied().unwrap_or(0),
            raised.get(kind).copied().unwrap_or(0)
        );
    }
}

/// Poll `condition` every 100 ms (bounded at 10 minutes).
async fn wait<F, Fut>(condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..6_000 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the run never settled");
}
