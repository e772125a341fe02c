//! Issue 14: a paid work is minted on its collection's chain, to the buyer's wallet or the
//! shop's custody wallet; a reorg or a reverted batch that drops the mint re-mints it exactly
//! once; and the schema refuses a second live mint, edits of history and attempts out of turn.

use std::time::Duration;

use vitrine_protocol::settlement::{MintStage, PaymentStatus};
use vitrine_protocol::OrderState;
use vitrine_server::domain::minter::CUSTODY_WALLET;
use vitrine_server::domain::settlement::{SandboxCard, Sandboxes};

use crate::helpers::{now, spawn_app_with_rails, TestApp};

const WALLET: &str = "0x52908400098527886e0f7030069857d2e4169ee7";

/// An order's mint attempts: (n, state, wallet, tx, token id).
type Attempt = (i64, String, String, Option<String>, Option<i64>);

async fn attempts(app: &TestApp, order: &str) -> Vec<Attempt> {
    sqlx::query_as("SELECT n, state, wallet, tx, token_id FROM mints WHERE order_id = ? ORDER BY n")
        .bind(order)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

async fn state_of(app: &TestApp, order: &str, n: usize) -> Option<String> {
    attempts(app, order).await.get(n).map(|a| a.1.clone())
}

async fn paid(app: &TestApp, wallet: Option<&str>) -> String {
    let device = app.device().await;
    let mut intent = device.intent(&app.quote(201).await, 1, SandboxCard::APPROVE);
    intent.buyer.wallet = wallet.map(str::to_owned);
    let intent = device.sign(intent);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    app.wait_for_state(intent.body.id, OrderState::Paid).await;
    intent.body.id.to_string()
}

async fn use_chain(app: &TestApp, chain: &str) {
    sqlx::query("UPDATE collections SET chain = ?").bind(chain).execute(&app.db).await.unwrap();
}

#[tokio::test]
async fn a_paid_work_is_minted_to_the_buyers_wallet_and_becomes_final() {
    let sandboxes = Sandboxes::new(1);
    let app = spawn_app_with_rails(sandboxes.rails()).await;
    let order = paid(&app, Some(WALLET)).await;
    app.wait_until("the mint to reach the rollup", || async {
        state_of(&app, &order, 0).await.is_some_and(|s| s == "included")
    })
    .await;
    let confirming = app.order(order.parse().unwrap()).await.settlement.and_then(|s| s.chain);
    assert_eq!(confirming.map(|c| c.stage), Some(MintStage::Confirming));
    // Final once its batch is posted and final on the L1: minutes of sandbox time, at once.
    sandboxes.clock.advance(Duration::from_secs(300));
    app.wait_until("the mint to be final", || async {
        state_of(&app, &order, 0).await.is_some_and(|s| s == "final")
    })
    .await;
    let all = attempts(&app, &order).await;
    assert_eq!(all.len(), 1, "minted once");
    let (_, _, wallet, tx, token) = &all[0];
    assert_eq!(wallet, WALLET);
    assert!(tx.as_deref().is_some_and(|t| t.starts_with("0x") && t.len() == 66));
    assert!(token.is_some());
    // The receipt's view: both states, and the sentence a screen reader says.
    let seen = app.order(order.parse().unwrap()).await;
    let settlement = seen.settlement.expect("a paid order says where its money and token are");
    assert_eq!(settlement.payment, PaymentStatus::Paid);
    let chain = settlement.chain.clone().unwrap();
    assert_eq!((chain.stage, chain.tx, chain.custody), (MintStage::Final, tx.clone(), false));
    assert_eq!(
        settlement.sentence(seen.total),
        format!("Paid {} by card; minted on L2, final.", seen.total)
    );
}

#[tokio::test]
async fn a_buyer_without_a_wallet_has_the_work_kept_in_custody() {
    let sandboxes = Sandboxes::new(2);
    let app = spawn_app_with_rails(sandboxes.rails()).await;
    let order = paid(&app, None).await;
    app.wait_until("the mint to be sent", || async {
        attempts(&app, &order).await.first().is_some_and(|a| a.3.is_some())
    })
    .await;
    assert_eq!(attempts(&app, &order).await[0].2, CUSTODY_WALLET);
    let chain = app.order(order.parse().unwrap()).await.settlement.and_then(|s| s.chain);
    assert!(chain.is_some_and(|c| c.custody && c.wallet == CUSTODY_WALLET));
}

#[tokio::test]
async fn a_reorg_that_drops_the_mint_re_mints_it_exactly_once() {
    let sandboxes = Sandboxes::new(3);
    let app = spawn_app_with_rails(sandboxes.rails()).await;
    use_chain(&app, "sandbox-l1").await;
    let order = paid(&app, Some(WALLET)).await;
    app.wait_until("the mint to be sent", || async {
        state_of(&app, &order, 0).await.is_some_and(|s| s == "pending")
    })
    .await;
    // Blocks come every 4 s of sandbox time: the next one takes the mint.
    sandboxes.clock.advance(Duration::from_secs(4));
    app.wait_until("the mint to be in a block", || async {
        state_of(&app, &order, 0).await.is_some_and(|s| s == "included")
    })
    .await;
    let dropped = sandboxes.l1.inject_reorg(3, now()).unwrap();
    assert_eq!(dropped, 1);
    app.wait_until("a second attempt to be sent", || async {
        state_of(&app, &order, 1).await.is_some_and(|s| s == "pending")
    })
    .await;
    sandboxes.clock.advance(Duration::from_secs(4));
    app.wait_until("the second attempt to be in a block", || async {
        state_of(&app, &order, 1).await.is_some_and(|s| s == "included")
    })
    .await;
    sandboxes.clock.advance(Duration::from_secs(120));
    app.wait_until("the re-mint to be final", || async {
        state_of(&app, &order, 1).await.is_some_and(|s| s == "final")
    })
    .await;
    // A reorg now cannot touch a final block: nothing more is minted.
    sandboxes.l1.inject_reorg(3, now()).unwrap();
    let all = attempts(&app, &order).await;
    assert_eq!(all.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(), ["dropped", "final"]);
    assert_ne!(all[0].3, all[1].3, "a new transaction");
    assert_ne!(all[0].4, all[1].4, "a new token");
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM mint_queue").fetch_all(&app.db).await.unwrap()[0];
    assert_eq!(queued, 0);
    // Only the final transaction paid its network fee: the reorged one never landed.
    let fees: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, amount FROM transfers WHERE code = 'fee' AND order_id = ?")
            .bind(&order)
            .fetch_all(&app.db)
            .await
            .unwrap();
    let fee: Vec<i64> = sqlx::query_scalar("SELECT fee_gwei FROM mints WHERE key = ?")
        .bind(format!("{order}/mint/1"))
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(fees, [(format!("{order}/mint/1/fee"), fee[0])]);
    let balances = app.balances().await;
    let gwei: Vec<_> =
        balances.iter().filter(|(code, _, _)| code == "gas" || code == "fees").collect();
    assert_eq!(
        gwei,
        [
            &("fees".to_owned(), "sandbox-l1".to_owned(), [0, 0, 0, fee[0]]),
            &("gas".to_owned(), "sandbox-l1".to_owned(), [0, fee[0], 0, 0]),
        ]
    );
}

#[tokio::test]
async fn a_reverted_rollup_batch_re_mints_the_work() {
    let sandboxes = Sandboxes::new(4);
    let app = spawn_app_with_rails(sandboxes.rails()).await;
    let order = paid(&app, Some(WALLET)).await;
    app.wait_until("the mint to be sequenced", || async {
        state_of(&app, &order, 0).await.is_some_and(|s| s == "included")
    })
    .await;
    // Its batch is posted to the L1 (every 10 s), then reverted before it is final.
    sandboxes.clock.advance(Duration::from_secs(11));
    let reverted = sandboxes.l2.inject_revert(now()).unwrap();
    assert_eq!(reverted, 1);
    app.wait_until("the re-mint", || async {
        state_of(&app, &order, 1).await.is_some_and(|s| s == "included")
    })
    .await;
    assert_eq!(state_of(&app, &order, 0).await.as_deref(), Some("dropped"));
    // The re-mint, in a block, reads as confirming again.
    let chain = app.order(order.parse().unwrap()).await.settlement.and_then(|s| s.chain);
    assert!(chain.is_some_and(|c| c.stage == MintStage::Confirming));
}

#[tokio::test]
async fn the_schema_refuses_a_second_live_mint_and_edits_of_history() {
    let sandboxes = Sandboxes::new(5);
    let app = spawn_app_with_rails(sandboxes.rails()).await;
    let order = paid(&app, Some(WALLET)).await;
    app.wait_until("the mint to be sent", || async {
        attempts(&app, &order).await.first().is_some_and(|a| a.3.is_some())
    })
    .await;
    sandboxes.clock.advance(Duration::from_secs(300));
    app.wait_until("the mint to be final", || async {
        state_of(&app, &order, 0).await.is_some_and(|s| s == "final")
    })
    .await;
    let before = attempts(&app, &order).await;
    let insert = |n: i64| {
        format!(
            "INSERT INTO mints (key, order_id, n, chain, wallet, state, created_at, updated_at)
             VALUES ('{order}/mint/{n}', '{order}', {n}, 'sandbox-l2', '{WALLET}', 'submitting', 0, 0)"
        )
    };
    for (case, sql) in [
        ("a second live mint", insert(1)),
        ("an attempt out of turn", insert(5)),
        (
            "a final mint edited",
            format!("UPDATE mints SET wallet = '0x0' WHERE order_id = '{order}'"),
        ),
        (
            "a final mint dropped",
            format!("UPDATE mints SET state = 'dropped' WHERE order_id = '{order}'"),
        ),
        ("a mint deleted", format!("DELETE FROM mints WHERE order_id = '{order}'")),
    ] {
        assert!(sqlx::query(&sql).execute(&app.db).await.is_err(), "{case} was allowed");
        assert_eq!(attempts(&app, &order).await, before, "{case}");
    }
}
