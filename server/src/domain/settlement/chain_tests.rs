use super::*;
use crate::domain::settlement::{Mint, MintRail, RailEvent, TxStatus};

const WALLET: &str = "0x52908400098527886E0F7030069857D2E4169EE7";
const BLOCK: i64 = 12_000;

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

fn chain(seed: u64, reorg_chance: f64) -> SandboxL1 {
    let params = ChainParams { reorg_chance, ..ChainParams::default() };
    SandboxL1::seeded(seed, Arc::default(), params)
}

async fn events(rail: &SandboxL1, now: UnixMillis) -> Vec<(String, RailEvent)> {
    let all = rail.attestations(0, usize::MAX, now).await.unwrap();
    all.into_iter().map(|a| (a.key, a.event)).collect()
}

/// The kind of each event, by key: what a seed decides, hashes aside.
fn kinds(events: &[(String, RailEvent)]) -> Vec<(String, &'static str)> {
    let kind = |e: &RailEvent| match e {
        RailEvent::MintIncluded { .. } => "included",
        RailEvent::MintFinal { .. } => "final",
        RailEvent::MintDropped { .. } => "dropped",
        _ => "other",
    };
    events.iter().map(|(k, e)| (k.clone(), kind(e))).collect()
}

#[tokio::test]
async fn one_key_mints_once() {
    let l1 = chain(1, 0.0);
    let first = l1.mint(&mint("m1"), at(0)).await.unwrap();
    assert_eq!(l1.mint(&mint("m1"), at(1_000)).await.unwrap(), first);
    assert_eq!(l1.mint(&mint("m1"), at(30_000)).await.unwrap(), first);
    assert_eq!(first.token_id, 1);
    assert_eq!(first.tx.len(), 66);
    assert_eq!(first.tx, tx_hash(1, b"", "m1"));
    let included = events(&l1, at(30_000)).await;
    assert_eq!(included.len(), 1, "one transaction, one inclusion: {included:?}");
    // The next key gets the next token.
    assert_eq!(l1.mint(&mint("m2"), at(30_000)).await.unwrap().token_id, 2);
}

#[tokio::test]
async fn confirmations_grow_until_final() {
    let l1 = chain(1, 0.0);
    let tx = l1.mint(&mint("m1"), at(0)).await.unwrap().tx;
    assert_eq!(l1.status(&tx, at(BLOCK - 1)).await.unwrap(), TxStatus::Pending);
    let included = |confirmations| TxStatus::Included { block: 1, confirmations, needed: 12 };
    assert_eq!(l1.status(&tx, at(BLOCK)).await.unwrap(), included(1));
    assert_eq!(l1.status(&tx, at(2 * BLOCK)).await.unwrap(), included(2));
    assert_eq!(l1.status(&tx, at(12 * BLOCK - 1)).await.unwrap(), included(11));
    assert_eq!(l1.status(&tx, at(12 * BLOCK)).await.unwrap(), TxStatus::Final { block: 1 });
    let stream = l1.attestations(0, 10, at(20 * BLOCK)).await.unwrap();
    let token_id = 1;
    let expected = [
        (RailEvent::MintIncluded { tx: tx.clone(), block: 1, token_id, confirmations: 1 }, BLOCK),
        (RailEvent::MintFinal { tx: tx.clone(), block: 1 }, 12 * BLOCK),
    ];
    let got: Vec<_> = stream.iter().map(|a| (a.event.clone(), a.at.0)).collect();
    assert_eq!(got, expected);
    assert_eq!(l1.status("0xfeed", at(20 * BLOCK)).await.unwrap(), TxStatus::Unknown);
}

#[tokio::test]
async fn a_reorg_drops_recent_mints_and_never_final_ones() {
    let l1 = chain(1, 0.0);
    let old = l1.mint(&mint("old"), at(0)).await.unwrap().tx;
    let t = 12 * BLOCK;
    assert_eq!(l1.status(&old, at(t)).await.unwrap(), TxStatus::Final { block: 1 });
    let new = l1.mint(&mint("new"), at(t)).await.unwrap().tx;
    let t = t + BLOCK;
    assert!(matches!(l1.status(&new, at(t)).await.unwrap(), TxStatus::Included { block: 13, .. }));
    // Far deeper than allowed: clamped below finality, so block 1 stays.
    assert_eq!(l1.inject_reorg(100, at(t)).unwrap(), 1);
    assert_eq!(l1.status(&new, at(t)).await.unwrap(), TxStatus::Dropped);
    assert_eq!(l1.status(&old, at(t)).await.unwrap(), TxStatus::Final { block: 1 });
    // Nothing left to drop; the dropped mint stays dropped and is reported once.
    assert_eq!(l1.inject_reorg(3, at(t + 1)).unwrap(), 0);
    let later = at(t + 30 * BLOCK);
    assert_eq!(l1.status(&new, later).await.unwrap(), TxStatus::Dropped);
    let stream = events(&l1, later).await;
    let dropped: Vec<_> =
        stream.iter().filter(|(_, e)| matches!(e, RailEvent::MintDropped { .. })).collect();
    assert_eq!(dropped, [&("new".to_owned(), RailEvent::MintDropped { tx: new.clone() })]);
    assert!(!stream.iter().any(|(k, e)| k == "new" && matches!(e, RailEvent::MintFinal { .. })));
}

#[tokio::test]
async fn a_re_mint_under_a_new_key_is_a_new_token_and_finalizes() {
    let l1 = chain(1, 0.0);
    let first = l1.mint(&mint("m1"), at(0)).await.unwrap();
    assert_eq!(l1.inject_reorg(1, at(BLOCK)).unwrap(), 1);
    // The old key keeps answering its dropped transaction.
    assert_eq!(l1.mint(&mint("m1"), at(BLOCK)).await.unwrap(), first);
    assert_eq!(l1.status(&first.tx, at(BLOCK)).await.unwrap(), TxStatus::Dropped);
    let again = l1.mint(&mint("m1-retry"), at(BLOCK)).await.unwrap();
    assert_ne!(again.tx, first.tx);
    assert_eq!(again.token_id, 2);
    let done = at(BLOCK + 12 * BLOCK);
    assert_eq!(l1.status(&again.tx, done).await.unwrap(), TxStatus::Final { block: 2 });
}

/// Mint a key every 4 blocks for 40 blocks, asking the chain twice a block until it is 60
/// blocks high, or only when minting and at the end (jumps over empty blocks).
async fn run(seed: u64, chance: f64, every_block: bool) -> Vec<(String, RailEvent)> {
    let l1 = chain(seed, chance);
    for i in 0..120 {
        let now = at(i * BLOCK / 2);
        if i % 8 == 0 && i < 80 {
            l1.mint(&mint(&format!("m{i}")), now).await.unwrap();
        } else if every_block {
            l1.status("0x00", now).await.unwrap();
        }
    }
    events(&l1, at(60 * BLOCK)).await
}

#[tokio::test]
async fn the_chain_is_deterministic_under_a_seed() {
    let one = run(7, 0.3, false).await;
    assert!(one.iter().any(|(_, e)| matches!(e, RailEvent::MintDropped { .. })), "{one:?}");
    assert!(one.iter().any(|(_, e)| matches!(e, RailEvent::MintFinal { .. })), "{one:?}");
    assert_eq!(run(7, 0.3, false).await, one);
    // How often the chain is asked does not change it.
    assert_eq!(run(7, 0.3, true).await, one);
    // Another seed reorgs other blocks.
    let other = run(8, 0.3, false).await;
    assert_ne!(kinds(&other), kinds(&one));
}

#[tokio::test]
async fn a_three_day_jump_catches_up() {
    for chance in [0.0, 0.05] {
        let l1 = chain(3, chance);
        let tx = l1.mint(&mint("m1"), at(0)).await.unwrap().tx;
        l1.clock().advance(Duration::from_secs(3 * 24 * 3600));
        assert_eq!(l1.head(at(0)), 21_600);
        let status = l1.status(&tx, at(0)).await.unwrap();
        assert!(matches!(status, TxStatus::Final { block: 1 } | TxStatus::Dropped), "{status:?}");
        if chance == 0.0 {
            assert_eq!(status, TxStatus::Final { block: 1 });
        }
    }
}

#[tokio::test]
async fn attestations_paginate_in_order() {
    let l1 = chain(1, 0.0);
    for key in ["a", "b", "c"] {
        l1.mint(&mint(key), at(0)).await.unwrap();
    }
    let now = at(20 * BLOCK);
    let all = l1.attestations(0, usize::MAX, now).await.unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq && w[0].at <= w[1].at));
    assert_eq!(all[0].seq, 1);
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = l1.attestations(after, 4, now).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        paged.extend(page);
    }
    assert_eq!(paged, all);
    assert!(l1.attestations(all[5].seq, 10, now).await.unwrap().is_empty());
}

#[tokio::test]
async fn mints_carry_the_fee_and_need_a_wallet() {
    let l1 = chain(1, 0.0);
    let submitted = l1.mint(&mint("m1"), at(0)).await.unwrap();
    assert_eq!(submitted.fee, 630_000);
    let bad = Mint { to: "alice".into(), ..mint("m2") };
    let err = l1.mint(&bad, at(0)).await.unwrap_err();
    assert!(err.0.starts_with("invalid"), "{err}");
    assert!(is_address(WALLET));
    assert!(is_address(&WALLET.to_lowercase()));
    assert!(!is_address(&WALLET[..41]));
    assert!(!is_address(&WALLET.replace("0x", "0X")));
    assert!(!is_address(&WALLET.replace('E', "g")));
    // A refused mint takes no token.
    assert_eq!(l1.mint(&mint("m3"), at(0)).await.unwrap().token_id, 2);
}

#[tokio::test]
async fn a_batch_post_survives_a_reorg() {
    let l1 = chain(1, 0.0);
    // Posted late: it still takes the first block after its posting time.
    l1.head(at(5 * BLOCK));
    let tx = l1.post_batch("b1", at(BLOCK / 2)).unwrap();
    assert_eq!(l1.post_batch("b1", at(3 * BLOCK)).unwrap(), tx);
    assert_eq!(
        l1.status(&tx, at(5 * BLOCK)).await.unwrap(),
        TxStatus::Included { block: 1, confirmations: 5, needed: 12 }
    );
    // Blocks 3 to 5 go; block 1 stays.
    l1.inject_reorg(3, at(5 * BLOCK)).unwrap();
    assert_eq!(l1.landing(&tx, at(5 * BLOCK)).unwrap().unwrap().block, Some(1));
    l1.inject_reorg(5, at(5 * BLOCK)).unwrap();
    assert_eq!(l1.status(&tx, at(5 * BLOCK)).await.unwrap(), TxStatus::Pending);
    let landing = l1.landing(&tx, at(16 * BLOCK)).unwrap().unwrap();
    assert_eq!(landing, Landing { block: Some(6), confirmations: 11, final_at: None });
    let landing = l1.landing(&tx, at(17 * BLOCK)).unwrap().unwrap();
    assert_eq!(landing.final_at, Some(at(17 * BLOCK)));
    // Final is final, however deep the reorg asked for.
    l1.inject_reorg(100, at(17 * BLOCK)).unwrap();
    assert_eq!(l1.landing(&tx, at(17 * BLOCK)).unwrap().unwrap(), landing);
    // No mint, no report.
    assert!(events(&l1, at(17 * BLOCK)).await.is_empty());
}
