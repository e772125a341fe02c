use super::*;
use vitrine_protocol::Currency;

const AT: UnixMillis = UnixMillis(1_000_000);

fn eur(minor: i64) -> Money {
    Money { amount_minor: minor, currency: Currency::EUR }
}

fn charge(token: &str, key: &str) -> Charge {
    Charge {
        order: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
        key: key.into(),
        amount: eur(100),
        token: token.into(),
        accepted_at: AT,
    }
}

async fn events(rail: &SandboxCard, now: UnixMillis) -> Vec<(String, RailEvent)> {
    let all = rail.attestations(0, usize::MAX, now).await.unwrap();
    all.into_iter().map(|a| (a.key, a.event)).collect()
}

#[tokio::test]
async fn test_cards_are_deterministic() {
    let rail = SandboxCard::default();
    let ok = rail.authorize(&charge(SandboxCard::APPROVE, "a"), AT).await.unwrap();
    assert!(matches!(ok, Outcome::Approved { .. }));
    let no = rail.authorize(&charge(SandboxCard::DECLINE, "b"), AT).await.unwrap();
    assert!(matches!(no, Outcome::Declined { .. }));
    let slow = charge(SandboxCard::APPROVE_AFTER_DELAY, "c");
    assert_eq!(
        rail.authorize(&slow, AT).await.unwrap(),
        Outcome::Pending { retry_after: SandboxCard::DELAY }
    );
    let later = AT.plus(2_000);
    assert!(matches!(rail.authorize(&slow, later).await.unwrap(), Outcome::Approved { .. }));
    // The same seed gives the same references; another seed, others.
    let twin = SandboxCard::default();
    let other = SandboxCard::seeded(7, Arc::default());
    let again = twin.authorize(&charge(SandboxCard::APPROVE, "a"), AT).await.unwrap();
    let elsewhere = other.authorize(&charge(SandboxCard::APPROVE, "a"), AT).await.unwrap();
    assert_eq!(again, ok);
    assert_ne!(elsewhere, ok);
}

#[tokio::test]
async fn one_key_is_one_charge_and_a_void_gives_it_back() {
    let rail = SandboxCard::default();
    for _ in 0..3 {
        rail.authorize(&charge(SandboxCard::APPROVE, "k"), AT).await.unwrap();
    }
    assert_eq!((rail.charges(), rail.calls("k")), (1, 3));
    rail.void("k", AT).await.unwrap();
    assert_eq!(rail.charges(), 0);
    // Voided before the charge arrived: the late charge is refused, nothing taken.
    rail.void("early", AT).await.unwrap();
    let late = rail.authorize(&charge(SandboxCard::APPROVE, "early"), AT).await.unwrap();
    assert!(matches!(late, Outcome::Declined { .. }));
    assert_eq!(rail.charges(), 0);
    let capture = rail.capture("early", AT).await.unwrap();
    assert!(matches!(capture, Outcome::Declined { .. }));
}

#[tokio::test]
async fn a_capture_is_reported_then_settled_at_midnight_once() {
    let rail = SandboxCard::default();
    rail.authorize(&charge(SandboxCard::APPROVE, "k"), AT).await.unwrap();
    let first = rail.capture("k", AT).await.unwrap();
    assert_eq!(rail.capture("k", AT).await.unwrap(), first, "a second capture answers the first");
    assert_eq!(
        events(&rail, AT).await,
        [
            ("k".into(), RailEvent::Authorized { amount: eur(100) }),
            ("k".into(), RailEvent::Captured { amount: eur(100) }),
        ]
    );
    rail.clock().advance(Duration::from_secs(24 * 3600));
    let all = rail.attestations(0, usize::MAX, AT).await.unwrap();
    assert_eq!(all.last().map(|a| &a.event), Some(&RailEvent::Settled { amount: eur(100) }));
    assert_eq!(all.last().map(|a| a.at), Some(UnixMillis(DAY_MS)));
    assert_eq!(all.iter().map(|a| a.seq).collect::<Vec<_>>(), [1, 2, 3]);
    // Paged from a cursor.
    let rest = rail.attestations(1, 1, AT).await.unwrap();
    assert_eq!(rest.iter().map(|a| a.seq).collect::<Vec<_>>(), [2]);
}

#[tokio::test]
async fn a_disputed_card_is_reported_three_days_later_and_lost_ten_days_after() {
    let rail = SandboxCard::default();
    rail.authorize(&charge(SandboxCard::DISPUTE, "d"), AT).await.unwrap();
    rail.capture("d", AT).await.unwrap();
    rail.clock().advance(Duration::from_secs(2 * 24 * 3600));
    assert!(!events(&rail, AT).await.iter().any(|(_, e)| matches!(e, RailEvent::Disputed { .. })));
    rail.clock().advance(Duration::from_secs(24 * 3600));
    let now = events(&rail, AT).await;
    assert_eq!(now.last(), Some(&("d".into(), RailEvent::Disputed { amount: eur(100) })));
    rail.clock().advance(SandboxCard::DISPUTE_LOST_AFTER);
    let now = events(&rail, AT).await;
    assert_eq!(now.last(), Some(&("d".into(), RailEvent::DisputeLost { amount: eur(100) })));
}

#[tokio::test]
async fn refunds_are_idempotent_and_never_exceed_the_capture() {
    let rail = SandboxCard::default();
    let refund =
        |key: &str, minor| Refund { key: key.into(), charge_key: "k".into(), amount: eur(minor) };
    let early = rail.refund(&refund("r0", 10), AT).await.unwrap();
    assert!(matches!(early, Outcome::Declined { .. }), "nothing to refund yet");
    rail.authorize(&charge(SandboxCard::APPROVE, "k"), AT).await.unwrap();
    rail.capture("k", AT).await.unwrap();
    let first = rail.refund(&refund("r1", 60), AT).await.unwrap();
    assert!(matches!(first, Outcome::Approved { .. }));
    assert_eq!(rail.refund(&refund("r1", 60), AT).await.unwrap(), first, "one key, one refund");
    let over = rail.refund(&refund("r2", 41), AT).await.unwrap();
    assert!(matches!(over, Outcome::Declined { .. }), "60 + 41 > 100");
    let rest = rail.refund(&refund("r3", 40), AT).await.unwrap();
    assert!(matches!(rest, Outcome::Approved { .. }));
    let usd =
        Refund { amount: Money { amount_minor: 1, currency: Currency::USD }, ..refund("r4", 1) };
    assert!(matches!(rail.refund(&usd, AT).await.unwrap(), Outcome::Declined { .. }));
    let refunded: Vec<_> = events(&rail, AT)
        .await
        .into_iter()
        .filter(|(_, e)| matches!(e, RailEvent::Refunded { .. }))
        .collect();
    assert_eq!(
        refunded,
        [
            ("r1".into(), RailEvent::Refunded { amount: eur(60) }),
            ("r3".into(), RailEvent::Refunded { amount: eur(40) })
        ]
    );
}

#[tokio::test]
async fn a_void_after_capture_cancels_the_settlement_and_the_dispute() {
    let rail = SandboxCard::default();
    rail.authorize(&charge(SandboxCard::DISPUTE, "v"), AT).await.unwrap();
    rail.capture("v", AT).await.unwrap();
    rail.void("v", AT).await.unwrap();
    rail.clock().advance(Duration::from_secs(30 * 24 * 3600));
    let kinds: Vec<_> = events(&rail, AT).await.into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        kinds,
        [
            RailEvent::Authorized { amount: eur(100) },
            RailEvent::Captured { amount: eur(100) },
            RailEvent::Voided
        ]
    );
}
