//! Issue 14: the runbooks' commands run, so the docs cannot rot. Each `docs/runbooks/*.md`
//! has its fenced `sh` blocks run in order by bash (`-euo pipefail`) against a real server on
//! the sandboxes, with the variables its README lists; a runbook without a case here fails.

use std::path::PathBuf;
use std::time::Duration;

use vitrine_protocol::merchant::Scope;
use vitrine_protocol::OrderState;
use vitrine_server::domain::settlement::{SandboxCard, Sandboxes};

use crate::helpers::{spawn_app_with_sandboxes_and, TestApp};
use crate::merchants::merchant;

const RUNBOOKS: [&str; 6] = [
    "dispute.md",
    "chain-reorg.md",
    "stuck-reconciliation.md",
    "key-rotation.md",
    "refund.md",
    "kiosk-replay.md",
];

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/runbooks")
}

/// The runbook's `sh` blocks, in order, as one script.
fn script(name: &str) -> String {
    let text = std::fs::read_to_string(folder().join(name)).unwrap();
    let mut blocks = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("```sh\n") {
        let body = &rest[start + 6..];
        let end = body.find("\n```").unwrap();
        blocks.push(&body[..end]);
        rest = &body[end + 4..];
    }
    assert!(!blocks.is_empty(), "{name} has no commands");
    blocks.join("\n")
}

async fn run(app: &TestApp, name: &str, order: &str) {
    run_with(app, name, order, &[]).await;
}

/// As [`run`], with the runbook's own variables too.
async fn run_with(app: &TestApp, name: &str, order: &str, vars: &[(&str, String)]) {
    let token = merchant(app, "demo", &[Scope::Admin, Scope::Orders, Scope::Claims]).await;
    let vars: Vec<(String, String)> =
        vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    let script = script(name);
    let (base, db) = (app.base.clone(), app.db_url.clone());
    let order = order.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .env("VITRINE", env!("CARGO_BIN_EXE_vitrine"))
            .env("BASE", base)
            .env("DB", db)
            .env("TOKEN", token)
            .env("ORDER", order)
            .envs(vars)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{name} failed\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn shop(seed: u64) -> (Sandboxes, TestApp) {
    let sandboxes = Sandboxes::new(seed);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| {
        c.reconcile_window = Duration::from_millis(200);
    })
    .await;
    (sandboxes, app)
}

async fn paid(app: &TestApp, card: &str) -> String {
    let device = app.device().await;
    let intent = device.sign(device.intent(&app.quote(201).await, 1, card));
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    intent.body.id.to_string()
}

async fn mint_state(app: &TestApp, order: &str) -> Option<String> {
    let states: Vec<String> = sqlx::query_scalar("SELECT state FROM mints WHERE order_id = ?")
        .bind(order)
        .fetch_all(&app.db)
        .await
        .unwrap();
    states.into_iter().next()
}

#[test]
fn every_runbook_is_run_here() {
    let mut found: Vec<String> = std::fs::read_dir(folder())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    found.sort();
    let mut known: Vec<String> = RUNBOOKS.iter().map(|s| (*s).to_owned()).collect();
    known.sort();
    assert_eq!(found, known);
}

#[tokio::test]
async fn the_dispute_runbook_runs() {
    let (_sandboxes, app) = shop(31).await;
    let order = paid(&app, SandboxCard::DISPUTE).await;
    run(&app, "dispute.md", &order).await;
}

#[tokio::test]
async fn the_chain_reorg_runbook_runs() {
    let (sandboxes, app) = shop(32).await;
    sqlx::query("UPDATE collections SET chain = 'sandbox-l1'").execute(&app.db).await.unwrap();
    let order = paid(&app, SandboxCard::APPROVE).await;
    app.wait_until("the mint to be sent", || async {
        mint_state(&app, &order).await.is_some_and(|s| s == "pending")
    })
    .await;
    sandboxes.clock.advance(Duration::from_secs(4));
    app.wait_until("the mint in a block", || async {
        mint_state(&app, &order).await.is_some_and(|s| s == "included")
    })
    .await;
    run(&app, "chain-reorg.md", &order).await;
}

#[tokio::test]
async fn the_stuck_reconciliation_runbook_runs() {
    let (sandboxes, app) = shop(33).await;
    // The rail reports taking a euro more than the sale: an item the runbook refunds.
    sandboxes.card.inject(vitrine_server::domain::settlement::Fault::Amount(100));
    let order = paid(&app, SandboxCard::APPROVE).await;
    let open = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM reconciliation_items WHERE kind = 'amount_differs'
               AND status = 'open'",
        )
        .fetch_all(&app.db)
        .await
        .unwrap()[0]
    };
    app.wait_until("the overcharge's item", || async { open().await == 1 }).await;
    run(&app, "stuck-reconciliation.md", &order).await;
    assert_eq!(open().await, 0, "the runbook refunded the excess");
    let back: Vec<i64> =
        sqlx::query_scalar("SELECT amount FROM transfers WHERE id LIKE ? AND id LIKE '%/out'")
            .bind(format!("{order}/recon/%"))
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(back, [100]);
}

#[tokio::test]
async fn the_refund_runbook_runs() {
    let (_sandboxes, app) = shop(35).await;
    let order = paid(&app, SandboxCard::APPROVE).await;
    run(&app, "refund.md", &order).await;
}

#[tokio::test]
async fn the_key_rotation_runbook_runs() {
    let (_sandboxes, app) = shop(34).await;
    run(&app, "key-rotation.md", "").await;
}

/// A pop-up's kiosk queued claims offline; back online it sends them as one request, one of
/// them for a voucher a phone claimed first. The runbook checks what the kiosk said.
#[tokio::test]
async fn the_kiosk_replay_runbook_runs() {
    use crate::claim_requests::{batch, claim};
    use crate::kiosks::kiosk;
    let (_sandboxes, app) = shop(36).await;
    let handed_out = batch(&app, 5, 0, 3_600_000, 1).await;
    let phone = app.device().await;
    let first = claim(&phone, handed_out.vouchers[3]);
    assert_eq!(crate::claim_requests::post(&app, &first).await.status(), 201);
    // Queued on the kiosk while offline: three visitors told "Claimed ✓", and one voucher the
    // phone had already claimed (the kiosk could not know).
    let tablet = kiosk(&app, "demo").await;
    let queue: Vec<_> =
        [0, 1, 2, 3].iter().map(|&i| claim(&tablet, handed_out.vouchers[i])).collect();
    let res = app.client.post(app.url("/api/v1/claims/batch")).json(&queue).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let id = handed_out.batch.id.to_string();
    app.wait_until("the claims' mints to be queued or sent", || async {
        let paid: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM vouchers v JOIN orders o ON o.id = v.order_id
             WHERE v.batch_id = ? AND o.state = 'paid'",
        )
        .bind(handed_out.batch.id)
        .fetch_all(&app.db)
        .await
        .unwrap()[0];
        paid == 4
    })
    .await;
    run_with(&app, "kiosk-replay.md", "", &[("BATCH", id), ("EXPECTED", "3".into())]).await;
}
