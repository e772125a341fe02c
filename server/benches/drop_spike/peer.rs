//! The textbook peer: a bare axum + SQLite handler selling a drop. One `BEGIN IMMEDIATE`
//! transaction per request: the stored answer for a key seen before, else take one edition
//! if any is left and record the order. No signatures, no limits, no allowlist: the peer at
//! its cheapest.

use std::str::FromStr;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::{spike, Spike, BUYERS, SUPPLY};

// The textbook handler, as a peer would write it (clippy.toml's rule is ours).
#[allow(clippy::disallowed_methods)]
async fn handler(
    State(pool): State<SqlitePool>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let key = headers["idempotency-key"].to_str().unwrap().to_owned();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
    let found: Option<String> = sqlx::query_scalar("SELECT answer FROM orders WHERE id = ?")
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
    let answer = match found {
        Some(answer) => answer,
        None => {
            let taken =
                sqlx::query("UPDATE stock SET remaining = remaining - 1 WHERE remaining >= 1")
                    .execute(&mut *tx)
                    .await
                    .unwrap()
                    .rows_affected();
            let state = if taken == 1 { "held" } else { "conflict" };
            let answer = format!("{{\"state\":\"{state}\"}}");
            sqlx::query("INSERT INTO orders (id, body, state, answer) VALUES (?, ?, ?, ?)")
                .bind(&key)
                .bind(&body)
                .bind(state)
                .bind(&answer)
                .execute(&mut *tx)
                .await
                .unwrap();
            answer
        }
    };
    tx.commit().await.unwrap();
    (StatusCode::CREATED, answer)
}

fn classify(status: u16, _retry: bool, body: &str) -> String {
    match (status, body.contains("\"held\"")) {
        (201, true) => "held".into(),
        (201, false) => "sold out (conflict)".into(),
        (s, _) => format!("status {s}"),
    }
}

/// The spike against the peer with `pool_size` connections; (answers, editions oversold).
pub async fn run(pool_size: u32) -> (Spike, i64) {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::from_str(&format!(
        "sqlite://{}",
        dir.path().join("peer.db").display()
    ))
    .unwrap()
    .create_if_missing(true)
    .journal_mode(SqliteJournalMode::Wal)
    .synchronous(SqliteSynchronous::Full)
    .busy_timeout(Duration::from_secs(30));
    let pool =
        SqlitePoolOptions::new().max_connections(pool_size).connect_with(options).await.unwrap();
    for sql in [
        "CREATE TABLE stock (remaining INTEGER NOT NULL)",
        "CREATE TABLE orders (id TEXT PRIMARY KEY, body TEXT NOT NULL, state TEXT NOT NULL, answer TEXT NOT NULL)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    sqlx::query("INSERT INTO stock (remaining) VALUES (?)")
        .bind(SUPPLY)
        .execute(&pool)
        .await
        .unwrap();
    let app = axum::Router::new().route("/intents", post(handler)).with_state(pool.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/intents", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Bodies of an intent's size (~1.3 KB), each with its own key.
    let requests = (0..BUYERS)
        .map(|i| {
            let key = uuid::Uuid::now_v7().to_string();
            let body = format!("{{\"buyer\":{i},\"pad\":\"{}\"}}", "x".repeat(1_300));
            (url.clone(), vec![("idempotency-key".to_owned(), key)], body)
        })
        .collect();
    let start = Instant::now() + Duration::from_millis(200);
    let spike = spike(requests, start, classify).await;
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE state = 'held'")
        .fetch_all(&pool)
        .await
        .unwrap()[0];
    (spike, (held - SUPPLY).max(0))
}
