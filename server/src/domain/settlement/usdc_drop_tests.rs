//! A payment's transfer dropped before it is final: on the L1 by a reorg of its block, on the
//! rollup by a reverted batch; sent again under its key, the same transaction, and captured
//! once its new block is final. A reorg of a batch's post or a halted batcher only delays it.

use super::*;
use crate::domain::settlement::Mint;

#[tokio::test]
async fn a_reorg_on_the_l1_drops_the_transfer_which_is_sent_again_once_and_captured_later() {
    let rig = Rig::new(On::L1, 1, 0.0, 0.0);
    assert_eq!(rig.authorize("k").await, rig.pending());
    // A mint in the same block: the reorg takes both, the mint stream tells only of the mint.
    let mint = Mint {
        key: "m".into(),
        order: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
        item: 7.try_into().unwrap(),
        to: SandboxUsdc::PAYS.into(),
    };
    let minted = rig.l1.mint(&mint, NOW).await.unwrap();
    rig.at(12);
    let tx = reference(&rig.authorize("k").await);
    assert_eq!(rig.status(&tx), TxStatus::Included { block: 1, confirmations: 1, needed: 12 });
    // Blocks 1 and 2 go at 24 s, with the payment's.
    rig.at(24);
    assert_eq!(rig.l1.inject_reorg(2, NOW).unwrap(), 1, "only the mint is counted");
    let keys: Vec<_> = rig.mint_reports().await.into_iter().map(|a| (a.key, a.event)).collect();
    assert_eq!(keys.last(), Some(&("m".to_owned(), RailEvent::MintDropped { tx: minted.tx })));
    assert!(keys.iter().all(|(key, _)| key == "m"), "{keys:?}");
    assert_eq!(rig.authorize("k").await, rig.pending(), "sent again, waiting for a block");
    assert_eq!(rig.capture("k").await, rig.pending());
    rig.at(36);
    assert_eq!(reference(&rig.authorize("k").await), tx, "the same signed transfer");
    assert_eq!(rig.status(&tx), TxStatus::Included { block: 3, confirmations: 1, needed: 12 });
    // Final with block 14, at 168 s: not when block 1 would have been.
    rig.at(rig.final_at());
    assert_eq!(rig.capture("k").await, rig.pending(), "final only with its new block");
    rig.at(167);
    assert_eq!(rig.capture("k").await, rig.pending());
    rig.at(168);
    assert_eq!(reference(&rig.capture("k").await), tx);
    let sent = rig.transfers();
    assert_eq!(sent.iter().map(|t| (t.key.as_str(), t.broadcasts)).collect::<Vec<_>>(), [("k", 2)]);
    // The drop said nothing about money; nothing was reported twice.
    let all = rig.usdc.attestations(0, usize::MAX, NOW).await.unwrap();
    let got: Vec<_> = all.iter().map(|a| (a.seq, a.event.clone(), a.at.0)).collect();
    assert_eq!(
        got,
        [
            (1, RailEvent::Authorized { amount: usd(PRICE) }, 12_000),
            (2, RailEvent::Captured { amount: usd(PRICE) }, 168_000),
        ]
    );
}

#[tokio::test]
async fn a_void_after_a_reorg_withdraws_the_transfer_sent_again_and_sends_nothing_back() {
    let rig = Rig::new(On::L1, 1, 0.0, 0.0);
    rig.authorize("k").await;
    rig.at(12);
    let tx = reference(&rig.authorize("k").await);
    rig.l1.inject_reorg(1, NOW).unwrap();
    // The void finds it dropped and sent again, in no block yet: withdrawn, it never lands.
    rig.usdc.void("k", NOW).await.unwrap();
    rig.at(rig.final_at() + 60);
    assert!(declined(&rig.capture("k").await));
    assert_eq!(rig.status(&tx), TxStatus::Unknown);
    let sent = rig.transfers();
    assert_eq!(sent.len(), 1, "nothing landed, so nothing goes back: {sent:?}");
    assert!(!sent[0].in_block);
    let kinds: Vec<_> = rig.events().await.into_iter().map(|(_, e)| e).collect();
    assert_eq!(kinds, [RailEvent::Authorized { amount: usd(PRICE) }, RailEvent::Voided]);
}

#[tokio::test]
async fn a_reverted_batch_drops_the_transfer_which_is_sent_again_once_and_captured_later() {
    let rig = Rig::new(On::L2, 1, 0.0, 0.0);
    rig.authorize("k").await;
    rig.at(2);
    let tx = reference(&rig.authorize("k").await);
    // Batch 1 is posted at 60 s and reverted in its window: the payment is dropped.
    rig.at(61);
    assert_eq!(rig.l2.inject_revert(NOW).unwrap(), 0, "no mint was dropped");
    let minted = rig.mint_reports().await;
    assert!(minted.is_empty(), "a transfer is not on the mint stream: {minted:?}");
    assert_eq!(rig.authorize("k").await, rig.pending(), "sent again, waiting for a block");
    assert_eq!(rig.capture("k").await, rig.pending());
    // Again at 62 s (L2 block 31, batch 2: posted at 120 s, final with L1 block 22 at 264 s).
    rig.at(62);
    assert_eq!(reference(&rig.authorize("k").await), tx, "the same signed transfer");
    rig.at(rig.final_at());
    assert_eq!(rig.capture("k").await, rig.pending(), "final only with its new batch");
    rig.at(263);
    assert_eq!(rig.capture("k").await, rig.pending());
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
    let rig = Rig::new(On::L2, 1, 0.0, 0.0);
    rig.authorize("reorged").await;
    rig.at(96);
    // L1 blocks 6 to 8 go, the batch's with them: re-posted in block 9, final at 240 s.
    rig.l1.inject_reorg(3, NOW).unwrap();
    rig.at(rig.final_at());
    assert_eq!(rig.capture("reorged").await, rig.pending());
    rig.at(240);
    assert!(matches!(rig.capture("reorged").await, Outcome::Approved { .. }));
    // The batcher is down for ten minutes: the next payment's batch goes up ten minutes late.
    rig.l2.inject_halt(Duration::from_secs(600), NOW).unwrap();
    rig.authorize("halted").await;
    rig.at(900);
    assert!(matches!(rig.authorize("halted").await, Outcome::Approved { .. }), "sequenced");
    assert_eq!(rig.capture("halted").await, rig.pending());
    rig.at(3_600);
    assert!(matches!(rig.capture("halted").await, Outcome::Approved { .. }));
    assert!(rig.transfers().iter().all(|t| t.broadcasts == 1), "nothing was dropped");
}

/// Pay a key every 35 s for ten minutes on a chain that reorgs (under a rollup that reverts),
/// capturing whatever is final and voiding every fourth; the reports and transfers at the end.
async fn run(on: On, seed: u64) -> (Vec<Attestation>, Vec<UsdcTransfer>) {
    let rig = Rig::new(on, seed, 0.3, 0.3);
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

on_both_chains!(reports_come_in_order_once_each_and_the_same_under_a_seed);

async fn reports_come_in_order_once_each_and_the_same_under_a_seed(on: On) {
    let (all, sent) = run(on, 5).await;
    assert!(sent.iter().any(|t| t.broadcasts > 1), "{on:?}: some payment was dropped: {sent:?}");
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
    assert!(captured >= 10, "{on:?}: {all:?}");
    assert_eq!(run(on, 5).await, (all, sent), "{on:?}");
}
