//! Issue 14: the synthetic scenarios CI runs end to end, each against a real server on the
//! sandboxes and checked against the ledger, the receipt and the console's items. Where each
//! one lives:
//!
//! | scenario | test |
//! |---|---|
//! | refund | `refunds::part_then_the_rest_is_given_back_through_the_rail_and_the_ledger` |
//! | dispute | `reconciliation::a_dispute_days_later_freezes_the_merchants_money_then_charges_it_back` |
//! | decline after offline acceptance | the buyer's side in `tests/e2e/checkout.test.mjs` ("bought offline, declined when the shop is back"); the ledger's, the rail's and the console's here: `scenarios::a_card_declined_after_offline_acceptance_takes_nothing_and_frees_the_edition` |
//! | reorg after mint | `mints::a_reorg_that_drops_the_mint_re_mints_it_exactly_once` |
//! | late finality | `reconciliation::a_mint_late_to_finality_is_raised_once_then_closed_when_it_is_final` |
//! | duplicate and missing attestations | `reconciliation::every_injected_mismatch_is_surfaced_once_and_none_is_invented` |
//! | an overcharge decided from the conflicts queue | `item_decisions::an_overcharge_is_given_back_once_and_the_ledger_shows_it_in_and_out`; in the browser, `tests/e2e/console.test.mjs` marks a late mint's item reviewed |
//! | paid on a chain (USDC on the L2) | `usdc::*`; in the browser, `tests/e2e/settlement.test.mjs` ("a dollar price paid in USDC on the L2") |
//! | a mint's network fee | `mints::a_reorg_that_drops_the_mint_re_mints_it_exactly_once` (only the final transaction pays) |

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::OrderState;
use vitrine_server::domain::settlement::{SandboxCard, Sandboxes};

use crate::helpers::spawn_app_with_sandboxes_and;
use crate::merchants::{bearer, call, merchant};

const WINDOW: Duration = Duration::from_millis(200);

/// A phone with no network signs a purchase and shows "accepted, will send"; back online, the
/// shop accepts it and holds the edition; then the card is declined. Nothing is taken, nothing
/// is minted, the edition is for sale again, the rail's report of the decline matches the
/// ledger (no item for a person), and the merchant's console shows the order as declined.
#[tokio::test]
async fn a_card_declined_after_offline_acceptance_takes_nothing_and_frees_the_edition() {
    let sandboxes = Sandboxes::new(31);
    let app = spawn_app_with_sandboxes_and(&sandboxes, |c| c.reconcile_window = WINDOW).await;
    let orders = bearer(&merchant(&app, "demo", &[Scope::Orders, Scope::Admin]).await);
    let stock = app.stock(201).await;
    let books = app.ledger_snapshot().await;
    let balances = app.balances().await;
    let device = app.device().await;
    // Signed offline; the device keeps it and its local receipt until it can send it.
    let intent = device.sign(device.intent(&app.quote(201).await, 1, SandboxCard::DECLINE));
    let id = intent.body.id;

    // Back online: accepted, the edition held for the buyer ...
    let res = app.post_intent(&intent).await;
    assert_eq!(res.status(), 201);
    let accepted: Value = res.json().await.unwrap();
    assert_eq!(accepted["state"], "held");
    // ... then the card is declined: a final answer the device stops replaying on.
    let order = app.wait_for_state(id, OrderState::Declined).await;
    assert!(order.settlement.is_none(), "no payment and no token to show: {order:?}");
    assert!(order.state.is_final());

    // The ledger: nothing taken, nothing owed; the edition is back on sale.
    app.wait_until("the edition to be back", || async { app.stock(201).await == stock }).await;
    assert_eq!(app.balances().await, balances, "no money moved");
    let (_, _, _, transfers) = app.ledger_snapshot().await;
    assert_eq!(transfers, books.3, "no transfer written");
    let mints: i64 = sqlx::query_scalar("SELECT count(*) FROM mints WHERE order_id = ?")
        .bind(id.to_string())
        .fetch_all(&app.db)
        .await
        .unwrap()[0];
    assert_eq!(mints, 0, "nothing minted");

    // Reconciliation: the rail's report of the decline matches; nothing for a person.
    let key = format!("{id}/charge");
    app.wait_until("the decline to be reconciled", || async {
        let seen: Vec<(String, String)> =
            sqlx::query_as("SELECT kind, verdict FROM attestations WHERE key = ?")
                .bind(&key)
                .fetch_all(&app.db)
                .await
                .unwrap();
        seen.iter().any(|(kind, verdict)| kind == "declined" && verdict == "matched")
    })
    .await;
    let path = "/api/v1/merchant/reconciliation";
    let items: Vec<Value> =
        call(&app, Method::GET, path, Some(&orders), None).await.json().await.unwrap();
    assert!(items.is_empty(), "{items:?}");

    // The console's order view says declined.
    let path = format!("/api/v1/merchant/orders/{id}");
    let res = call(&app, Method::GET, &path, Some(&orders), None).await;
    assert_eq!(res.status(), 200);
    let seen: Value = res.json().await.unwrap();
    assert_eq!(seen["order"]["state"], "declined", "{seen}");
    let kinds: Vec<&str> =
        seen["events"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["hold", "release"], "held, then given back");
}
