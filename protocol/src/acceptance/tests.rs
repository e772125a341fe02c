use super::*;
use crate::signing::SecretKey;
use crate::{ItemId, KeyId};

const T0: i64 = 1_800_000_000_000;
const SKEW: i64 = CLOCK_SKEW_MS;
const WINDOW: i64 = 72 * HOUR_MS;

fn cert() -> DeviceCertificate {
    DeviceCertificate {
        format: Format::V2,
        key_id: KeyId(1),
        device_key: SecretKey::from_bytes([7; 32]).public(),
        not_before: UnixMillis(T0),
        not_after: UnixMillis(T0 + 24 * HOUR_MS),
        offline_window_ms: WINDOW,
        max_quantity: 10,
        limits: vec![OfflineLimit {
            currency: Currency::EUR,
            max_per_intent_minor: 20_000,
            max_outstanding_minor: 50_000,
        }],
    }
}

fn quote(amount_minor: i64, currency: Currency) -> Quote {
    Quote {
        format: Format::V2,
        key_id: KeyId(1),
        item: ItemId::try_from(101).unwrap(),
        price: Money { amount_minor, currency },
        issued_at: UnixMillis(T0),
        valid_until: UnixMillis(T0 + 48 * HOUR_MS),
    }
}

fn eur() -> Quote {
    quote(4_500, Currency::EUR)
}

/// `accept` at device time `dt` and server time `now`, with only the variant kept.
fn at(dt: i64, now: i64) -> Result<Money, std::mem::Discriminant<Refusal>> {
    accept(&cert(), &eur(), 1, UnixMillis(dt), UnixMillis(now))
        .map_err(|r| std::mem::discriminant(&r))
}

fn d(r: Refusal) -> Result<Money, std::mem::Discriminant<Refusal>> {
    Err(std::mem::discriminant(&r))
}

#[test]
fn every_window_bound_is_inclusive_and_one_past_refuses() {
    let now = T0 + HOUR_MS;
    assert!(at(T0 - SKEW, now).is_ok(), "not_before − skew is allowed");
    assert_eq!(at(T0 - SKEW - 1, now), d(Refusal::CertificateNotYetValid));
    let end = T0 + 24 * HOUR_MS;
    assert!(at(end, end).is_ok(), "not_after itself is allowed");
    assert_eq!(at(end + 1, end), d(Refusal::CertificateExpired));
    assert!(at(now + SKEW, now).is_ok(), "now + skew is allowed");
    assert_eq!(at(now + SKEW + 1, now), d(Refusal::ClockAhead { retry_after_ms: 1 }));
}

#[test]
fn a_quote_is_honoured_only_between_issue_and_expiry() {
    let mut c = cert();
    c.not_before = UnixMillis(T0 - 10 * HOUR_MS);
    let mut q = eur();
    q.issued_at = UnixMillis(T0);
    let now = UnixMillis(T0 + HOUR_MS);
    let run = |q: &Quote, dt: i64| accept(&c, q, 1, UnixMillis(dt), now);
    assert!(run(&q, T0 - SKEW).is_ok());
    assert_eq!(run(&q, T0 - SKEW - 1), Err(Refusal::QuoteNotYetValid));
    q.valid_until = UnixMillis(T0 + 10);
    assert!(run(&q, T0 + 10).is_ok());
    assert_eq!(run(&q, T0 + 11), Err(Refusal::QuoteExpired));
}

#[test]
fn a_backdated_intent_with_an_old_quote_and_a_fresh_certificate_is_refused() {
    // The attack: register now, reuse a quote seen long ago, date the intent inside it.
    let mut old = eur();
    old.issued_at = UnixMillis(T0 - 30 * 24 * HOUR_MS);
    old.valid_until = UnixMillis(T0 - 28 * 24 * HOUR_MS);
    let dt = UnixMillis(old.valid_until.0 - 1);
    let r = accept(&cert(), &old, 1, dt, UnixMillis(T0 + 1));
    assert_eq!(r, Err(Refusal::CertificateNotYetValid));
}

#[test]
fn an_intent_signed_in_time_but_arriving_after_the_window_is_late() {
    let dt = T0 + HOUR_MS;
    assert!(at(dt, dt + WINDOW).is_ok(), "the window's last moment is in time");
    assert_eq!(at(dt, dt + WINDOW + 1), d(Refusal::Late));
    // Late is only ever said of an intent that was valid when signed.
    assert_eq!(at(T0 + 25 * HOUR_MS, T0 + 200 * HOUR_MS), d(Refusal::CertificateExpired));
}

#[test]
fn quantity_currency_and_per_intent_limits_refuse_with_their_own_reason() {
    let now = UnixMillis(T0 + 1);
    let c = cert();
    let run = |q: &Quote, n| accept(&c, q, n, now, now).map_err(|r| std::mem::discriminant(&r));
    assert_eq!(run(&eur(), 0), d(Refusal::InvalidQuantity { max: 10 }));
    assert_eq!(run(&eur(), 11), d(Refusal::InvalidQuantity { max: 10 }));
    assert_eq!(run(&quote(100, Currency::JPY), 1), d(Refusal::CurrencyNotAllowed(Currency::JPY)));
    let m = Money { amount_minor: 0, currency: Currency::EUR };
    assert_eq!(run(&eur(), 5), d(Refusal::OverPerIntent { total: m, limit: m }));
    assert_eq!(
        run(&quote(i64::MAX / 2, Currency::EUR), 3),
        d(Refusal::InvalidQuantity { max: 10 })
    );
    assert_eq!(
        accept(&c, &eur(), 4, now, now),
        Ok(Money { amount_minor: 18_000, currency: Currency::EUR })
    );
}

#[test]
fn format_one_grants_get_their_bounds_from_the_policy_they_were_issued_under() {
    let mut c = cert();
    c.format = Format::V1;
    c.not_before = UnixMillis::default();
    c.offline_window_ms = 0;
    c.max_quantity = 0;
    let mut q = eur();
    q.format = Format::V1;
    q.issued_at = UnixMillis::default();
    assert_eq!(c.valid_from(), UnixMillis(T0));
    assert_eq!(c.offline_window(), DEFAULT_OFFLINE_WINDOW_MS);
    assert_eq!(q.valid_from(), UnixMillis(T0 - HOUR_MS));
    let now = UnixMillis(T0 + HOUR_MS);
    assert!(accept(&c, &q, 10, now, now).is_err(), "over the per-intent limit");
    assert!(accept(&c, &q, 2, now, now).is_ok());
    assert_eq!(accept(&c, &eur(), 2, now, now), Err(Refusal::FormatMismatch));
}

#[test]
fn outstanding_counts_what_is_not_final() {
    let limit = cert().limits[0];
    let m = |amount_minor| Money { amount_minor, currency: Currency::EUR };
    assert!(within_outstanding(&limit, 45_500, m(4_500)).is_ok());
    assert_eq!(
        within_outstanding(&limit, 45_501, m(4_500)),
        Err(Refusal::OverOutstanding { outstanding: m(45_501), limit: m(50_000) })
    );
    assert!(within_outstanding(&limit, i64::MAX, m(1)).is_err(), "saturates");
}

#[test]
fn the_device_buys_only_in_the_current_format() {
    let now = UnixMillis(T0 + 1);
    let mut old = cert();
    old.format = Format::V1;
    assert_eq!(check_purchase(None, &eur(), 1, 0, now), Err(Refusal::NotRegistered));
    assert_eq!(check_purchase(Some(&old), &eur(), 1, 0, now), Err(Refusal::NeedsRenewal));
    let mut q = eur();
    q.format = Format::V1;
    assert_eq!(check_purchase(Some(&cert()), &q, 1, 0, now), Err(Refusal::QuoteExpired));
    assert!(check_purchase(Some(&cert()), &eur(), 1, 45_500, now).is_ok());
    assert!(check_purchase(Some(&cert()), &eur(), 1, 45_501, now).is_err());
}

#[test]
fn refusals_name_the_amounts() {
    let m = |amount_minor| Money { amount_minor, currency: Currency::EUR };
    let text = Refusal::OverPerIntent { total: m(22_500), limit: m(20_000) }.to_string();
    assert_eq!(
        text,
        "This purchase (225.00 EUR) is above the offline limit of 200.00 EUR per purchase."
    );
}
