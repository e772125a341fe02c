use std::time::Duration;

use super::*;
use crate::domain::settlement::{ChainParams, RollupParams, SandboxL1, SimClock, TxStatus};

/// The server's clock stands still; the sandbox clock is moved.
const NOW: UnixMillis = UnixMillis(0);
const PRICE: i64 = 1_500;

/// On the default rollup (a block every 2 s, a batch every 60 s) and chain (12 s blocks, final
/// after 12), a transfer sent at 0 s is in L2 block 1 (2 s); its batch is posted at 60 s, lands
/// in L1 block 6 (72 s) and is final with L1 block 17: at 204 s.
const IN_BLOCK: u64 = 2;
const FINAL: u64 = 204;

struct Rig {
    clock: Arc<SimClock>,
    usdc: SandboxUsdc,
}

impl Rig {
    fn new(seed: u64, reorg_chance: f64, revert_chance: f64) -> Rig {
        let clock = Arc::new(SimClock::default());
        let chain = ChainParams { reorg_chance, ..ChainParams::default() };
        let l1 = Arc::new(SandboxL1::seeded(seed, clock.clone(), chain));
        let rollup = RollupParams { revert_chance, ..RollupParams::default() };
        let l2 = Arc::new(SandboxL2::seeded(seed, l1, rollup));
        Rig { clock, usdc: SandboxUsdc::new(l2) }
    }

    /// Move the sandbox clock to `secs` after genesis.
    fn at(&self, secs: u64) {
        let to = Duration::from_secs(secs);
        self.clock.advance(to.saturating_sub(self.clock.offset()));
    }

    async fn authorize(&self, key: &str) -> Outcome {
        self.usdc.authorize(&charge(SandboxUsdc::PAYS, key), NOW).await.unwrap()
    }

    async fn capture(&self, key: &str) -> Outcome {
        self.usdc.capture(key, NOW).await.unwrap()
    }

    async fn events(&self) -> Vec<(String, RailEvent)> {
        let all = self.usdc.attestations(0, usize::MAX, NOW).await.unwrap();
        all.into_iter().map(|a| (a.key, a.event)).collect()
    }

    fn transfers(&self) -> Vec<UsdcTransfer> {
        self.usdc.transfers(NOW).unwrap()
    }
}

fn usd(minor: i64) -> Money {
    Money { amount_minor: minor, currency: Currency::USD }
}

fn charge(token: &str, key: &str) -> Charge {
    Charge {
        order: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
        key: key.into(),
        amount: usd(PRICE),
        token: token.into(),
        accepted_at: NOW,
    }
}

fn pending() -> Outcome {
    Outcome::Pending { retry_after: Duration::from_secs(2) }
}

fn reference(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Approved { reference } => reference.clone(),
        other => panic!("not approved: {other:?}"),
    }
}

fn declined(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Declined { .. })
}

#[tokio::test]
async fn a_payment_is_authorized_in_a_block_and_captured_when_that_block_is_final() {
    let rig = Rig::new(1, 0.0, 0.0);
    assert_eq!(rig.authorize("k").await, pending());
    assert_eq!(rig.capture("k").await, pending(), "nothing to take before a block holds it");
    rig.at(IN_BLOCK);
    let tx = reference(&rig.authorize("k").await);
    assert!(tx.starts_with("0x") && tx.len() == 66, "{tx}");
    assert_eq!(rig.capture("k").await, pending(), "in a block, not final");
    rig.at(FINAL - 1);
    assert_eq!(rig.capture("k").await, pending());
    rig.at(FINAL);
    assert_eq!(reference(&rig.capture("k").await), tx);
    let all = rig.usdc.attestations(0, usize::MAX, NOW).await.unwrap();
    let got: Vec<_> = all.iter().map(|a| (a.seq, a.event.clone(), a.at)).collect();
    assert_eq!(
        got,
        [
            (1, RailEvent::Authorized { amount: usd(PRICE) }, UnixMillis(2_000)),
            (2, RailEvent::Captured { amount: usd(PRICE) }, UnixMillis(204_000)),
        ]
    );
    let sent = rig.transfers();
    assert_eq!(sent.len(), 1);
    let t = &sent[0];
    assert_eq!((t.from.as_str(), t.to.as_str()), (SandboxUsdc::PAYS, SandboxUsdc::SHOP_WALLET));
    assert_eq!((t.units, t.in_block, t.tx.as_str()), (15_000_000, true, tx.as_str()));
    // The rollup's clock is the rail's.
    assert_eq!(rig.usdc.time(NOW), UnixMillis(204_000));
}

#[tokio::test]
async fn one_key_is_one_transfer_however_often_it_is_asked() {
    let rig = Rig::new(1, 0.0, 0.0);
    for _ in 0..3 {
        assert_eq!(rig.authorize("k").await, pending());
    }
    rig.at(IN_BLOCK);
    let first = rig.authorize("k").await;
    assert_eq!(rig.authorize("k").await, first);
    rig.at(FINAL);
    let captured = rig.capture("k").await;
    assert_eq!(rig.capture("k").await, captured, "a second capture answers the first");
    assert_eq!(rig.authorize("k").await, first);
    let sent = rig.transfers();
    assert_eq!(sent.iter().map(|t| (t.key.as_str(), t.broadcasts)).collect::<Vec<_>>(), [("k", 1)]);
    let kinds: Vec<_> = rig.events().await.into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        kinds,
        [RailEvent::Authorized { amount: usd(PRICE) }, RailEvent::Captured { amount: usd(PRICE) }]
    );
}

#[tokio::test]
async fn the_declining_wallet_other_currencies_and_other_wallets_are_declined() {
    let rig = Rig::new(1, 0.0, 0.0);
    let broke = rig.usdc.authorize(&charge(SandboxUsdc::DECLINES, "broke"), NOW).await.unwrap();
    assert_eq!(broke, Outcome::Declined { reason: "insufficient USDC".into() });
    let eur = Charge {
        amount: Money { amount_minor: PRICE, currency: Currency::EUR },
        ..charge(SandboxUsdc::PAYS, "eur")
    };
    let Outcome::Declined { reason } = rig.usdc.authorize(&eur, NOW).await.unwrap() else {
        panic!("a euro price is not paid in USDC");
    };
    assert!(reason.contains("US dollars") && reason.contains("EUR"), "{reason}");
    for (key, token) in
        [("bad", "not-a-wallet"), ("stranger", "0x52908400098527886e0f7030069857d2e4169ee7")]
    {
        assert!(declined(&rig.usdc.authorize(&charge(token, key), NOW).await.unwrap()), "{key}");
    }
    // An address's case is a checksum, not another wallet.
    let shouted = format!("0x{}", SandboxUsdc::PAYS[2..].to_uppercase());
    assert_eq!(rig.usdc.authorize(&charge(&shouted, "shouted"), NOW).await.unwrap(), pending());
    rig.at(FINAL);
    // Decided: the same answer again, and nothing to capture.
    assert_eq!(
        rig.usdc.authorize(&charge(SandboxUsdc::DECLINES, "broke"), NOW).await.unwrap(),
        broke
    );
    for key in ["broke", "eur", "bad", "stranger", "never-seen"] {
        assert!(declined(&rig.capture(key).await), "{key}");
    }
    let sent: Vec<_> = rig.transfers().into_iter().map(|t| t.key).collect();
    assert_eq!(sent, ["shouted"], "nothing sent for the declined");
    let declines: Vec<_> = rig
        .events()
        .await
        .into_iter()
        .filter(|(_, e)| *e == RailEvent::Declined)
        .map(|(key, _)| key)
        .collect();
    assert_eq!(declines, ["broke", "eur", "bad", "stranger"]);
}

#[tokio::test]
async fn a_void_before_a_block_withdraws_the_transfer_and_a_late_charge_is_declined() {
    let rig = Rig::new(1, 0.0, 0.0);
    assert_eq!(rig.authorize("k").await, pending());
    let tx = rig.transfers()[0].tx.clone();
    rig.usdc.void("k", NOW).await.unwrap();
    rig.usdc.void("k", NOW).await.unwrap();
    // Voided before it ever reached the rail.
    rig.usdc.void("early", NOW).await.unwrap();
    rig.at(FINAL + 60);
    for key in ["k", "early"] {
        assert!(declined(&rig.authorize(key).await), "{key}");
        assert!(declined(&rig.capture(key).await), "{key}");
    }
    assert_eq!(rig.usdc.l2().tx_status(&tx, NOW).unwrap(), TxStatus::Unknown, "it never landed");
    let sent = rig.transfers();
    assert_eq!(sent.len(), 1, "the late charge sent nothing: {sent:?}");
    assert!(!sent[0].in_block);
    assert_eq!(rig.events().await, [("k".to_owned(), RailEvent::Voided)]);
}

#[tokio::test]
async fn a_void_after_a_block_sends_the_whole_amount_back_once_it_is_final() {
    let rig = Rig::new(1, 0.0, 0.0);
    rig.authorize("k").await;
    rig.at(IN_BLOCK);
    assert!(matches!(rig.authorize("k").await, Outcome::Approved { .. }));
    rig.usdc.void("k", NOW).await.unwrap();
    assert!(declined(&rig.authorize("k").await), "the void wins");
    assert!(declined(&rig.capture("k").await));
    rig.at(FINAL - 1);
    assert_eq!(rig.transfers().len(), 1, "nothing sent back while a revert could undo the payment");
    rig.at(FINAL);
    rig.usdc.void("k", NOW).await.unwrap();
    let sent = rig.transfers();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let back = &sent[1];
    assert_eq!(back.key, "k/back");
    assert_eq!(
        (back.from.as_str(), back.to.as_str()),
        (SandboxUsdc::SHOP_WALLET, SandboxUsdc::PAYS)
    );
    assert_eq!((back.units, back.in_block), (sent[0].units, false));
    rig.at(FINAL + 2);
    assert!(rig.transfers()[1].in_block, "the money is back");
    let refund = Refund { key: "r".into(), charge_key: "k".into(), amount: usd(1) };
    assert!(declined(&rig.usdc.refund(&refund, NOW).await.unwrap()), "nothing left to refund");
    let kinds: Vec<_> = rig.events().await.into_iter().map(|(_, e)| e).collect();
    assert_eq!(kinds, [RailEvent::Authorized { amount: usd(PRICE) }, RailEvent::Voided]);
}

#[tokio::test]
async fn refunds_are_idempotent_per_key_and_never_exceed_the_capture() {
    let rig = Rig::new(1, 0.0, 0.0);
    let refund =
        |key: &str, minor| Refund { key: key.into(), charge_key: "k".into(), amount: usd(minor) };
    let early = rig.usdc.refund(&refund("r0", 10), NOW).await.unwrap();
    assert!(declined(&early), "nothing captured yet");
    rig.authorize("k").await;
    rig.at(FINAL);
    rig.capture("k").await;
    assert_eq!(rig.usdc.refund(&refund("r1", 600), NOW).await.unwrap(), pending());
    assert_eq!(rig.usdc.refund(&refund("r1", 600), NOW).await.unwrap(), pending());
    rig.at(FINAL + 2);
    let first = rig.usdc.refund(&refund("r1", 600), NOW).await.unwrap();
    assert!(matches!(first, Outcome::Approved { .. }));
    assert_eq!(
        rig.usdc.refund(&refund("r1", 600), NOW).await.unwrap(),
        first,
        "one key, one refund"
    );
    assert!(declined(&rig.usdc.refund(&refund("r2", 901), NOW).await.unwrap()), "600 + 901 > 1500");
    let eur =
        Refund { amount: Money { amount_minor: 1, currency: Currency::EUR }, ..refund("r4", 1) };
    assert!(declined(&rig.usdc.refund(&eur, NOW).await.unwrap()));
    let elsewhere = Refund { charge_key: "other".into(), ..refund("r1", 600) };
    assert!(declined(&rig.usdc.refund(&elsewhere, NOW).await.unwrap()), "r1 is k's");
    assert_eq!(rig.usdc.refund(&refund("r3", 900), NOW).await.unwrap(), pending());
    rig.at(FINAL + 4);
    assert!(matches!(
        rig.usdc.refund(&refund("r3", 900), NOW).await.unwrap(),
        Outcome::Approved { .. }
    ));
    // All of it is back already: a void now has nothing more to send.
    rig.usdc.void("k", NOW).await.unwrap();
    rig.at(FINAL + 60);
    let back: u128 =
        rig.transfers().iter().filter(|t| t.to == SandboxUsdc::PAYS).map(|t| t.units).sum();
    assert_eq!(back, 15_000_000, "never more than was paid");
    let refunded: Vec<_> = rig
        .events()
        .await
        .into_iter()
        .filter(|(_, e)| matches!(e, RailEvent::Refunded { .. }))
        .collect();
    assert_eq!(
        refunded,
        [
            ("r1".into(), RailEvent::Refunded { amount: usd(600) }),
            ("r3".into(), RailEvent::Refunded { amount: usd(900) })
        ]
    );
}

#[tokio::test]
async fn a_reverted_batch_drops_the_transfer_which_is_sent_again_once_and_captured_later() {
    let rig = Rig::new(1, 0.0, 0.0);
    rig.authorize("k").await;
    rig.at(IN_BLOCK);
    let tx = reference(&rig.authorize("k").await);
    // Batch 1 is posted at 60 s and reverted in its window: the payment is dropped.
    rig.at(61);
    assert_eq!(rig.usdc.l2().inject_revert(NOW).unwrap(), 0, "no mint was dropped");
    let minted = rig.usdc.l2().attestations(0, usize::MAX, NOW).await.unwrap();
    assert!(minted.is_empty(), "a transfer is not on the mint stream: {minted:?}");
    assert_eq!(rig.authorize("k").await, pending(), "sent again, waiting for a block");
    assert_eq!(rig.capture("k").await, pending());
    // Again at 62 s (L2 block 31, batch 2: posted at 120 s, final with L1 block 22 at 264 s).
    rig.at(62);
    assert_eq!(reference(&rig.authorize("k").await), tx, "the same signed transfer");
    rig.at(FINAL);
    assert_eq!(rig.capture("k").await, pending(), "final only with its new batch");
    rig.at(263);
    assert_eq!(rig.capture("k").await, pending());
    rig.at(264);
    assert_eq!(reference(&rig.capture("k").await), tx);
    let sent = rig.transfers();
    assert_eq!(sent.iter().map(|t| (t.key.as_str(), t.broadcasts)).collect::<Vec<_>>(), [("k", 2)]);
    // The drop said nothing about money; nothing was reported twice.
    let all = rig.usdc.attestations(0, usize::MAX, NOW).await.unwrap();
    let got: Vec<_> = all.iter().map(|a| (a.seq, a.event.clone(), a.at.0)).collect();
    assert_eq!(
        got,
        [
            (1, RailEvent::Authorized { amount: usd(PRICE) }, 2_000),
            (2, RailEvent::Captured { amount: usd(PRICE) }, 264_000),
        ]
    );
}

#[tokio::test]
async fn a_reorg_of_the_batch_or_a_halted_batcher_only_makes_the_capture_wait() {
    let rig = Rig::new(1, 0.0, 0.0);
    rig.authorize("reorged").await;
    rig.at(96);
    // L1 blocks 6 to 8 go, the batch's with them: re-posted in block 9, final at 240 s.
    rig.usdc.l2().l1().inject_reorg(3, NOW).unwrap();
    rig.at(FINAL);
    assert_eq!(rig.capture("reorged").await, pending());
    rig.at(240);
    assert!(matches!(rig.capture("reorged").await, Outcome::Approved { .. }));
    // The batcher is down for ten minutes: the next payment's batch goes up ten minutes late.
    rig.usdc.l2().inject_halt(Duration::from_secs(600), NOW).unwrap();
    rig.authorize("halted").await;
    rig.at(900);
    assert!(matches!(rig.authorize("halted").await, Outcome::Approved { .. }), "sequenced");
    assert_eq!(rig.capture("halted").await, pending());
    rig.at(3_600);
    assert!(matches!(rig.capture("halted").await, Outcome::Approved { .. }));
    assert!(rig.transfers().iter().all(|t| t.broadcasts == 1), "nothing was dropped");
}

/// Pay a key every 35 s for ten minutes on a chain that reorgs and a rollup that reverts,
/// capturing whatever is final and voiding every fourth; the reports and transfers at the end.
async fn run(seed: u64) -> (Vec<Attestation>, Vec<UsdcTransfer>) {
    let rig = Rig::new(seed, 0.3, 0.3);
    for i in 0..18 {
        rig.at(i * 35);
        rig.authorize(&format!("k{i}")).await;
        for j in 0..i {
            rig.capture(&format!("k{j}")).await;
        }
        if i % 4 == 3 {
            rig.usdc.void(&format!("k{}", i - 1), NOW).await.unwrap();
        }
    }
    rig.at(7_200);
    for j in 0..18 {
        rig.capture(&format!("k{j}")).await;
    }
    (rig.usdc.attestations(0, usize::MAX, NOW).await.unwrap(), rig.transfers())
}

#[tokio::test]
async fn reports_come_in_order_once_each_and_the_same_under_a_seed() {
    let (all, sent) = run(5).await;
    assert!(sent.iter().any(|t| t.broadcasts > 1), "some payment was dropped: {sent:?}");
    assert_eq!(
        all.iter().map(|a| a.seq).collect::<Vec<_>>(),
        (1..=all.len() as u64).collect::<Vec<_>>()
    );
    assert!(all.windows(2).all(|w| w[0].at <= w[1].at), "in time order");
    let mut seen = std::collections::HashSet::new();
    for a in &all {
        let kind = std::mem::discriminant(&a.event);
        assert!(seen.insert((a.key.clone(), kind)), "reported twice: {a:?}");
    }
    let captured = all.iter().filter(|a| matches!(a.event, RailEvent::Captured { .. })).count();
    assert!(captured >= 10, "{all:?}");
    assert_eq!(run(5).await, (all, sent));
}
