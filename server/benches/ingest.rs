//! Intent ingest throughput and latency at concurrency 64, side by side in one run with a bare
//! axum + SQLite handler that only does insert-or-get by primary key in one transaction per
//! request, at the same durability (WAL, synchronous = FULL: a 201 is on disk). The peer is
//! tuned to its best: its pool is swept over 1, 2, 4 and 8 connections and we compare against
//! the best. Then an overload run: 4× the measured capacity, open loop, for 30 s. Prints
//! Markdown tables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use futures::StreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Buyer, Currency, DeviceCertificate, DeviceRegistration, Format, Intent, IntentId, Item,
    OfflineLimit, Payment,
};
use vitrine_server::domain::rate_limit::RateLimit;
use vitrine_server::domain::{clock, keys::Policy, settlement::SandboxCard};
use vitrine_server::{demo, storage, Application, Config, IDEMPOTENCY_KEY};

const CONCURRENCY: usize = 64;
const ITEM: i64 = 201;

#[path = "common/run.rs"]
mod common;
use common::Run;

/// Send every (key, body) with `concurrency` in flight; every answer must be 201.
async fn load(url: &str, requests: &[(String, String)], concurrency: usize) -> Run {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let start = Instant::now();
    let latencies: Vec<Duration> = futures::stream::iter(requests)
        .map(|(key, body)| {
            let client = client.clone();
            async move {
                let t = Instant::now();
                let res = post_intent(&client, url, key, body).await.unwrap();
                assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());
                res.bytes().await.unwrap();
                t.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    Run { elapsed: start.elapsed(), latencies }
}

/// One intent POST, as a device sends it.
async fn post_intent(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &str,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(url)
        .header("content-type", "application/json")
        .header(IDEMPOTENCY_KEY, key)
        .body(body.to_owned())
        .send()
        .await
}

async fn vitrine(n: usize) -> (String, Vec<(String, String)>, tempfile::TempDir) {
    let (base, requests, dir) = vitrine_app(n).await;
    (format!("{base}/api/v1/intents"), requests, dir)
}

async fn vitrine_app(n: usize) -> (String, Vec<(String, String)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("vitrine.db").display());
    let storage = storage::connect(&db).await.unwrap();
    storage.insert_catalog(&demo::catalog().unwrap()).await.unwrap();
    let pool = SqlitePool::connect(&db).await.unwrap();
    sqlx::query("UPDATE items SET edition_size = ?1, stock = ?1 WHERE id = ?2")
        .bind((n * 3) as i64)
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
    // One device sends every intent: give it room, so each intent takes stock (the
    // outstanding limit would otherwise turn most into conflicts, a cheaper path).
    config.policy = Policy {
        limits: vec![OfflineLimit {
            currency: Currency::EUR,
            max_per_intent_minor: 1_000_000,
            max_outstanding_minor: i64::MAX / 2,
        }],
        ..Policy::default()
    };
    // Every intent comes from this one address; the per-client limit is for the open
    // internet, not for a load generator.
    config.intent_limit = RateLimit { per_minute: NonZeroU32::MAX, burst: NonZeroU32::MAX };
    let app = Application::build(config).await.unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));

    // One device, registered like the app does; intents signed before the clock starts.
    let client = reqwest::Client::new();
    let key = SecretKey::from_bytes([5; 32]);
    let reg = Signed::sign(DeviceRegistration::new(key.public(), clock::now()), &key);
    let cert: Signed<DeviceCertificate> = client
        .post(format!("{base}/api/v1/devices"))
        .json(&reg)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item: Item = client
        .get(format!("{base}/api/v1/items/{ITEM}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let quote = item.quote.unwrap();
    let requests = (0..n)
        .map(|_| {
            let intent = Intent {
                format: Format::CURRENT,
                id: IntentId::from_uuid(uuid::Uuid::now_v7()).unwrap(),
                item: quote.body.item,
                quantity: 1,
                quote: quote.clone(),
                certificate: cert.clone(),
                device_time: clock::now(),
                payment: Payment {
                    rail: "sandbox-card".into(),
                    token: SandboxCard::APPROVE.into(),
                },
                buyer: Buyer::default(),
            };
            let signed = Signed::sign(intent, &key);
            (signed.body.id.to_string(), serde_json::to_string(&signed).unwrap())
        })
        .collect();
    (base, requests, dir)
}

/// How long after the load the settler needs until no order is held.
async fn settled_after(dir: &std::path::Path) -> Duration {
    let db = SqlitePool::connect(&format!("sqlite://{}", dir.join("vitrine.db").display()))
        .await
        .unwrap();
    let start = Instant::now();
    loop {
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE state != 'paid'")
            .fetch_all(&db)
            .await
            .unwrap()[0];
        if held == 0 {
            return start.elapsed();
        }
        // Polling the settler's progress from outside; not a test.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The bare peer: insert-or-get by primary key, one transaction per request, `pool`
/// connections.
async fn bare(pool_size: u32) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::from_str(&format!(
        "sqlite://{}",
        dir.path().join("bare.db").display()
    ))
    .unwrap()
    .create_if_missing(true)
    .journal_mode(SqliteJournalMode::Wal)
    .synchronous(SqliteSynchronous::Full)
    .busy_timeout(Duration::from_secs(5));
    let pool =
        SqlitePoolOptions::new().max_connections(pool_size).connect_with(options).await.unwrap();
    sqlx::query("CREATE TABLE kv (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    // The textbook handler, as a peer would write it (clippy.toml's rule is ours).
    #[allow(clippy::disallowed_methods)]
    async fn handler(
        State(pool): State<SqlitePool>,
        headers: HeaderMap,
        body: String,
    ) -> (StatusCode, String) {
        let key = headers[IDEMPOTENCY_KEY].to_str().unwrap().to_owned();
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let found: Option<String> = sqlx::query_scalar("SELECT body FROM kv WHERE id = ?")
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await
            .unwrap();
        let answer = match found {
            Some(stored) => stored,
            None => {
                sqlx::query("INSERT INTO kv (id, body) VALUES (?, ?)")
                    .bind(&key)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                body
            }
        };
        tx.commit().await.unwrap();
        (StatusCode::CREATED, answer)
    }
    let app = axum::Router::new().route("/bare", post(handler)).with_state(pool);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/bare", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, dir)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("INGEST_N").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let (url, requests, dir) = vitrine(n).await;
    // Warm (connections, page cache), then measure on the same request bodies.
    load(&url, &requests[..200], CONCURRENCY).await;
    let ours = load(&url, &requests[200..], CONCURRENCY).await;
    let drained = settled_after(dir.path()).await;
    let mut peers = Vec::new();
    for pool in [1, 2, 4, 8] {
        let (bare_url, bare_dir) = bare(pool).await;
        load(&bare_url, &requests[..200], CONCURRENCY).await;
        let run = load(&bare_url, &requests[200..], CONCURRENCY).await;
        peers.push((pool, run));
        drop(bare_dir);
    }

    // One device replaying a long outbox: one request at a time, as a replayer does.
    let (url2, replay, _dir2) = vitrine(1000).await;
    let sequential = load(&url2, &replay, 1).await;

    println!(
        "## Intent ingest at synchronous = FULL, concurrency {CONCURRENCY}, {} requests each\n",
        ours.latencies.len()
    );
    println!("| handler | req/s | p50 ms | p99 ms |\n|---|---|---|---|");
    println!(
        "| vitrine POST /api/v1/intents | {:.0} | {:.2} | {:.2} |",
        ours.rate(),
        ours.pct(0.5),
        ours.pct(0.99)
    );
    for (pool, run) in &peers {
        println!(
            "| bare axum + SQLite insert-or-get, pool {pool} | {:.0} | {:.2} | {:.2} |",
            run.rate(),
            run.pct(0.5),
            run.pct(0.99)
        );
    }
    let (best_pool, best) = peers.iter().max_by(|a, b| a.1.rate().total_cmp(&b.1.rate())).unwrap();
    println!(
        "\nagainst the best peer (pool {best_pool}): throughput {:.2}×, p99 {:.2}× (goal: ≥ 2.0×, ≤ 1.0×)\n",
        ours.rate() / best.rate(),
        ours.pct(0.99) / best.pct(0.99)
    );
    println!(
        "Every order paid {:.2} s after the last answer (the settler runs beside the writer; \
         a fast ingest that left settlement behind would show here)\n",
        drained.as_secs_f64()
    );
    println!(
        "Replay of 1,000 intents from one device, one at a time: {:.2} s (goal ≤ 3 s)\n",
        sequential.elapsed.as_secs_f64()
    );
    overload::run(ours.rate()).await;
}

/// 4× the measured capacity, offered open loop (`ingest/overload.rs`).
#[path = "ingest/overload.rs"]
mod overload;
