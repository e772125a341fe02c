use super::*;
use crate::{Currency, Format, ItemId, KeyId};

const START: UnixMillis = UnixMillis(1_800_000_000_000);
const END: UnixMillis = UnixMillis(1_800_003_600_000);

fn terms() -> Terms {
    Terms {
        starts_at: START,
        ends_at: END,
        price: Money { amount_minor: 4_000, currency: Currency::EUR },
        per_buyer_limit: 2,
    }
}

fn quote(t: &Terms) -> Quote {
    Quote {
        format: Format::V2,
        key_id: KeyId(1),
        item: ItemId::try_from(1).unwrap_or_else(|_| unreachable!()),
        price: t.price,
        issued_at: t.starts_at,
        valid_until: t.ends_at,
    }
}

#[test]
fn the_start_and_end_instants_belong_to_the_drop() {
    let t = terms();
    let q = quote(&t);
    assert_eq!(admit(&t, &q, START, START), Ok(()));
    assert_eq!(admit(&t, &q, START.minus(1), START), Err(DropRefusal::NotStarted));
    assert_eq!(admit(&t, &q, END, END), Ok(()));
    assert_eq!(admit(&t, &q, END.plus(1), END.plus(1)), Err(DropRefusal::Ended));
}

#[test]
fn signed_in_the_drop_and_sent_later_is_still_in_the_drop() {
    let t = terms();
    assert_eq!(admit(&t, &quote(&t), END.minus(5), END.plus(3_600_000)), Ok(()));
}

#[test]
fn a_fast_clock_at_the_start_retries_rather_than_losing_the_purchase() {
    let t = terms();
    let refusal = admit(&t, &quote(&t), START, START.minus(800));
    assert_eq!(refusal, Err(DropRefusal::StartsSoon { retry_after_ms: 800 }));
    assert!(!refusal.map_err(|r| r.code()).unwrap_err().is_final());
}

#[test]
fn only_the_drops_own_quote_is_honoured() {
    let t = terms();
    let list_price = Quote {
        price: Money { amount_minor: 9_000, currency: Currency::EUR },
        issued_at: START.minus(3_600_000),
        valid_until: END.plus(3_600_000),
        ..quote(&t)
    };
    assert_eq!(admit(&t, &list_price, START, START), Err(DropRefusal::NotDropQuote));
    let moved = Quote { issued_at: START.minus(60_000), ..quote(&t) };
    assert_eq!(admit(&t, &moved, START, START), Err(DropRefusal::NotDropQuote));
    let cheaper = Quote { price: Money { amount_minor: 1, currency: Currency::EUR }, ..quote(&t) };
    assert_eq!(admit(&t, &cheaper, START, START), Err(DropRefusal::NotDropQuote));
}

#[test]
fn the_limit_counts_what_the_buyer_already_has() {
    let t = terms();
    assert_eq!(within_limit(&t, 0, 2), Ok(()));
    assert_eq!(within_limit(&t, 1, 1), Ok(()));
    assert_eq!(within_limit(&t, 1, 2), Err(DropRefusal::LimitReached { limit: 2, bought: 1 }));
    assert_eq!(within_limit(&t, u32::MAX, 1).map_err(|r| r.code()), Err(ErrorCode::LimitReached));
}

#[test]
fn every_refusal_but_a_fast_clock_is_final() {
    for r in [
        DropRefusal::NotStarted,
        DropRefusal::Ended,
        DropRefusal::NotDropQuote,
        DropRefusal::LimitReached { limit: 1, bought: 1 },
        DropRefusal::NotAllowlisted,
    ] {
        assert!(r.code().is_final(), "{r:?}");
        assert!(r.to_string().ends_with('.'), "{r}");
    }
}

#[test]
fn the_phase_reads_as_the_storefront_shows_it() {
    let info = DropInfo {
        id: 1,
        title: "Night".into(),
        starts_at: START,
        ends_at: END,
        price: terms().price,
        supply: 100,
        remaining: 37,
        per_buyer_limit: 2,
        allowlist_root: None,
    };
    let before = START.minus((2 * 3600 + 14 * 60 + 5) * 1000);
    assert_eq!(info.phase(before).to_string(), "Starts in 02:14:05");
    assert_eq!(info.phase(START.minus(1)).to_string(), "Starts in 00:00:01");
    assert_eq!(info.phase(START.minus(2 * 86_400_000)).to_string(), "Starts in 2 days 00:00:00");
    assert_eq!(info.phase(START).to_string(), "Live — 37 left");
    assert_eq!(info.phase(END).to_string(), "Live — 37 left");
    assert_eq!(info.phase(END.plus(1)).to_string(), "Ended");
    let gone = DropInfo { remaining: 0, ..info.clone() };
    assert_eq!(gone.phase(START).to_string(), "Sold out");
    // A work in a drop has for sale what the drop has left of its stock.
    assert_eq!(for_sale(5, None), 5);
    assert_eq!(for_sale(5, Some(&info)), 5);
    assert_eq!(for_sale(50, Some(&info)), 37);
    assert_eq!(for_sale(50, Some(&gone)), 0);
}

#[test]
fn the_device_is_told_before_signing_and_its_clock_is_corrected_within_bounds() {
    let t = terms();
    let info = DropInfo {
        id: 1,
        title: "Night".into(),
        starts_at: START,
        ends_at: END,
        price: t.price,
        supply: 1,
        remaining: 0,
        per_buyer_limit: 1,
        allowlist_root: None,
    };
    let q = quote(&t);
    assert!(check_before_signing(&info, &q, START.minus(1)).unwrap_err().contains("not started"));
    assert_eq!(
        check_before_signing(&info, &q, START),
        Ok(()),
        "a stale 0 left is the server's call"
    );
    assert!(check_before_signing(&info, &q, END.plus(1)).unwrap_err().contains("ended"));
    assert_eq!(corrected(UnixMillis(1_000), 250), UnixMillis(1_250));
    assert_eq!(corrected(UnixMillis(0), i64::MAX), UnixMillis(MAX_CLOCK_OFFSET_MS));
    // Sent at 1,000, answered at 1,200, the server said 5,100: 4,000 ahead, ±100.
    assert_eq!(clock_sample(UnixMillis(1_000), UnixMillis(5_100), UnixMillis(1_200)), (4_000, 200));
}
