//! Paying on a chain: a work priced in US dollars, paid in USDC on the sandbox rollup
//! (`sandbox-l2-usdc`). The order stays held while the transfer waits for a block, is
//! authorized (a pending sale in the ledger, written once however often the settler asks
//! again) once a block holds it, and is paid when that block is final on the sandbox clock;
//! then it is minted, and reconciliation matches every report. The declining wallet moves
//! nothing.

use std::time::Duration;

use vitrine_protocol::settlement::{MintStage, PaymentStatus};
use vitrine_protocol::{Currency, IntentId, OrderState, Payment};
use vitrine_server::domain::metrics::Metrics;
use vitrine_server::domain::reconciler;
use vitrine_server::domain::settlement::{SandboxUsdc, Sandboxes};

use crate::helpers::{spawn_app_with_sandboxes, TestApp};

/// The first work of "Quiet Grids", the demo collection priced in US dollars.
const USD_WORK: i64 = 301;

/// The order's money transfers in the ledger: (id, kind).
async fn transfers(app: &TestApp, order: IntentId) -> Vec<(String, String)> {
    sqlx::query_as("SELECT id, kind FROM transfers WHERE order_id = ? ORDER BY seq")
        .bind(order.to_string())
        .fetch_all(&app.db)
        .await
        .unwrap()
}

/// Buy the USD work paying from `wallet`, minted to the same wallet.
async fn buy(app: &TestApp, wallet: &str) -> IntentId {
    let device = app.device().await;
    let quote = app.quote(USD_WORK).await;
    assert_eq!(quote.body.price.currency, Currency::USD, "the demo's dollar work");
    let mut intent = device.intent(&quote, 1, wallet);
    intent.payment = Payment { rail: SandboxUsdc::NAME.into(), token: wallet.into() };
    intent.buyer.wallet = Some(wallet.into());
    let intent = device.sign(intent);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    intent.body.id
}

async fn payment(app: &TestApp, order: IntentId) -> Option<PaymentStatus> {
    app.order(order).await.settlement.map(|s| s.payment)
}

async fn mint_stage(app: &TestApp, order: IntentId) -> Option<MintStage> {
    app.order(order).await.settlement.and_then(|s| s.chain).map(|c| c.stage)
}

#[tokio::test]
async fn a_dollar_price_paid_in_usdc_is_taken_when_final_then_minted_and_reconciled() {
    let sandboxes = Sandboxes::new(31);
    let app = spawn_app_with_sandboxes(&sandboxes).await;
    let order = buy(&app, SandboxUsdc::PAYS).await;
    let key = format!("{order}/charge");

    // A block holds the transfer within a sandbox second: authorized, not taken yet.
    app.wait_until("the transfer to be in a block", || async {
        payment(&app, order).await == Some(PaymentStatus::Authorized)
    })
    .await;
    let seen = app.order(order).await;
    assert_eq!(seen.state, OrderState::Held);
    let text = seen.settlement.as_ref().unwrap().payment_text(seen.total);
    assert_eq!(text, format!("{} authorized by USDC on L2, not yet taken.", seen.total));
    // The settler asks again every block until the block is final (a minute of sandbox
    // time): the pending sale is written once, not once per answer.
    let calls = sandboxes.usdc.calls(&key);
    app.wait_until("three more pending answers", || async {
        sandboxes.usdc.calls(&key) >= calls + 6
    })
    .await;
    assert_eq!(app.order(order).await.state, OrderState::Held, "not final, not paid");
    let sale = format!("{order}/sale");
    assert_eq!(transfers(&app, order).await, [(sale.clone(), "pending".to_owned())]);

    // Final on the sandbox clock: paid, the sale posted, the rail's buyer funds paid out.
    sandboxes.clock.advance(Duration::from_secs(120));
    let paid = app.wait_for_state(order, OrderState::Paid).await;
    let price = paid.total.amount_minor;
    assert_eq!(
        transfers(&app, order).await,
        [(sale.clone(), "pending".to_owned()), (format!("{sale}/post"), "post".to_owned())]
    );
    let balances = app.balances().await;
    let funds = balances
        .iter()
        .find(|(code, owner, _)| code == "buyer_funds" && owner == SandboxUsdc::NAME);
    assert_eq!(funds.map(|(_, _, b)| *b), Some([0, price, 0, 0]), "{balances:?}");
    let sent = sandboxes.usdc.transfers(vitrine_server::domain::clock::now()).unwrap();
    assert_eq!(sent.len(), 1, "one transfer, however often it was asked: {sent:?}");
    assert_eq!((sent[0].units, sent[0].broadcasts), (u128::try_from(price).unwrap() * 10_000, 1));
    assert_eq!(paid.settlement.map(|s| s.rail).as_deref(), Some(SandboxUsdc::NAME));

    // Then minted to the paying wallet on the collection's chain, and final.
    app.wait_until("the mint to be in a block", || async {
        mint_stage(&app, order).await == Some(MintStage::Confirming)
    })
    .await;
    sandboxes.clock.advance(Duration::from_secs(300));
    app.wait_until("the mint to be final", || async {
        mint_stage(&app, order).await == Some(MintStage::Final)
    })
    .await;
    let receipt = app.order(order).await;
    let settlement = receipt.settlement.unwrap();
    assert_eq!(settlement.chain.as_ref().map(|c| c.wallet.as_str()), Some(SandboxUsdc::PAYS));
    assert_eq!(
        settlement.sentence(receipt.total),
        format!("Paid {} by USDC on L2; minted on L2, final.", receipt.total)
    );

    // The declining wallet: declined, nothing sent, nothing in the ledger.
    let before = app.balances().await;
    let broke = buy(&app, SandboxUsdc::DECLINES).await;
    let declined = app.wait_for_state(broke, OrderState::Declined).await;
    assert_eq!(declined.reason.as_deref(), Some("insufficient USDC"));
    assert!(transfers(&app, broke).await.is_empty());
    assert_eq!(app.balances().await, before, "nothing moved");

    // Reconciliation matches what the rail and the chain reported, and raises nothing.
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    let rails = sandboxes.rails();
    let metrics = Metrics::new(|| 0);
    reconciler::pass(storage.as_ref(), &rails, Duration::from_secs(1), &metrics).await.unwrap();
    let verdicts = |key: String| {
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT kind, verdict FROM attestations WHERE rail = ? AND key = ? ORDER BY seq",
            )
            .bind(SandboxUsdc::NAME)
            .bind(key)
            .fetch_all(&db)
            .await
            .unwrap()
        }
    };
    let matched = |kind: &str| (kind.to_owned(), "matched".to_owned());
    assert_eq!(verdicts(key).await, [matched("authorized"), matched("captured")]);
    assert_eq!(verdicts(format!("{broke}/charge")).await, [matched("declined")]);
    let items = storage.reconciliation_items(None, 1_000).await.unwrap();
    assert!(items.is_empty(), "{items:?}");
}
