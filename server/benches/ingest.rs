//! Intent ingest throughput and latency at concurrency 64, side by side in one run with a bare
//! axum + SQLite handler that only does insert-or-get by primary key in one transaction per
//! request, at the same durability (WAL, synchronous = FULL: a 201 is on disk). The peer is
//! tuned to its best: its pool is swept over 1, 2, 4 and 8 connections and we compare against
//! the best. Then an overload run: 4× the measured capacity, open loop, for 30 s. Prints
//! Markdown tables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
use vitrine_server::domain::{clock, keys::Policy, settlement::SandboxCard};
use vitrine_server::{demo, storage, Application, Config, IDEMPOTENCY_KEY};

const CONCURRENCY: usize = 64;
const ITEM: i64 = 201;

struct Run {
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn pct(&self, p: f64) -> f64 {
        let mut l = self.latencies.clone();
        l.sort();
        let i = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len()) - 1;
        l[i].as_secs_f64() * 1000.0
    }
}

/// Send every (key, body) with `concurrency` in flight; every answer must be 201.
async fn load(url: &str, requests: &[(String, String)], concurrency: usize) -> Run {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let start = Instant::now();
    let latencies: Vec<Duration> = futures::stream::iter(requests)
        .map(|(key, body)| {
            let client = client.clone();
            async move {
                let t = Instant::now();
                let res = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header(IDEMPOTENCY_KEY, key)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
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
    let (url, requests, _dir) = vitrine(n).await;
    // Warm (connections, page cache), then measure on the same request bodies.
    load(&url, &requests[..200], CONCURRENCY).await;
    let ours = load(&url, &requests[200..], CONCURRENCY).await;
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
        "Replay of 1,000 intents from one device, one at a time: {:.2} s (goal ≤ 3 s)\n",
        sequential.elapsed.as_secs_f64()
    );
    overload::run(ours.rate()).await;
}

/// 4× the measured capacity, offered open loop: nothing lost or doubled, every refusal says
/// when to come back, and the accepted requests' p99 stays bounded.
mod overload {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::IDEMPOTENCY_KEY;

    /// Most requests the client keeps in flight (its sockets); beyond, a send is skipped
    /// and counted, so the offered rate reported is the real one.
    const CLIENT_IN_FLIGHT: usize = 4096;

    #[derive(Default)]
    struct Tally {
        accepted: Vec<Duration>,
        refused: Vec<(String, String)>,
        by_status: std::collections::BTreeMap<u16, usize>,
        without_retry_after: usize,
        transport_errors: Vec<(String, String)>,
    }

    pub async fn run(capacity: f64) {
        let secs: u64 =
            std::env::var("INGEST_OVERLOAD_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
        if secs == 0 {
            return;
        }
        let rate = (capacity * 4.0).max(1.0);
        let total = (rate * secs as f64) as usize;
        let (base, requests, _dir) = super::vitrine_app(total).await;
        let url = format!("{base}/api/v1/intents");
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(CLIENT_IN_FLIGHT)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let tally = Arc::new(Mutex::new(Tally::default()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let mut skipped = Vec::new();
        let start = Instant::now();
        let mut handles = Vec::with_capacity(total);
        for (i, (key, body)) in requests.iter().enumerate() {
            // Open loop: request i leaves at i / rate seconds, whatever came back.
            let due = Duration::from_secs_f64(i as f64 / rate);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                tokio::time::sleep(wait).await;
            }
            if in_flight.load(Ordering::Relaxed) >= CLIENT_IN_FLIGHT {
                skipped.push((key.clone(), body.clone()));
                continue;
            }
            in_flight.fetch_add(1, Ordering::Relaxed);
            let (client, url, tally, in_flight) =
                (client.clone(), url.clone(), tally.clone(), in_flight.clone());
            let (key, body) = (key.clone(), body.clone());
            handles.push(tokio::spawn(async move {
                let t = Instant::now();
                let sent = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header(IDEMPOTENCY_KEY, &key)
                    .body(body.clone())
                    .send()
                    .await;
                let mut tally = tally.lock().unwrap();
                match sent {
                    Ok(res) => {
                        let status = res.status().as_u16();
                        *tally.by_status.entry(status).or_default() += 1;
                        if status == 201 {
                            tally.accepted.push(t.elapsed());
                        } else {
                            if !res.headers().contains_key("retry-after") {
                                tally.without_retry_after += 1;
                            }
                            tally.refused.push((key, body));
                        }
                    }
                    Err(_) => tally.transport_errors.push((key, body)),
                }
                in_flight.fetch_sub(1, Ordering::Relaxed);
            }));
        }
        let offered_for = start.elapsed();
        for h in handles {
            let _ = h.await;
        }
        let mut tally = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();
        let sent = requests.len() - skipped.len();
        tally.accepted.sort();
        let pct = |p: f64| {
            let l = &tally.accepted;
            let i = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len().max(1)) - 1;
            l.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let (p50, p99) = (pct(0.5), pct(0.99));

        // Afterwards, every refused, failed or skipped intent is sent again until accepted,
        // as a device would: then the database must hold each intent exactly once.
        let mut again: Vec<(String, String)> = tally.refused.clone();
        again.extend(tally.transport_errors.iter().cloned());
        again.extend(skipped.iter().cloned());
        let retried = again.len();
        while !again.is_empty() {
            let run = super::load_lenient(&url, &again, 64).await;
            again = run;
        }
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            _dir.path().join("vitrine.db").display()
        ))
        .await
        .unwrap();
        let orders: i64 =
            sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
        let ids: HashSet<&str> = requests.iter().map(|(k, _)| k.as_str()).collect();

        println!("## Overload: 4× capacity ({rate:.0} req/s offered) for {secs} s, open loop\n");
        println!("| measure | value |\n|---|---|");
        println!("| intents offered | {} |", requests.len());
        println!(
            "| sent (client at most {CLIENT_IN_FLIGHT} in flight) | {sent} in {:.1} s |",
            offered_for.as_secs_f64()
        );
        for (status, count) in &tally.by_status {
            println!("| answered {status} | {count} |");
        }
        println!("| transport errors | {} |", tally.transport_errors.len());
        println!("| refusals without Retry-After | {} |", tally.without_retry_after);
        println!("| accepted p50 / p99 ms | {p50:.1} / {p99:.1} |");
        println!("| re-sent afterwards until accepted | {retried} |");
        println!(
            "| orders in the database / distinct intents | {orders} / {} ({}) |\n",
            ids.len(),
            if orders as usize == ids.len() { "nothing lost, nothing doubled" } else { "MISMATCH" }
        );
    }
}

/// Send each (key, body) with `concurrency` in flight; returns those not answered 201 (after
/// honouring `Retry-After` once per round).
async fn load_lenient(
    url: &str,
    requests: &[(String, String)],
    concurrency: usize,
) -> Vec<(String, String)> {
    let client = reqwest::Client::new();
    let failed: Vec<Option<(String, String, u64)>> = futures::stream::iter(requests)
        .map(|(key, body)| {
            let client = client.clone();
            async move {
                let res = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header(IDEMPOTENCY_KEY, key)
                    .body(body.clone())
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 201 => None,
                    Ok(r) => {
                        let wait = r
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok()?.parse().ok())
                            .unwrap_or(1);
                        Some((key.clone(), body.clone(), wait))
                    }
                    Err(_) => Some((key.clone(), body.clone(), 1)),
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let failed: Vec<_> = failed.into_iter().flatten().collect();
    if let Some(wait) = failed.iter().map(|f| f.2).max() {
        tokio::time::sleep(Duration::from_secs(wait.min(5))).await;
    }
    failed.into_iter().map(|(k, b, _)| (k, b)).collect()
}
