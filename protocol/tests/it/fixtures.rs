use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{
    Buyer, Currency, DeviceCertificate, Intent, IntentId, ItemId, Money, OfflineLimit, Payment,
    Quote, UnixMillis,
};

pub fn server_key() -> SecretKey {
    SecretKey::from_bytes([9; 32])
}

pub fn device_key() -> SecretKey {
    SecretKey::from_bytes([7; 32])
}

pub fn quote() -> Signed<Quote> {
    let q = Quote {
        item: ItemId::try_from(201).unwrap(),
        price: Money { amount_minor: 5850, currency: Currency::EUR },
        valid_until: UnixMillis(1_790_000_000_000),
    };
    Signed::sign(q, &server_key())
}

pub fn certificate() -> Signed<DeviceCertificate> {
    let c = DeviceCertificate {
        device_key: device_key().public(),
        not_after: UnixMillis(1_789_000_000_000),
        limits: vec![OfflineLimit {
            currency: Currency::EUR,
            max_per_intent_minor: 20_000,
            max_outstanding_minor: 50_000,
        }],
    };
    Signed::sign(c, &server_key())
}

pub fn intent() -> Intent {
    Intent {
        id: "01890a5d-ac96-774b-bcce-b302099a8057".parse::<IntentId>().unwrap(),
        item: ItemId::try_from(201).unwrap(),
        quantity: 2,
        quote: quote(),
        certificate: certificate(),
        device_time: UnixMillis(1_788_000_000_000),
        payment: Payment { rail: "sandbox-card".into(), token: "4242424242424242".into() },
        buyer: Buyer { wallet: None, email: Some("ada@example.org".into()) },
    }
}
