//! The writer's drop decisions: supply, the per-buyer limit by device and by email, the
//! allowlist, list-price quotes, and the start and end instants.

use vitrine_protocol::drops::{allowlist, DropRefusal, Terms};
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{Currency, ItemId, Money, UnixMillis};

use super::super::{Book, Decision, DropBook};
use super::order;
use crate::domain::orders::{NewOrder, Refusal};
use crate::storage::orders::{ConflictKind, DropBuyer, DropRow};

const START: i64 = 5_000;
const END: i64 = 9_000;
const DROP: i64 = 3;

fn terms() -> Terms {
    Terms {
        starts_at: UnixMillis(START),
        ends_at: UnixMillis(END),
        price: Money { amount_minor: 100, currency: Currency::EUR },
        per_buyer_limit: 2,
    }
}

fn item() -> ItemId {
    ItemId::try_from(super::ITEM).unwrap()
}

fn drop_book(supply: i64, root: Option<allowlist::Hash>, buyers: Vec<DropBuyer>) -> Book {
    let row =
        DropRow { id: DROP, item: item(), terms: terms(), allowlist_root: root, supply, taken: 0 };
    Book {
        stock: [(item(), 1_000)].into(),
        now: UnixMillis(START),
        drops: DropBook::new(vec![row], buyers),
        ..Book::default()
    }
}

/// An order signed at `at` with the drop's quote, by `device`, for `quantity`.
fn in_drop(n: u8, device: u8, quantity: u32, at: i64) -> NewOrder {
    let mut o = order(n, device, quantity, 100);
    o.quote.issued_at = UnixMillis(START);
    o.quote.valid_until = UnixMillis(END);
    o.device_time = UnixMillis(at);
    o
}

#[test]
fn the_drop_sells_its_supply_and_no_more() {
    let mut book = drop_book(3, None, vec![]);
    let orders: Vec<NewOrder> = (1..=5).map(|n| in_drop(n, n, 1, START)).collect();
    let decisions: Vec<Decision> =
        orders.iter().enumerate().map(|(i, o)| book.decide(i, o)).collect();
    let held = decisions.iter().filter(|d| **d == Decision::New(None)).count();
    assert_eq!(held, 3);
    assert_eq!(decisions[3], Decision::New(Some(ConflictKind::SoldOut)));
    assert_eq!(book.drops.left(DROP, item()), 0);
    assert_eq!(book.bought_in.len(), 5, "sold-out conflicts are recorded against the drop too");
}

#[test]
fn the_start_and_end_instants_sell_and_one_millisecond_outside_does_not() {
    let mut book = drop_book(10, None, vec![]);
    book.now = UnixMillis(END + 60_000); // offline intents arrive after the end
    assert_eq!(book.decide(0, &in_drop(1, 1, 1, START)), Decision::New(None));
    assert_eq!(book.decide(1, &in_drop(2, 2, 1, END)), Decision::New(None));
    assert_eq!(
        book.decide(2, &in_drop(3, 3, 1, START - 1)),
        Decision::Refused(Refusal::Drop(DropRefusal::NotStarted))
    );
    assert_eq!(
        book.decide(3, &in_drop(4, 4, 1, END + 1)),
        Decision::Refused(Refusal::Drop(DropRefusal::Ended))
    );
}

#[test]
fn a_fast_clock_before_the_start_is_told_to_retry() {
    let mut book = drop_book(10, None, vec![]);
    book.now = UnixMillis(START - 300);
    assert_eq!(
        book.decide(0, &in_drop(1, 1, 1, START)),
        Decision::Refused(Refusal::Drop(DropRefusal::StartsSoon { retry_after_ms: 300 }))
    );
    assert_eq!(book.drops.left(DROP, item()), 10, "a refusal takes nothing");
}

#[test]
fn the_limit_counts_per_device_and_per_email_across_batches() {
    let earlier = vec![DropBuyer {
        drop: DROP,
        device_key: PublicKey([9; 32]),
        email: Some("ada@example.com".into()),
        quantity: 1,
    }];
    let mut book = drop_book(100, None, earlier);
    // Another device, same email in another spelling: one more is allowed, then no more.
    let mut a = in_drop(1, 1, 1, START);
    a.buyer.email = Some(" ADA@example.com".into());
    assert_eq!(book.decide(0, &a), Decision::New(None));
    let mut b = in_drop(2, 2, 1, START);
    b.buyer.email = Some("ada@example.com".into());
    assert_eq!(
        book.decide(1, &b),
        Decision::Refused(Refusal::Drop(DropRefusal::LimitReached { limit: 2, bought: 2 }))
    );
    // The same device with a fresh email is still the same buyer.
    let c = in_drop(3, 9, 2, START);
    assert_eq!(
        book.decide(2, &c),
        Decision::Refused(Refusal::Drop(DropRefusal::LimitReached { limit: 2, bought: 1 }))
    );
    assert_eq!(book.decide(3, &in_drop(4, 9, 1, START)), Decision::New(None));
}

#[test]
fn an_allowlist_admits_listed_buyers_with_their_proof_only() {
    let listed = ["ada@example.com", "0xabc", "grace@example.com"];
    let leaves: Vec<_> = listed.iter().map(|e| allowlist::leaf(e)).collect();
    let root = allowlist::root(leaves.clone()).unwrap();
    let proof = |e: &str| allowlist::proof(leaves.clone(), &allowlist::leaf(e)).unwrap();
    let mut book = drop_book(10, Some(root), vec![]);

    let mut by_email = in_drop(1, 1, 1, START);
    by_email.buyer.email = Some("Ada@example.com".into());
    by_email.allowlist_proof = proof("ada@example.com");
    assert_eq!(book.decide(0, &by_email), Decision::New(None));

    let mut by_wallet = in_drop(2, 2, 1, START);
    by_wallet.buyer.wallet = Some("0xABC".into());
    by_wallet.allowlist_proof = proof("0xabc");
    assert_eq!(book.decide(1, &by_wallet), Decision::New(None));

    // A stranger carrying a listed buyer's proof, or none at all.
    let mut stranger = in_drop(3, 3, 1, START);
    stranger.buyer.email = Some("mallory@example.com".into());
    stranger.allowlist_proof = proof("grace@example.com");
    assert_eq!(
        book.decide(2, &stranger),
        Decision::Refused(Refusal::Drop(DropRefusal::NotAllowlisted))
    );
    let bare = in_drop(4, 4, 1, START);
    assert_eq!(
        book.decide(3, &bare),
        Decision::Refused(Refusal::Drop(DropRefusal::NotAllowlisted))
    );
}

#[test]
fn a_list_price_quote_never_buys_a_work_in_a_drop() {
    let mut book = drop_book(10, None, vec![]);
    let before = order(1, 1, 1, 900); // the ordinary quote, signed before the start
    let mut early = before.clone();
    early.device_time = UnixMillis(START - 1);
    assert_eq!(book.decide(0, &early), Decision::Refused(Refusal::Drop(DropRefusal::NotStarted)));
    let mut during = order(2, 2, 1, 900);
    during.device_time = UnixMillis(START + 1);
    assert_eq!(
        book.decide(1, &during),
        Decision::Refused(Refusal::Drop(DropRefusal::NotDropQuote))
    );
    let mut after = order(3, 3, 1, 900);
    after.device_time = UnixMillis(END + 1);
    assert_eq!(book.decide(2, &after), Decision::Refused(Refusal::Drop(DropRefusal::Ended)));
}

#[test]
fn a_refused_id_seen_twice_in_a_batch_is_refused_twice_not_corrupt() {
    let mut book = drop_book(10, None, vec![]);
    let early = in_drop(1, 1, 1, START - 1);
    assert_eq!(book.decide(0, &early), Decision::Refused(Refusal::Drop(DropRefusal::NotStarted)));
    assert_eq!(book.decide(1, &early), Decision::Refused(Refusal::Drop(DropRefusal::NotStarted)));
}
