use super::*;
use vitrine_protocol::Currency;

const ORDER: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

fn eur(minor: i64) -> Money {
    Money { amount_minor: minor, currency: Currency::EUR }
}

fn report(event: RailEvent) -> Attestation {
    Attestation { seq: 1, key: format!("{ORDER}/charge"), event, at: UnixMillis(0) }
}

const PAID: OrderFacts = OrderFacts {
    total: Money { amount_minor: 3_000, currency: Currency::EUR },
    paid: true,
    settling: false,
};

#[test]
fn a_report_that_agrees_with_the_ledger_raises_nothing() {
    for event in
        [RailEvent::Captured { amount: eur(3_000) }, RailEvent::Settled { amount: eur(3_000) }]
    {
        assert_eq!(judge(&report(event), Some(&PAID), false), (Verdict::Matched, None));
    }
    let partial = report(RailEvent::Refunded { amount: eur(500) });
    assert_eq!(judge(&partial, Some(&PAID), false), (Verdict::Matched, None));
}

#[test]
fn an_exact_duplicate_is_merged_automatically_and_moves_nothing() {
    let (verdict, item) =
        judge(&report(RailEvent::Captured { amount: eur(3_000) }), Some(&PAID), true);
    let item = item.unwrap();
    assert_eq!(
        (verdict, item.kind, item.applied),
        (Verdict::Duplicate, Kind::Duplicate, Some(Action::MergeDuplicate))
    );
}

#[test]
fn a_different_amount_waits_for_a_person_with_a_refund_suggested_when_more_was_taken() {
    let (verdict, item) =
        judge(&report(RailEvent::Captured { amount: eur(3_100) }), Some(&PAID), false);
    let item = item.unwrap();
    assert_eq!((verdict, item.kind, item.applied), (Verdict::Mismatch, Kind::AmountDiffers, None));
    assert_eq!(item.suggested, [Action::Refund, Action::ManualReview]);
    assert_eq!(item.order.as_deref(), Some(ORDER));
    let less =
        judge(&report(RailEvent::Settled { amount: eur(2_900) }), Some(&PAID), false).1.unwrap();
    assert_eq!(less.suggested, [Action::ManualReview]);
    let usd = Money { amount_minor: 3_000, currency: Currency::USD };
    let other = judge(&report(RailEvent::Captured { amount: usd }), Some(&PAID), false).1.unwrap();
    assert_eq!(other.kind, Kind::AmountDiffers);
}

#[test]
fn what_the_ledger_does_not_know_is_unknown() {
    let (verdict, item) = judge(&report(RailEvent::Captured { amount: eur(3_000) }), None, false);
    assert_eq!((verdict, item.unwrap().kind), (Verdict::Mismatch, Kind::Unknown));
    let unpaid = OrderFacts { paid: false, ..PAID };
    let taken =
        judge(&report(RailEvent::Captured { amount: eur(3_000) }), Some(&unpaid), false).1.unwrap();
    assert_eq!((taken.kind, taken.suggested[0]), (Kind::Unknown, Action::Refund));
    // The capture of an order being settled right now (recorded paid a moment later) is ours.
    let settling = OrderFacts { paid: false, settling: true, ..PAID };
    let ours = judge(&report(RailEvent::Captured { amount: eur(3_000) }), Some(&settling), false);
    assert_eq!(ours, (Verdict::Matched, None));
}

#[test]
fn a_dropped_mint_is_re_minted_automatically() {
    let dropped = Attestation {
        key: format!("{ORDER}/mint/0"),
        ..report(RailEvent::MintDropped { tx: "0xab".into() })
    };
    let (verdict, item) = judge(&dropped, Some(&PAID), false);
    let item = item.unwrap();
    assert_eq!(
        (verdict, item.kind, item.applied),
        (Verdict::Matched, Kind::Reorged, Some(Action::ReMint))
    );
    assert_eq!(order_of(&dropped.key), ORDER);
}

#[test]
fn a_missing_capture_names_the_charge_and_how_long_it_has_waited() {
    let item = missing_capture(ORDER, UnixMillis(1_000), UnixMillis(61_000));
    assert_eq!((item.kind, item.key.as_str()), (Kind::Missing, format!("{ORDER}/charge").as_str()));
    assert!(item.detail.contains("60 s"));
}

#[test]
fn a_late_mint_suggests_waiting_first_and_applies_nothing_by_itself() {
    let key = format!("{ORDER}/mint/0");
    let item = late_mint(&key, UnixMillis(10_000), UnixMillis(130_000));
    assert_eq!(item.kind, Kind::LateFinality);
    assert_eq!(item.order.as_deref(), Some(ORDER));
    assert_eq!(item.suggested, [Action::WaitForFinality, Action::ManualReview]);
    assert_eq!(item.applied, None);
    assert!(item.detail.starts_with("included 120 s ago"), "{}", item.detail);
    // Late means past the chain's finality and one more window.
    let late = late_after(Duration::from_secs(58), Duration::from_secs(30));
    assert_eq!(late, 88_000);
}

#[test]
fn a_person_refunds_only_what_the_rail_took_that_the_ledger_does_not_hold() {
    let unpaid = OrderFacts { paid: false, ..PAID };
    // Took 31.00 for a 30.00 sale: 1.00 goes back; the sale stays the order's to refund.
    assert_eq!(refund_due("amount_differs", Some(eur(3_100)), Some(&PAID)), Ok(eur(100)));
    // Took the whole of an order not paid here: all of it goes back.
    assert_eq!(refund_due("unknown", Some(eur(3_000)), Some(&unpaid)), Ok(eur(3_000)));
    let usd = Money { amount_minor: 3_100, currency: Currency::USD };
    let refused = [
        refund_due("amount_differs", Some(eur(2_900)), Some(&PAID)),
        refund_due("amount_differs", Some(eur(3_000)), Some(&PAID)),
        refund_due("amount_differs", Some(usd), Some(&PAID)),
        refund_due("amount_differs", None, Some(&PAID)),
        refund_due("amount_differs", Some(eur(3_100)), None),
        refund_due("unknown", Some(eur(3_000)), Some(&PAID)),
        refund_due("unknown", Some(eur(0)), Some(&unpaid)),
        refund_due("missing", Some(eur(3_100)), Some(&PAID)),
        refund_due("late_finality", Some(eur(3_100)), Some(&unpaid)),
        refund_due("unknown", Some(eur(3_000)), Some(&OrderFacts { settling: true, ..unpaid })),
    ];
    for (n, answer) in refused.iter().enumerate() {
        assert!(answer.is_err(), "case {n}: {answer:?}");
    }
}
