//! Server-rendered pages under load: 64 requests in flight, as browsers ask (`Accept-Encoding:
//! br`), side by side in one run with what the same server sends without rendering: the built
//! shell as a precompressed static file (`ServeDir`, a file read per request on tokio's blocking
//! pool), and the JSON the page would otherwise have fetched. A gallery is rendered once per catalog answer and then kept
//! (`render`); an item page carries a fresh signed quote, so it is rendered and compressed on
//! every request: the cost with no cache. Prints a Markdown table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use vitrine_server::{demo, storage, Application, Config};

const CONCURRENCY: usize = 64;
const REQUESTS: usize = 20_000;
const WARM_UP: usize = 500;

#[path = "common/run.rs"]
mod common;
use common::Run;

/// `n` GETs of `url` with 64 in flight, and the size of an answer; every answer must be a 200.
async fn load(client: &reqwest::Client, url: &str, n: usize) -> (Run, usize) {
    let start = Instant::now();
    let answers: Vec<(Duration, usize)> = futures::stream::iter(0..n)
        .map(|_| {
            let client = client.clone();
            async move {
                let t = Instant::now();
                let res = client.get(url).header("accept-encoding", "br").send().await.unwrap();
                assert_eq!(res.status(), 200, "{url}");
                let size = res.bytes().await.unwrap().len();
                (t.elapsed(), size)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let bytes = answers.first().map_or(0, |a| a.1);
    let latencies = answers.into_iter().map(|a| a.0).collect();
    (Run { elapsed: start.elapsed(), latencies }, bytes)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("vitrine.db").display());
    let storage = storage::connect(&db).await.unwrap();
    storage.insert_catalog(&demo::catalog().unwrap()).await.unwrap();
    // The shell as built (`cargo xtask dist`), with its precompressed copy.
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/dist");
    for name in ["index.html", "index.html.br"] {
        std::fs::copy(built.join(name), dist.join(name))
            .expect("run `cargo xtask dist` first: the bench serves the built shell");
    }
    let config = Config::new(db, "127.0.0.1:0".parse().unwrap(), dist, dir.path().join("media"));
    let app = Application::build(config).await.unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));

    let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().unwrap();
    let rows = [
        ("static shell, precompressed (`ServeDir`)", "/index.html"),
        ("gallery JSON (`/api/v1/collections/tidal-glass`)", "/api/v1/collections/tidal-glass"),
        ("**gallery page, rendered once and kept** (`/c/tidal-glass`)", "/c/tidal-glass"),
        ("item page, rendered every time (`/i/101`, fresh quote)", "/i/101"),
    ];
    println!(
        "\n### Server-rendered pages at concurrency {CONCURRENCY} ({REQUESTS} GETs each after \
         {WARM_UP} warm-up, `Accept-Encoding: br`, release build, load generator in the same \
         process on the same 2 cores)\n"
    );
    println!("| what | bytes sent | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|");
    for (what, path) in rows {
        let url = format!("{base}{path}");
        load(&client, &url, WARM_UP).await;
        let (run, bytes) = load(&client, &url, REQUESTS).await;
        println!(
            "| {what} | {} | {:.0} | {:.2} | {:.2} |",
            bytes,
            run.rate(),
            run.pct(0.50),
            run.pct(0.99)
        );
    }
}
