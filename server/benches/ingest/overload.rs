//! 4× the measured capacity, offered open loop: nothing lost or doubled, every refusal says
//! when to come back, and the accepted requests' p99 stays bounded.
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;

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
            let sent = super::post_intent(&client, &url, &key, &body).await;
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
        let run = load_lenient(&url, &again, 64).await;
        again = run;
    }
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        _dir.path().join("vitrine.db").display()
    ))
    .await
    .unwrap();
    let orders: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orders").fetch_all(&pool).await.unwrap()[0];
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
                match super::post_intent(&client, url, key, body).await {
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
    // Honour the server's Retry-After before the next round, as a device does (capped so
    // the bench ends).
    if let Some(wait) = failed.iter().map(|f| f.2).max() {
        tokio::time::sleep(Duration::from_secs(wait.min(5))).await;
    }
    failed.into_iter().map(|(k, b, _)| (k, b)).collect()
}
