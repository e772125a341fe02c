use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Buyer, Currency, DeviceCertificate, DeviceRegistration, Format, Intent, IntentId, ItemId,
    KeyId, Money, OfflineLimit, Payment, Quote, UnixMillis,
};

pub fn server_key() -> SecretKey {
    SecretKey::from_bytes([9; 32])
}

pub fn device_key() -> SecretKey {
    SecretKey::from_bytes([7; 32])
}

/// Format 2 fields are left at their defaults in format 1 objects, as a format 1 JSON reads.
fn v2<T: Default>(format: Format, value: T) -> T {
    if format == Format::V2 {
        value
    } else {
        T::default()
    }
}

pub fn quote_in(format: Format) -> Signed<Quote> {
    let q = Quote {
        format,
        key_id: v2(format, KeyId(1)),
        item: ItemId::try_from(201).unwrap(),
        price: Money { amount_minor: 5850, currency: Currency::EUR },
        issued_at: v2(format, UnixMillis(1_787_900_000_000)),
        valid_until: UnixMillis(1_790_000_000_000),
    };
    Signed::sign(q, &server_key())
}

pub fn certificate_in(format: Format) -> Signed<DeviceCertificate> {
    let c = DeviceCertificate {
        format,
        key_id: v2(format, KeyId(1)),
        device_key: device_key().public(),
        not_before: v2(format, UnixMillis(1_787_950_000_000)),
        not_after: UnixMillis(1_789_000_000_000),
        offline_window_ms: v2(format, 259_200_000),
        max_quantity: v2(format, 10),
        limits: vec![OfflineLimit {
            currency: Currency::EUR,
            max_per_intent_minor: 20_000,
            max_outstanding_minor: 50_000,
        }],
    };
    Signed::sign(c, &server_key())
}

pub fn intent_in(format: Format) -> Intent {
    Intent {
        format,
        id: "01890a5d-ac96-774b-bcce-b302099a8057".parse::<IntentId>().unwrap(),
        item: ItemId::try_from(201).unwrap(),
        quantity: 2,
        quote: quote_in(format),
        certificate: certificate_in(format),
        device_time: UnixMillis(1_788_000_000_000),
        payment: Payment { rail: "sandbox-card".into(), token: "4242424242424242".into() },
        buyer: Buyer { wallet: None, email: Some("ada@example.org".into()) },
    }
}

pub fn registration_in(format: Format) -> Signed<DeviceRegistration> {
    let r = DeviceRegistration {
        format,
        device_key: device_key().public(),
        device_time: UnixMillis(1_787_950_000_000),
    };
    Signed::sign(r, &device_key())
}

pub fn quote() -> Signed<Quote> {
    quote_in(Format::V2)
}

pub fn certificate() -> Signed<DeviceCertificate> {
    certificate_in(Format::V2)
}

pub fn intent() -> Intent {
    intent_in(Format::V2)
}

/// The shop's sealed "paid" answer about [`intent`], as of a fixed moment, by key 1.
pub fn paid_answer() -> vitrine_protocol::Order {
    let body = intent();
    let mut order = vitrine_protocol::Order {
        id: body.id,
        state: vitrine_protocol::OrderState::Paid,
        item: body.item,
        quantity: body.quantity,
        total: body.total().unwrap(),
        hold_expires_at: None,
        reason: None,
        suggested_actions: Vec::new(),
        as_of: Some(UnixMillis(1_788_000_100_000)),
        seal: None,
        settlement: None,
    };
    order.seal_with(KeyId(1), &server_key());
    order
}
