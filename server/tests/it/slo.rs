//! Issue 14: `vitrine slo` judges the objectives from what the shop recorded: met after a
//! purchase reconciled in time, missed (non-zero exit) when workers report too many replays
//! the shop asked to retry or an item has waited for a person over a day, and "nothing to
//! judge" rather than met on an empty range.

use std::time::Duration;

use vitrine_protocol::OrderState;
use vitrine_server::domain::settlement::Sandboxes;

use crate::helpers::{now, spawn_app_with_sandboxes_and, TestApp};

async fn slo(app: &TestApp) -> (bool, String) {
    let db = app.db_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(["slo", "--db", &db, "--hours", "1", "--reconcile-window", "1"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn line<'a>(report: &'a str, name: &str) -> &'a str {
    report.lines().find(|l| l.trim_start().starts_with(name)).unwrap_or_else(|| panic!("{report}"))
}

#[tokio::test]
async fn the_objectives_are_met_then_a_day_old_item_misses_one() {
    let sandboxes = Sandboxes::new(51);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| {
        c.reconcile_window = Duration::from_millis(200);
    })
    .await;
    let (ok, report) = slo(&app).await;
    assert!(ok, "{report}");
    assert!(line(&report, "reconciliation p95").ends_with("nothing to judge"), "{report}");

    let device = app.device().await;
    let bought = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&bought).await.status(), 201);
    app.wait_for_state(bought.body.id, OrderState::Paid).await;
    let captured = format!("{}/charge", bought.body.id);
    app.wait_until("the capture to be reconciled", || async {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM attestations WHERE key = ? AND kind = 'captured'",
        )
        .bind(&captured)
        .fetch_all(&app.db)
        .await
        .unwrap()[0];
        n == 1
    })
    .await;
    let (ok, report) = slo(&app).await;
    assert!(ok, "{report}");
    assert!(line(&report, "reconciliation p95").ends_with("met"), "{report}");
    assert!(line(&report, "accepted to paid p95").ends_with("met"), "{report}");
    // Workers report their replays: one the shop asked to try again in a thousand is a miss.
    let post = |answered: u32, retried: u32| {
        let body = serde_json::json!({
            "cache_hits": 0, "cache_misses": 0,
            "replays_answered": answered, "replays_retried": retried,
        });
        app.client.post(app.url("/api/v1/telemetry")).json(&body).send()
    };
    assert_eq!(post(999, 1).await.unwrap().status(), 204);
    let (ok, report) = slo(&app).await;
    assert!(ok, "{report}");
    assert!(line(&report, "replay success").contains("99.90 %"), "{report}");
    assert_eq!(post(0, 1).await.unwrap().status(), 204);
    let (ok, report) = slo(&app).await;
    assert!(!ok, "{report}");
    assert!(line(&report, "replay success").ends_with("MISSED"), "{report}");

    // An item raised two days ago is still open: another miss.
    sqlx::query(
        "INSERT INTO reconciliation_items (kind, rail, key, order_id, detail, suggested, status,
             created_at) VALUES ('unknown', 'sandbox-card', 'x/charge', NULL, 'a stranger',
             '[\"manual_review\"]', 'open', ?)",
    )
    .bind(now().minus(2 * 86_400_000).0)
    .execute(&app.db)
    .await
    .unwrap();
    let (ok, report) = slo(&app).await;
    assert!(!ok, "{report}");
    assert!(line(&report, "items waiting for a person").ends_with("MISSED"), "{report}");
}
