use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{
    Buyer, Currency, Format, IntentId, ItemId, KeyId, Money, OfflineLimit, Quote, UnixMillis,
};

use super::{Book, Decision};
use crate::domain::orders::{Admission, NewOrder};
use crate::storage::orders::{ConflictKind, StoredAnswer};

const ITEM: i64 = 7;

fn order(n: u8, device: u8, quantity: u32, price: i64) -> NewOrder {
    NewOrder {
        id: IntentId::new_v7(1_000 + u64::from(n), [n; 10]),
        request_hash: [n; 32],
        device_key: PublicKey([device; 32]),
        item: ItemId::try_from(ITEM).unwrap(),
        quantity,
        total: Money { amount_minor: price * i64::from(quantity), currency: Currency::EUR },
        rail: "sandbox-card".into(),
        token: "tok".into(),
        buyer: Buyer::default(),
        device_time: UnixMillis(1_000),
        admission: Admission::InTime,
        limit: OfflineLimit {
            currency: Currency::EUR,
            max_per_intent_minor: 100_000,
            max_outstanding_minor: 10_000,
        },
        quote: Quote {
            format: Format::V2,
            key_id: KeyId(1),
            item: ItemId::try_from(ITEM).unwrap(),
            price: Money { amount_minor: price, currency: Currency::EUR },
            issued_at: UnixMillis(0),
            valid_until: UnixMillis(10_000),
        },
        allowlist_proof: Vec::new(),
        claim: None,
    }
}

fn book(stock: i64) -> Book {
    Book { stock: [(ItemId::try_from(ITEM).unwrap(), stock)].into(), ..Book::default() }
}

fn decide_all(book: &mut Book, orders: &[NewOrder]) -> Vec<Decision> {
    orders.iter().enumerate().map(|(i, o)| book.decide(i, o)).collect()
}

#[test]
fn the_batch_sells_the_last_editions_in_arrival_order() {
    let mut book = book(3);
    let orders = [order(1, 1, 2, 100), order(2, 2, 2, 100), order(3, 3, 1, 100)];
    let decisions = decide_all(&mut book, &orders);
    assert_eq!(
        decisions,
        [Decision::New(None), Decision::New(Some(ConflictKind::SoldOut)), Decision::New(None)]
    );
    let item = ItemId::try_from(ITEM).unwrap();
    assert_eq!(book.taken[&item], 3, "taken = what the held orders hold");
    assert_eq!(book.stock[&item], 0);
}

#[test]
fn a_device_cannot_pass_its_limit_inside_one_batch() {
    let mut book = book(100);
    // 10,000 allowed outstanding; 3,000 already held before this batch.
    book.outstanding.insert((PublicKey([1; 32]), Currency::EUR), 3_000);
    let orders = [
        order(1, 1, 1, 4_000),
        order(2, 1, 1, 4_000), // 11,000 > 10,000
        order(3, 1, 1, 3_000), // exactly 10,000
        order(4, 2, 1, 4_000), // another device is not affected
    ];
    assert_eq!(
        decide_all(&mut book, &orders),
        [
            Decision::New(None),
            Decision::New(Some(ConflictKind::OverLimit)),
            Decision::New(None),
            Decision::New(None),
        ]
    );
    assert_eq!(book.outstanding[&(PublicKey([1; 32]), Currency::EUR)], 10_000);
}

#[test]
fn late_taken_unknown_and_repeated_ids() {
    let mut book = book(5);
    let taken = order(1, 1, 1, 100);
    let answer = StoredAnswer { request_hash: [9; 32], status: 201, body: "{}".into() };
    book.answers.insert(taken.id, answer.clone());
    let mut late = order(2, 1, 1, 100);
    late.admission = Admission::Late;
    let mut unknown = order(3, 1, 1, 100);
    unknown.item = ItemId::try_from(8).unwrap();
    let first = order(4, 1, 1, 100);
    let again = first.clone();
    assert_eq!(
        decide_all(&mut book, &[taken, late, unknown, first, again]),
        [
            Decision::Existing(answer),
            Decision::New(Some(ConflictKind::Late)),
            Decision::UnknownItem,
            Decision::New(None),
            Decision::SameAs(3),
        ]
    );
    assert_eq!(book.stock[&ItemId::try_from(ITEM).unwrap()], 4, "only the held order took stock");
}

#[test]
fn a_kiosk_claims_for_many_people_and_each_email_still_counts_once() {
    use crate::domain::orders::{ClaimTicket, Refusal};
    let mut book = book(10);
    let claim = |n: u8, serial, kiosk, email: Option<&str>| {
        let mut o = order(n, 1, 1, 0);
        o.claim = Some(ClaimTicket { batch: 1, serial, per_person_limit: 1, kiosk });
        o.buyer.email = email.map(str::to_owned);
        o
    };
    let limit = Decision::Refused(Refusal::ClaimLimit { limit: 1 });
    let orders = [
        claim(1, 1, true, None),
        claim(2, 2, true, None),
        claim(3, 3, true, Some("ada@example.org")),
        claim(4, 4, true, Some("ADA@example.org")),
        // The same device key, not as a kiosk: its kiosk claims did not count for it.
        claim(5, 5, false, None),
        claim(6, 6, false, None),
    ];
    assert_eq!(
        decide_all(&mut book, &orders),
        [
            Decision::New(None),
            Decision::New(None),
            Decision::New(None),
            limit.clone(),
            Decision::New(None),
            limit,
        ]
    );
}

#[path = "drop_tests.rs"]
mod drops;
