use super::*;
use crate::domain::settlement::chain::tx_hash;
use crate::domain::settlement::{ChainParams, Mint, MintRail, RailEvent, TxStatus};

const WALLET: &str = "0x52908400098527886e0f7030069857d2e4169ee7";
const SECOND: i64 = 1_000;
const L1_BLOCK: i64 = 12 * SECOND;
const DELAY: Duration = Duration::from_secs(30);

fn at(ms: i64) -> UnixMillis {
    UnixMillis(ms)
}

fn mint(key: &str) -> Mint {
    Mint {
        key: key.into(),
        order: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
        item: 7.try_into().unwrap(),
        to: WALLET.into(),
    }
}

/// A rollup with a 30 s challenge window on a chain of 12 s blocks, final after 12.
fn rollup(seed: u64, reorg_chance: f64, revert_chance: f64) -> SandboxL2 {
    let chain = ChainParams { reorg_chance, ..ChainParams::default() };
    let l1 = Arc::new(SandboxL1::seeded(seed, Arc::default(), chain));
    let params = RollupParams { finality_delay: DELAY, revert_chance, ..RollupParams::default() };
    SandboxL2::seeded(seed, l1, params)
}

async fn events(rail: &SandboxL2, now: UnixMillis) -> Vec<(String, RailEvent)> {
    let all = rail.attestations(0, usize::MAX, now).await.unwrap();
    all.into_iter().map(|a| (a.key, a.event)).collect()
}

fn included(block: u64, confirmations: u32) -> TxStatus {
    TxStatus::Included { block, confirmations, needed: 12 }
}

#[tokio::test]
async fn a_mint_is_soft_confirmed_in_the_next_l2_block() {
    let l2 = rollup(1, 0.0, 0.0);
    let submitted = l2.mint(&mint("m1"), at(SECOND)).await.unwrap();
    assert_eq!(l2.status(&submitted.tx, at(2 * SECOND - 1)).await.unwrap(), TxStatus::Pending);
    assert_eq!(l2.status(&submitted.tx, at(2 * SECOND)).await.unwrap(), included(1, 0));
    let stream = l2.attestations(0, 10, at(2 * SECOND)).await.unwrap();
    assert_eq!(stream.len(), 1);
    let event =
        RailEvent::MintIncluded { tx: submitted.tx, block: 1, token_id: 1, confirmations: 0 };
    assert_eq!((stream[0].seq, &stream[0].event, stream[0].at), (1, &event, at(2 * SECOND)));
}

#[tokio::test]
async fn a_mint_is_final_once_its_batch_is_final_on_l1_and_the_window_passed() {
    let l2 = rollup(1, 0.0, 0.0);
    let tx = l2.mint(&mint("m1"), at(0)).await.unwrap().tx;
    // Block 1 (2 s) is in batch 1, posted at 60 s; the chain takes it in block 6 (72 s).
    assert_eq!(l2.batch_tx(&tx, at(60 * SECOND - 1)).unwrap(), None);
    assert_eq!(l2.status(&tx, at(60 * SECOND - 1)).await.unwrap(), included(1, 0));
    let post = l2.batch_tx(&tx, at(60 * SECOND)).unwrap().unwrap();
    assert_eq!(l2.status(&tx, at(60 * SECOND)).await.unwrap(), included(1, 0));
    assert_eq!(l2.status(&tx, at(6 * L1_BLOCK)).await.unwrap(), included(1, 1));
    // Final on the chain at block 17 (204 s), then 30 s of challenge window.
    let l1_final = 17 * L1_BLOCK;
    assert_eq!(l2.l1().status(&post, at(l1_final)).await.unwrap(), TxStatus::Final { block: 6 });
    assert_eq!(l2.status(&tx, at(l1_final)).await.unwrap(), included(1, 12));
    let final_at = l1_final + 30 * SECOND;
    assert_eq!(l2.status(&tx, at(final_at - 1)).await.unwrap(), included(1, 14));
    assert_eq!(l2.status(&tx, at(final_at)).await.unwrap(), TxStatus::Final { block: 1 });
    let stream = l2.attestations(0, 10, at(final_at + 600 * SECOND)).await.unwrap();
    let last = stream.last().unwrap();
    assert_eq!(stream.len(), 2);
    assert_eq!((&last.event, last.at), (&RailEvent::MintFinal { tx, block: 1 }, at(final_at)));
}

#[tokio::test]
async fn an_l1_reorg_of_the_batch_reposts_it_and_loses_no_mint() {
    let l2 = rollup(1, 0.0, 0.0);
    let tx = l2.mint(&mint("m1"), at(0)).await.unwrap().tx;
    let now = 8 * L1_BLOCK;
    assert_eq!(l2.status(&tx, at(now)).await.unwrap(), included(1, 3));
    let post = l2.batch_tx(&tx, at(now)).unwrap().unwrap();
    // Blocks 6 to 8 go, the batch's with them: back to the mempool, not lost.
    assert_eq!(l2.l1().inject_reorg(3, at(now)).unwrap(), 0);
    assert_eq!(l2.l1().status(&post, at(now)).await.unwrap(), TxStatus::Pending);
    assert_eq!(l2.status(&tx, at(now)).await.unwrap(), included(1, 0));
    let l1_status = l2.l1().status(&post, at(now + L1_BLOCK)).await.unwrap();
    assert_eq!(l1_status, TxStatus::Included { block: 9, confirmations: 1, needed: 12 });
    // Final on the chain at block 20 (240 s), final on the rollup 30 s later.
    let final_at = 20 * L1_BLOCK + 30 * SECOND;
    assert_eq!(l2.status(&tx, at(final_at - 1)).await.unwrap(), included(1, 14));
    assert_eq!(l2.status(&tx, at(final_at)).await.unwrap(), TxStatus::Final { block: 1 });
    let stream = events(&l2, at(final_at)).await;
    assert!(!stream.iter().any(|(_, e)| matches!(e, RailEvent::MintDropped { .. })), "{stream:?}");
}

#[tokio::test]
async fn a_reverted_batch_drops_its_mints() {
    let l2 = rollup(1, 0.0, 0.0);
    let a = l2.mint(&mint("a"), at(0)).await.unwrap().tx;
    let b = l2.mint(&mint("b"), at(10 * SECOND)).await.unwrap().tx;
    // Not posted yet: nothing to revert.
    assert_eq!(l2.inject_revert(at(30 * SECOND)).unwrap(), 0);
    assert_eq!(l2.inject_revert(at(61 * SECOND)).unwrap(), 2);
    assert_eq!(l2.status(&a, at(61 * SECOND)).await.unwrap(), TxStatus::Dropped);
    assert_eq!(l2.status(&b, at(61 * SECOND)).await.unwrap(), TxStatus::Dropped);
    // A mint after the revert is in the next batch and finalizes.
    let c = l2.mint(&mint("c"), at(61 * SECOND)).await.unwrap().tx;
    let done = at(3600 * SECOND);
    assert_eq!(l2.status(&c, done).await.unwrap(), TxStatus::Final { block: 31 });
    // A final batch is out of reach.
    assert_eq!(l2.inject_revert(done).unwrap(), 0);
    assert_eq!(l2.status(&c, done).await.unwrap(), TxStatus::Final { block: 31 });
    let stream = events(&l2, done).await;
    let dropped: Vec<_> = stream
        .iter()
        .filter(|(_, e)| matches!(e, RailEvent::MintDropped { .. }))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(dropped, ["a", "b"]);
    let finals: Vec<_> = stream
        .iter()
        .filter(|(_, e)| matches!(e, RailEvent::MintFinal { .. }))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(finals, ["c"]);
}

#[tokio::test]
async fn one_key_mints_once_on_the_rollup() {
    let l2 = rollup(1, 0.0, 0.0);
    let first = l2.mint(&mint("m1"), at(0)).await.unwrap();
    assert_eq!(l2.mint(&mint("m1"), at(SECOND)).await.unwrap(), first);
    assert_eq!(l2.mint(&mint("m1"), at(90 * SECOND)).await.unwrap(), first);
    assert_eq!((first.token_id, first.fee), (1, 2_100));
    assert_eq!(first.tx.len(), 66);
    // The same key and seed on the chain is another transaction.
    assert_ne!(first.tx, tx_hash(1, b"", "m1"));
    assert_eq!(events(&l2, at(90 * SECOND)).await.len(), 1);
    assert_eq!(l2.mint(&mint("m2"), at(90 * SECOND)).await.unwrap().token_id, 2);
    let bad = Mint { to: String::new(), ..mint("m3") };
    assert!(l2.mint(&bad, at(90 * SECOND)).await.unwrap_err().0.starts_with("invalid"));
}

/// Mint a key every 35 s for ten minutes on a chain that reorgs and a rollup that reverts,
/// asking every 7 s or only when minting (so batches fall due between calls).
async fn run(seed: u64, every_step: bool) -> Vec<(String, RailEvent)> {
    let l2 = rollup(seed, 0.3, 0.3);
    for i in 0..90 {
        let now = at(i * 7 * SECOND);
        if i % 5 == 0 {
            l2.mint(&mint(&format!("m{i}")), now).await.unwrap();
        } else if every_step {
            // The chain asked before the rollup: where batches land must not change.
            l2.l1().status("0x00", now).await.unwrap();
            l2.status("0x00", now).await.unwrap();
        }
    }
    events(&l2, at(3600 * SECOND)).await
}

#[tokio::test]
async fn the_rollup_is_deterministic_under_a_seed() {
    let one = run(5, false).await;
    assert!(one.iter().any(|(_, e)| matches!(e, RailEvent::MintDropped { .. })), "{one:?}");
    assert!(one.iter().any(|(_, e)| matches!(e, RailEvent::MintFinal { .. })), "{one:?}");
    assert_eq!(run(5, false).await, one);
    assert_eq!(run(5, true).await, one);
    let kinds = |events: &[(String, RailEvent)]| -> Vec<(String, bool)> {
        events
            .iter()
            .map(|(k, e)| (k.clone(), matches!(e, RailEvent::MintDropped { .. })))
            .collect()
    };
    assert_ne!(kinds(&run(6, false).await), kinds(&one));
}

#[tokio::test]
async fn a_halted_batcher_posts_late_and_its_mints_are_final_late() {
    let l2 = rollup(1, 0.0, 0.0);
    let tx = l2.mint(&mint("m1"), at(0)).await.unwrap().tx;
    // Normally final at 234 s (previous test), within what the rollup says finality takes.
    assert!(l2.finality() >= Duration::from_secs(234));
    // The batcher is down from 10 s for ten minutes: batch 1, due at 60 s, goes up at 610 s.
    let back = l2.inject_halt(Duration::from_secs(600), at(10 * SECOND)).unwrap();
    assert_eq!(back, at(610 * SECOND));
    assert_eq!(l2.batch_tx(&tx, at(609 * SECOND)).unwrap(), None);
    assert_eq!(l2.status(&tx, at(300 * SECOND)).await.unwrap(), included(1, 0));
    assert!(l2.batch_tx(&tx, at(610 * SECOND)).unwrap().is_some());
    // Landed in L1 block 51 (612 s), final at block 62 (744 s), then the 30 s window.
    let final_at = 62 * L1_BLOCK + 30 * SECOND;
    assert_eq!(l2.status(&tx, at(final_at - 1)).await.unwrap(), included(1, 14));
    assert_eq!(l2.status(&tx, at(final_at)).await.unwrap(), TxStatus::Final { block: 1 });
    let stream = events(&l2, at(final_at)).await;
    assert_eq!(stream.last().unwrap().1, RailEvent::MintFinal { tx, block: 1 });
}
