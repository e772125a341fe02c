use std::time::Duration;

use super::*;
use crate::domain::settlement::{ChainParams, MintRail, RollupParams, SimClock, TxStatus};

/// The server's clock stands still; the sandbox clock is moved.
const NOW: UnixMillis = UnixMillis(0);
const PRICE: i64 = 1_500;

/// The chain a case pays on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    L1,
    L2,
}

/// Each case once on each chain, as `l1::case` and `l2::case`.
macro_rules! on_both_chains {
    ($($case:ident),+ $(,)?) => {
        mod l1 {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::On::L1).await
            })+
        }
        mod l2 {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::On::L2).await
            })+
        }
    };
}

on_both_chains!(
    a_payment_is_authorized_in_a_block_and_captured_when_that_block_is_final,
    one_key_is_one_transfer_however_often_it_is_asked,
    the_declining_wallet_other_currencies_and_other_wallets_are_declined,
    a_void_before_a_block_withdraws_the_transfer_and_a_late_charge_is_declined,
    a_void_after_a_block_sends_the_whole_amount_back_once_it_is_final,
    refunds_are_idempotent_per_key_and_never_exceed_the_capture,
);

/// What a reorg, a reverted batch or a halted batcher does to a payment, chain by chain.
#[path = "usdc_drop_tests.rs"]
mod drops;

/// The default chain (12 s blocks, final after 12) and rollup (a block every 2 s, a batch
/// every 60 s), and the rail on one of them.
struct Rig {
    clock: Arc<SimClock>,
    l1: Arc<SandboxL1>,
    l2: Arc<SandboxL2>,
    usdc: SandboxUsdc,
    on: On,
}

impl Rig {
    fn new(on: On, seed: u64, reorg_chance: f64, revert_chance: f64) -> Rig {
        let clock = Arc::new(SimClock::default());
        let chain = ChainParams { reorg_chance, ..ChainParams::default() };
        let l1 = Arc::new(SandboxL1::seeded(seed, clock.clone(), chain));
        let rollup = RollupParams { revert_chance, ..RollupParams::default() };
        let l2 = Arc::new(SandboxL2::seeded(seed, l1.clone(), rollup));
        let usdc = match on {
            On::L1 => SandboxUsdc::on_l1(l1.clone()),
            On::L2 => SandboxUsdc::on_l2(l2.clone()),
        };
        Rig { clock, l1, l2, usdc, on }
    }

    /// Seconds between the blocks of the chain it pays on.
    fn block(&self) -> u64 {
        match self.on {
            On::L1 => 12,
            On::L2 => 2,
        }
    }

    /// A transfer sent at 0 s is in the first block.
    fn in_block(&self) -> u64 {
        self.block()
    }

    /// When a transfer sent at 0 s is final. On the L1: in block 1, final with block 12 at
    /// 144 s. On the rollup: in L2 block 1; its batch is posted at 60 s, lands in L1 block 6
    /// (72 s) and is final with L1 block 17: at 204 s.
    fn final_at(&self) -> u64 {
        match self.on {
            On::L1 => 144,
            On::L2 => 204,
        }
    }

    fn pending(&self) -> Outcome {
        Outcome::Pending { retry_after: Duration::from_secs(self.block()) }
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

    /// Where `tx` stands on the chain the rail pays on.
    fn status(&self, tx: &str) -> TxStatus {
        self.usdc.chain.transfer_status(tx, NOW).unwrap()
    }

    /// Both chains' mint streams: a transfer is never on them.
    async fn mint_reports(&self) -> Vec<Attestation> {
        let mut all = self.l1.attestations(0, usize::MAX, NOW).await.unwrap();
        all.extend(self.l2.attestations(0, usize::MAX, NOW).await.unwrap());
        all
    }
}

/// `s` seconds after genesis, on the sandbox clock.
fn secs(s: u64) -> UnixMillis {
    UnixMillis(i64::try_from(s * 1_000).unwrap())
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

fn reference(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Approved { reference } => reference.clone(),
        other => panic!("not approved: {other:?}"),
    }
}

fn declined(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Declined { .. })
}

async fn a_payment_is_authorized_in_a_block_and_captured_when_that_block_is_final(on: On) {
    let rig = Rig::new(on, 1, 0.0, 0.0);
    assert_eq!(rig.authorize("k").await, rig.pending());
    assert_eq!(rig.capture("k").await, rig.pending(), "nothing to take before a block holds it");
    rig.at(rig.in_block());
    let tx = reference(&rig.authorize("k").await);
    assert!(tx.starts_with("0x") && tx.len() == 66, "{tx}");
    assert_eq!(rig.capture("k").await, rig.pending(), "in a block, not final");
    rig.at(rig.final_at() - 1);
    assert_eq!(rig.capture("k").await, rig.pending());
    rig.at(rig.final_at());
    assert_eq!(reference(&rig.capture("k").await), tx);
    let all = rig.usdc.attestations(0, usize::MAX, NOW).await.unwrap();
    let got: Vec<_> = all.iter().map(|a| (a.seq, a.event.clone(), a.at)).collect();
    assert_eq!(
        got,
        [
            (1, RailEvent::Authorized { amount: usd(PRICE) }, secs(rig.in_block())),
            (2, RailEvent::Captured { amount: usd(PRICE) }, secs(rig.final_at())),
        ]
    );
    let sent = rig.transfers();
    assert_eq!(sent.len(), 1);
    let t = &sent[0];
    assert_eq!((t.from.as_str(), t.to.as_str()), (SandboxUsdc::PAYS, SandboxUsdc::SHOP_WALLET));
    assert_eq!((t.units, t.in_block, t.tx.as_str()), (15_000_000, true, tx.as_str()));
    // The chain's clock is the rail's; its name says the chain.
    assert_eq!(rig.usdc.time(NOW), secs(rig.final_at()));
    let name = if on == On::L1 { "sandbox-l1-usdc" } else { "sandbox-l2-usdc" };
    assert_eq!(rig.usdc.name(), name);
    // A transfer is the rail's to report, never a chain's mint stream.
    assert!(rig.mint_reports().await.is_empty());
}

async fn one_key_is_one_transfer_however_often_it_is_asked(on: On) {
    let rig = Rig::new(on, 1, 0.0, 0.0);
    for _ in 0..3 {
        assert_eq!(rig.authorize("k").await, rig.pending());
    }
    rig.at(rig.in_block());
    let first = rig.authorize("k").await;
    assert_eq!(rig.authorize("k").await, first);
    rig.at(rig.final_at());
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

async fn the_declining_wallet_other_currencies_and_other_wallets_are_declined(on: On) {
    let rig = Rig::new(on, 1, 0.0, 0.0);
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
    assert_eq!(rig.usdc.authorize(&charge(&shouted, "shouted"), NOW).await.unwrap(), rig.pending());
    rig.at(rig.final_at());
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

async fn a_void_before_a_block_withdraws_the_transfer_and_a_late_charge_is_declined(on: On) {
    let rig = Rig::new(on, 1, 0.0, 0.0);
    assert_eq!(rig.authorize("k").await, rig.pending());
    let tx = rig.transfers()[0].tx.clone();
    rig.usdc.void("k", NOW).await.unwrap();
    rig.usdc.void("k", NOW).await.unwrap();
    // Voided before it ever reached the rail.
    rig.usdc.void("early", NOW).await.unwrap();
    rig.at(rig.final_at() + 60);
    for key in ["k", "early"] {
        assert!(declined(&rig.authorize(key).await), "{key}");
        assert!(declined(&rig.capture(key).await), "{key}");
    }
    assert_eq!(rig.status(&tx), TxStatus::Unknown, "it never landed");
    let sent = rig.transfers();
    assert_eq!(sent.len(), 1, "the late charge sent nothing: {sent:?}");
    assert!(!sent[0].in_block);
    assert_eq!(rig.events().await, [("k".to_owned(), RailEvent::Voided)]);
}

async fn a_void_after_a_block_sends_the_whole_amount_back_once_it_is_final(on: On) {
    let rig = Rig::new(on, 1, 0.0, 0.0);
    rig.authorize("k").await;
    rig.at(rig.in_block());
    assert!(matches!(rig.authorize("k").await, Outcome::Approved { .. }));
    rig.usdc.void("k", NOW).await.unwrap();
    assert!(declined(&rig.authorize("k").await), "the void wins");
    assert!(declined(&rig.capture("k").await));
    rig.at(rig.final_at() - 1);
    let sent = rig.transfers();
    assert_eq!(sent.len(), 1, "nothing sent back while a reorg or revert could undo the payment");
    rig.at(rig.final_at());
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
    rig.at(rig.final_at() + rig.block());
    assert!(rig.transfers()[1].in_block, "the money is back");
    let refund = Refund { key: "r".into(), charge_key: "k".into(), amount: usd(1) };
    assert!(declined(&rig.usdc.refund(&refund, NOW).await.unwrap()), "nothing left to refund");
    let kinds: Vec<_> = rig.events().await.into_iter().map(|(_, e)| e).collect();
    assert_eq!(kinds, [RailEvent::Authorized { amount: usd(PRICE) }, RailEvent::Voided]);
}

async fn refunds_are_idempotent_per_key_and_never_exceed_the_capture(on: On) {
    let rig = Rig::new(on, 1, 0.0, 0.0);
    let refund =
        |key: &str, minor| Refund { key: key.into(), charge_key: "k".into(), amount: usd(minor) };
    let early = rig.usdc.refund(&refund("r0", 10), NOW).await.unwrap();
    assert!(declined(&early), "nothing captured yet");
    rig.authorize("k").await;
    rig.at(rig.final_at());
    rig.capture("k").await;
    assert_eq!(rig.usdc.refund(&refund("r1", 600), NOW).await.unwrap(), rig.pending());
    assert_eq!(rig.usdc.refund(&refund("r1", 600), NOW).await.unwrap(), rig.pending());
    rig.at(rig.final_at() + rig.block());
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
    assert_eq!(rig.usdc.refund(&refund("r3", 900), NOW).await.unwrap(), rig.pending());
    rig.at(rig.final_at() + 2 * rig.block());
    assert!(matches!(
        rig.usdc.refund(&refund("r3", 900), NOW).await.unwrap(),
        Outcome::Approved { .. }
    ));
    // All of it is back already: a void now has nothing more to send.
    rig.usdc.void("k", NOW).await.unwrap();
    rig.at(rig.final_at() + 60);
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
