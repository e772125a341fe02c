//! Paying on a chain: a work priced in US dollars, paid in USDC on the sandbox rollup
//! (`sandbox-l2-usdc`) or on the sandbox L1 (`sandbox-l1-usdc`). The order stays held while
//! the transfer waits for a block, is authorized (a pending sale in the ledger, written once
//! however often the settler asks again) once a block holds it, and is paid when that block is
//! final on the sandbox clock; then it is minted, and reconciliation matches every report. The
//! declining wallet moves nothing; a reorg of the payment's block sends the same transfer again
//! and charges once.

use std::time::Duration;

use vitrine_protocol::settlement::{MintStage, PaymentStatus};
use vitrine_protocol::{sandbox, Currency, IntentId, OrderState, Payment};
use vitrine_server::domain::clock;
use vitrine_server::domain::metrics::Metrics;
use vitrine_server::domain::reconciler;
use vitrine_server::domain::settlement::{
    MintRail, RailEvent, SandboxUsdc, Sandboxes, SettlementRail, TxStatus,
};

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

/// Buy the USD work paying on `rail` from `wallet`, minted to the same wallet.
async fn buy(app: &TestApp, rail: &str, wallet: &str) -> IntentId {
    let device = app.device().await;
    let quote = app.quote(USD_WORK).await;
    assert_eq!(quote.body.price.currency, Currency::USD, "the demo's dollar work");
    let mut intent = device.intent(&quote, 1, wallet);
    intent.payment = Payment { rail: rail.into(), token: wallet.into() };
    intent.buyer.wallet = Some(wallet.into());
    let intent = device.sign(intent);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    intent.body.id
}

/// One reconciliation pass over every sandbox rail and chain; asserts it raised nothing.
async fn reconcile(app: &TestApp, sandboxes: &Sandboxes) {
    let storage = vitrine_server::storage::connect(&app.db_url).await.unwrap();
    let metrics = Metrics::new(|| 0);
    let rails = sandboxes.rails();
    reconciler::pass(storage.as_ref(), &rails, Duration::from_secs(1), &metrics).await.unwrap();
    let items = storage.reconciliation_items(None, 1_000).await.unwrap();
    assert!(items.is_empty(), "{items:?}");
}

/// What reconciliation stored of `rail`'s reports under `key`: (kind, verdict), in order.
async fn verdicts(app: &TestApp, rail: &str, key: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT kind, verdict FROM attestations WHERE rail = ? AND key = ? ORDER BY seq")
        .bind(rail)
        .bind(key)
        .fetch_all(&app.db)
        .await
        .unwrap()
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
    let order = buy(&app, sandbox::USDC_RAIL, SandboxUsdc::PAYS).await;
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
    assert_eq!(transfers(&app, order).await, [(sale, "pending".to_owned())]);

    // Final on the sandbox clock: paid, the sale posted, the rail's buyer funds paid out.
    sandboxes.clock.advance(Duration::from_secs(120));
    let paid = app.wait_for_state(order, OrderState::Paid).await;
    let price = paid.total.amount_minor;
    charged_once(&app, order, sandbox::USDC_RAIL, price).await;
    let sent = sandboxes.usdc.transfers(clock::now()).unwrap();
    assert_eq!(sent.len(), 1, "one transfer, however often it was asked: {sent:?}");
    assert_eq!((sent[0].units, sent[0].broadcasts), (u128::try_from(price).unwrap() * 10_000, 1));
    assert_eq!(paid.settlement.map(|s| s.rail).as_deref(), Some(sandbox::USDC_RAIL));

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
    let broke = buy(&app, sandbox::USDC_RAIL, SandboxUsdc::DECLINES).await;
    let declined = app.wait_for_state(broke, OrderState::Declined).await;
    assert_eq!(declined.reason.as_deref(), Some("insufficient USDC"));
    assert!(transfers(&app, broke).await.is_empty());
    assert_eq!(app.balances().await, before, "nothing moved");

    // Reconciliation matches what the rail and the chain reported, and raises nothing.
    reconcile(&app, &sandboxes).await;
    let matched = |kind: &str| (kind.to_owned(), "matched".to_owned());
    assert_eq!(
        verdicts(&app, sandbox::USDC_RAIL, &key).await,
        [matched("authorized"), matched("captured")]
    );
    assert_eq!(
        verdicts(&app, sandbox::USDC_RAIL, &format!("{broke}/charge")).await,
        [matched("declined")]
    );
}

/// The ledger's sale and the rail's buyer funds once `order` is paid on `rail`: one pending
/// sale, its post, and the price taken from the buyer's funds once.
async fn charged_once(app: &TestApp, order: IntentId, rail: &str, price: i64) {
    let sale = format!("{order}/sale");
    assert_eq!(
        transfers(app, order).await,
        [(sale.clone(), "pending".to_owned()), (format!("{sale}/post"), "post".to_owned())]
    );
    let balances = app.balances().await;
    let funds = balances.iter().find(|(code, owner, _)| code == "buyer_funds" && owner == rail);
    assert_eq!(funds.map(|(_, _, b)| *b), Some([0, price, 0, 0]), "{balances:?}");
}

/// What `rail` reported under `key`, in order.
async fn reported(rail: &SandboxUsdc, key: &str) -> Vec<RailEvent> {
    let all = rail.attestations(0, usize::MAX, clock::now()).await.unwrap();
    all.into_iter().filter(|a| a.key == key).map(|a| a.event).collect()
}

#[tokio::test]
async fn a_dollar_price_paid_in_usdc_on_the_l1_is_taken_when_its_block_is_final() {
    let sandboxes = Sandboxes::new(37);
    let app = spawn_app_with_sandboxes(&sandboxes).await;
    let rail = &sandboxes.usdc_l1;
    let order = buy(&app, sandbox::USDC_L1_RAIL, SandboxUsdc::PAYS).await;
    let key = format!("{order}/charge");

    // Sent, then held until the next L1 block (every 4 s) holds it: authorized, not taken.
    app.wait_until("the transfer to be sent", || async { rail.calls(&key) >= 1 }).await;
    sandboxes.clock.advance(Duration::from_secs(4));
    app.wait_until("the transfer to be in an L1 block", || async {
        payment(&app, order).await == Some(PaymentStatus::Authorized)
    })
    .await;
    let seen = app.order(order).await;
    assert_eq!(seen.state, OrderState::Held);
    let text = seen.settlement.as_ref().unwrap().payment_text(seen.total);
    assert_eq!(text, format!("{} authorized by USDC on L1, not yet taken.", seen.total));
    let sale = format!("{order}/sale");
    assert_eq!(transfers(&app, order).await, [(sale, "pending".to_owned())]);

    // Final after 12 L1 blocks (48 s on the sandbox clock): paid, once.
    sandboxes.clock.advance(Duration::from_secs(60));
    let paid = app.wait_for_state(order, OrderState::Paid).await;
    charged_once(&app, order, sandbox::USDC_L1_RAIL, paid.total.amount_minor).await;
    assert_eq!(paid.settlement.map(|s| s.rail).as_deref(), Some(sandbox::USDC_L1_RAIL));
    let sent = rail.transfers(clock::now()).unwrap();
    assert_eq!(sent.iter().map(|t| t.broadcasts).collect::<Vec<_>>(), [1], "{sent:?}");
    let amount = paid.total;
    assert_eq!(
        reported(rail, &key).await,
        [RailEvent::Authorized { amount }, RailEvent::Captured { amount }]
    );
    // The L1 carried the payment, but its mint stream only ever speaks of mints.
    let minted = sandboxes.l1.attestations(0, usize::MAX, clock::now()).await.unwrap();
    assert!(minted.iter().all(|a| a.key.contains("/mint/")), "{minted:?}");

    // Minted, final, then reconciled: every report matched, nothing raised.
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
    // Paid on the L1, minted on the collection's chain.
    assert_eq!(
        receipt.settlement.unwrap().sentence(receipt.total),
        format!("Paid {} by USDC on L1; minted on L2, final.", receipt.total)
    );
    reconcile(&app, &sandboxes).await;
    let matched = |kind: &str| (kind.to_owned(), "matched".to_owned());
    assert_eq!(
        verdicts(&app, sandbox::USDC_L1_RAIL, &key).await,
        [matched("authorized"), matched("captured")]
    );
}

#[tokio::test]
async fn a_reorg_of_the_payments_l1_block_sends_it_again_and_charges_once() {
    let sandboxes = Sandboxes::new(41);
    let app = spawn_app_with_sandboxes(&sandboxes).await;
    let rail = &sandboxes.usdc_l1;
    let order = buy(&app, sandbox::USDC_L1_RAIL, SandboxUsdc::PAYS).await;
    let key = format!("{order}/charge");
    app.wait_until("the payment to be authorized", || async {
        payment(&app, order).await == Some(PaymentStatus::Authorized)
    })
    .await;

    // Its block and every block after it are reorged away, before it is final.
    let now = clock::now();
    let tx = rail.transfers(now).unwrap()[0].tx.clone();
    let status = sandboxes.l1.status(&tx, now).await.unwrap();
    let TxStatus::Included { confirmations, .. } = status else {
        panic!("authorized, so in a block and not final: {status:?}");
    };
    assert_eq!(sandboxes.l1.inject_reorg(confirmations, now).unwrap(), 0, "no mint yet");
    assert_eq!(sandboxes.l1.status(&tx, now).await.unwrap(), TxStatus::Dropped);

    // Sent again under its key (the same transaction) into a later block; the order waits.
    let sent_again = || async {
        rail.transfers(clock::now()).unwrap().first().is_some_and(|t| t.broadcasts == 2)
    };
    app.wait_until("the transfer to be sent again", sent_again).await;
    sandboxes.clock.advance(Duration::from_secs(4));
    app.wait_until("the transfer to be in a block again", || async {
        rail.transfers(clock::now()).unwrap().first().is_some_and(|t| t.in_block)
    })
    .await;
    assert_eq!(rail.transfers(clock::now()).unwrap()[0].tx, tx);
    let waiting = app.order(order).await;
    assert_eq!(waiting.state, OrderState::Held, "not final, not paid");
    assert_eq!(waiting.settlement.map(|s| s.payment), Some(PaymentStatus::Authorized));

    // Final in its new block: paid once; one authorization and one capture reported.
    sandboxes.clock.advance(Duration::from_secs(60));
    let paid = app.wait_for_state(order, OrderState::Paid).await;
    charged_once(&app, order, sandbox::USDC_L1_RAIL, paid.total.amount_minor).await;
    let amount = paid.total;
    assert_eq!(
        reported(rail, &key).await,
        [RailEvent::Authorized { amount }, RailEvent::Captured { amount }]
    );
    let sent = rail.transfers(clock::now()).unwrap();
    assert_eq!(sent.iter().map(|t| (t.broadcasts, t.in_block)).collect::<Vec<_>>(), [(2, true)]);
    reconcile(&app, &sandboxes).await;
}
