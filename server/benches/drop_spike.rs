//! A drop spike: 2,000 buyers, each on their own device, arrive within one second of a drop's
//! start for 100 editions (one per buyer). Open loop: every buyer's request leaves at its
//! own moment whatever the others' answers. Reports what each buyer was told (held, sold out,
//! refused with a code, told to retry), whether anything was oversold, and latency — side by
//! side, in the same run, with the textbook peer (a bare axum + SQLite handler: one
//! `BEGIN IMMEDIATE` per request, stock checked and taken in it) with its pool swept over 1,
//! 2, 4 and 8 connections. Then the same spike with offline intents replaying at the same
//! moment: signed during the drop (honoured while supply lasts), before its start, or at the
//! list price. Prints Markdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Only the percentile is used here; `Run` is the other benches'.
#[allow(dead_code)]
#[path = "common/run.rs"]
mod common;
#[path = "drop_spike/peer.rs"]
mod peer;
#[path = "drop_spike/shop.rs"]
mod shop;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub const BUYERS: usize = 2_000;
pub const SUPPLY: i64 = 100;
const SPREAD: Duration = Duration::from_secs(1);

/// One buyer's answer: how it is counted, and how long it took.
pub struct Answer {
    pub kind: String,
    pub latency: Duration,
}

pub struct Spike {
    pub answers: Vec<Answer>,
}

impl Spike {
    fn count(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for a in &self.answers {
            *out.entry(a.kind.as_str()).or_insert(0) += 1;
        }
        out
    }

    fn pct(&self, p: f64) -> f64 {
        let latencies: Vec<Duration> = self.answers.iter().map(|a| a.latency).collect();
        common::percentile_ms(&latencies, p)
    }
}

/// When each of `n` buyers arrives: spread evenly over the second, in a shuffled order (a
/// fixed seed: the same run every time).
pub fn arrivals(n: usize) -> Vec<Duration> {
    let step = SPREAD.as_micros() as u64 / n as u64;
    let mut order: Vec<u64> = (0..n as u64).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..order.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    order.into_iter().map(|k| Duration::from_micros(k * step)).collect()
}

/// One buyer's request: URL, headers, body.
pub type Request = (String, Vec<(String, String)>, String);

/// Send `requests` (url, headers, body) each at its arrival moment after `start`, and sort
/// each answer with `classify(status, headers, body)`.
pub async fn spike(
    requests: Vec<Request>,
    start: Instant,
    classify: fn(u16, bool, &str) -> String,
) -> Spike {
    let client = reqwest::Client::builder().pool_max_idle_per_host(BUYERS * 2).build().unwrap();
    let at = arrivals(requests.len());
    let tasks: Vec<_> = requests
        .into_iter()
        .zip(at)
        .map(|((url, headers, body), offset)| {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until((start + offset).into()).await;
                let t = Instant::now();
                let mut req = client.post(url).header("content-type", "application/json");
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                let kind = match req.body(body).send().await {
                    Ok(res) => {
                        let status = res.status().as_u16();
                        let retry = res.headers().contains_key("retry-after");
                        let text = res.text().await.unwrap_or_default();
                        classify(status, retry, &text)
                    }
                    Err(e) => format!("no answer ({e})"),
                };
                Answer { kind, latency: t.elapsed() }
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    Spike { answers }
}

fn row(name: &str, s: &Spike, oversold: i64) -> String {
    let counts = s.count();
    let held = counts.get("held").copied().unwrap_or(0);
    let others: Vec<String> =
        counts.iter().filter(|(k, _)| **k != "held").map(|(k, v)| format!("{v} {k}")).collect();
    format!(
        "| {name} | {} | {held} | {oversold} | {} | {:.1} | {:.1} |",
        s.answers.len(),
        others.join(", "),
        s.pct(0.5),
        s.pct(0.99)
    )
}

#[tokio::main]
async fn main() {
    println!("## Drop spike: {BUYERS} buyers within 1 s of the start, {SUPPLY} editions, one per buyer\n");
    println!("| server | buyers | held | oversold | every other answer | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    let ours = shop::run(false).await;
    println!("{}", row("vitrine POST /api/v1/intents", &ours.0, ours.1));
    let mut best: Option<(u32, f64)> = None;
    for pool in [1, 2, 4, 8] {
        let (spike, oversold) = peer::run(pool).await;
        println!("{}", row(&format!("bare axum + SQLite, pool {pool}"), &spike, oversold));
        let p99 = spike.pct(0.99);
        if best.is_none_or(|(_, b)| p99 < b) {
            best = Some((pool, p99));
        }
    }
    if let Some((pool, p99)) = best {
        println!(
            "\np99 against the best peer (pool {pool}): {:.2}× (goal: p99 ≤ 250 ms)\n",
            ours.0.pct(0.99) / p99
        );
    }
    let mixed = shop::run(true).await;
    println!("## The same spike with 500 offline intents replaying at the same moment\n");
    println!("Of the 500: 300 signed during the drop's first second, 100 signed before its start, 100 at the list price saved earlier.\n");
    println!("| server | requests | held | oversold | every other answer | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    println!("{}", row("vitrine, online + offline", &mixed.0, mixed.1));
    println!();
}
