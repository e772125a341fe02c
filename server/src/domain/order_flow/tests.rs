use proptest::prelude::*;

use super::*;
use crate::domain::ledger::{Book, LedgerError};

const UNTIL: UnixMillis = UnixMillis(60_000);

fn run(flow: Flow, events: &[Event]) -> (Flow, Vec<Move>) {
    events.iter().fold((flow, vec![]), |(flow, mut moves), event| {
        let (next, more) = flow.apply(*event).unwrap_or_else(|e| panic!("{e}"));
        moves.extend(more);
        (next, moves)
    })
}

fn included(confirmations: u32) -> Event {
    Event::MintIncluded { confirmations, needed: 12 }
}

#[test]
fn a_sale_goes_from_held_to_final_and_pays_the_merchant_once() {
    let events = [
        Event::Authorized { hold_until: UNTIL },
        Event::Captured,
        Event::MintSubmitted,
        included(1),
        included(3),
        Event::MintFinal,
    ];
    let (flow, moves) = run(Flow::held(3_000), &events);
    assert_eq!((flow.payment, flow.chain), (Payment::Captured, Chain::Final));
    assert!(flow.is_final());
    let mut book = Book::default();
    for step in moves {
        book.apply(0, 1, step).unwrap();
    }
    assert_eq!(book.balance(0, Account::Merchant).credits_posted, 3_000);
    assert_eq!(book.balance(0, Account::BuyerFunds).debits_posted, 3_000);
    assert_eq!(book.imbalance(), (0, 0));
}

#[test]
fn an_authorization_whose_hold_runs_out_is_voided_and_moves_nothing() {
    let (flow, moves) =
        run(Flow::held(500), &[Event::Authorized { hold_until: UNTIL }, Event::Expired]);
    assert_eq!(flow.payment, Payment::Expired);
    assert_eq!(moves.last(), Some(&Move::Void(Pending::Sale)));
    let mut book = Book::default();
    for step in moves {
        book.apply(0, 1, step).unwrap();
    }
    assert_eq!(book.balance(0, Account::Merchant), Default::default());
    // A capture arriving after that is refused and moves nothing.
    assert!(flow.apply(Event::Captured).is_err());
}

#[test]
fn a_reorged_mint_is_minted_again_exactly_once() {
    let paid = [Event::Authorized { hold_until: UNTIL }, Event::Captured];
    let (flow, _) = run(Flow::held(100), &paid);
    let (flow, _) = run(flow, &[Event::MintSubmitted, included(2), Event::MintDropped]);
    assert_eq!(flow.chain, Chain::Reorged);
    assert!(flow.mint_due());
    let (flow, _) = run(flow, &[Event::MintSubmitted]);
    assert!(!flow.mint_due(), "one re-mint in flight");
    assert!(flow.apply(Event::MintSubmitted).is_err());
    let (flow, _) = run(flow, &[included(1), Event::MintFinal]);
    assert_eq!(flow.chain, Chain::Final);
    // A final token cannot be reorged.
    assert!(flow.apply(Event::MintDropped).is_err());
}

#[test]
fn refunds_add_up_to_at_most_the_sale_and_the_last_one_refunds_the_order() {
    let (flow, _) =
        run(Flow::held(1_000), &[Event::Authorized { hold_until: UNTIL }, Event::Captured]);
    let (flow, moves) = run(flow, &[Event::Refunded { amount_minor: 400 }]);
    assert_eq!((flow.payment, flow.refunded_minor), (Payment::Captured, 400));
    assert_eq!(
        moves,
        [Move::Transfer { debit: Account::Merchant, credit: Account::Refunds, amount: 400, n: 0 }]
    );
    assert!(flow.apply(Event::Refunded { amount_minor: 601 }).is_err());
    assert!(flow.apply(Event::Refunded { amount_minor: 0 }).is_err());
    let (flow, moves) = run(flow, &[Event::Refunded { amount_minor: 600 }]);
    assert_eq!(flow.payment, Payment::Refunded);
    assert!(matches!(moves[..], [Move::Transfer { n: 1, .. }]));
    assert!(flow.is_final());
}

#[test]
fn a_dispute_freezes_what_is_left_and_is_voided_when_won_or_posted_when_lost() {
    let (flow, _) =
        run(Flow::held(1_000), &[Event::Authorized { hold_until: UNTIL }, Event::Captured]);
    let (flow, _) = run(flow, &[Event::Refunded { amount_minor: 250 }]);
    let (disputed, moves) = run(flow, &[Event::Disputed]);
    assert!(matches!(moves[..], [Move::Reserve { id: Pending::Dispute(0), amount: 750, .. }]));
    let (won, moves) = run(disputed, &[Event::DisputeWon]);
    assert_eq!((won.payment, moves), (Payment::Captured, vec![Move::Void(Pending::Dispute(0))]));
    let (lost, moves) = run(disputed, &[Event::DisputeLost]);
    assert_eq!(
        (lost.payment, moves),
        (Payment::ChargedBack, vec![Move::Post(Pending::Dispute(0))])
    );
    assert!(lost.is_final());
    // Won, then disputed again (pre-arbitration): a second dispute, its own transfer.
    let (again, moves) = run(won, &[Event::Disputed, Event::DisputeLost]);
    assert_eq!(again.payment, Payment::ChargedBack);
    assert_eq!(moves.last(), Some(&Move::Post(Pending::Dispute(1))));
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        Just(Event::Authorized { hold_until: UNTIL }),
        Just(Event::Declined),
        Just(Event::Captured),
        Just(Event::Expired),
        (0i64..1_200).prop_map(|amount_minor| Event::Refunded { amount_minor }),
        Just(Event::Disputed),
        Just(Event::DisputeWon),
        Just(Event::DisputeLost),
        Just(Event::MintSubmitted),
        (0u32..14).prop_map(|confirmations| Event::MintIncluded { confirmations, needed: 12 }),
        Just(Event::MintFinal),
        Just(Event::MintDropped),
    ]
}

/// What the merchant keeps of one order, by where its payment ended.
fn kept(flow: &Flow) -> i64 {
    match flow.payment {
        Payment::Captured | Payment::Refunded => flow.amount_minor - flow.refunded_minor,
        Payment::Held | Payment::Authorized | Payment::Declined | Payment::Expired => 0,
        Payment::Disputed | Payment::ChargedBack => 0,
    }
}

proptest! {
    /// Any events, in any order, for orders of two merchants: every accepted step's moves
    /// apply to the ledger (the state machine and the ledger's rules agree), every transfer
    /// balances, no merchant ever owes, and what a merchant holds is what its orders say.
    #[test]
    fn every_scenario_balances_and_no_merchant_owes(
        amounts in proptest::collection::vec(0i64..1_000, 1..6),
        script in proptest::collection::vec((0usize..6, event()), 0..80),
    ) {
        let mut flows: Vec<Flow> = amounts.iter().map(|a| Flow::held(*a)).collect();
        let mut book = Book::default();
        for (who, event) in script {
            let i = who % flows.len();
            let world = (i % 2) as u64;
            let before = flows[i];
            match before.apply(event) {
                Ok((next, moves)) => {
                    for step in moves {
                        let applied = book.apply(world, i as u64, step);
                        prop_assert_eq!(applied, Ok::<(), LedgerError>(()), "{:?} after {:?}", step, before);
                    }
                    flows[i] = next;
                }
                Err(refused) => prop_assert_eq!(refused.payment, before.payment),
            }
            prop_assert_eq!(book.imbalance(), (0, 0));
            for world in 0..2 {
                let merchant = book.balance(world, Account::Merchant);
                prop_assert!(merchant.debits_pending + merchant.debits_posted <= merchant.credits_posted);
            }
        }
        for world in 0..2u64 {
            let merchant = book.balance(world, Account::Merchant);
            let expected: i64 = flows.iter().enumerate()
                .filter(|(i, _)| (*i % 2) as u64 == world)
                .map(|(_, f)| kept(f))
                .sum();
            // Disputed money is still credited but frozen (debited pending).
            prop_assert_eq!(merchant.credits_posted - merchant.debits_posted - merchant.debits_pending, expected);
        }
        for flow in &flows {
            prop_assert!(flow.refunded_minor <= flow.amount_minor);
            if flow.chain != Chain::NotMinted {
                prop_assert!(flow.payment != Payment::Held && flow.payment != Payment::Authorized, "minted before capture");
            }
        }
    }
}
