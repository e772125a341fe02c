use super::*;
use vitrine_protocol::{Intent, UnixMillis};

#[test]
fn schema_steps_only_add_and_keep_the_outbox() {
    let all: Vec<&str> = stores().collect();
    let mut unique = all.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "no store is declared twice");
    for keep in [DEVICE, OUTBOX, RECEIPTS] {
        assert!(all.contains(&keep), "{keep} is declared by every build");
    }
    assert!(STEPS.windows(2).all(|w| w[1].0 == w[0].0 + 1), "versions go up one at a time");
    assert_eq!(VERSION, 4);
}

/// A device upgraded from the release before format 2 still has format 1 intents queued,
/// stored as that release wrote them (no `v`, no lower bounds, no `accepted`). This build
/// must read them and send them unchanged, with signatures that still verify.
#[test]
fn outbox_entries_written_by_the_previous_release_still_read_and_verify() {
    use vitrine_protocol::signing::SecretKey;
    use vitrine_protocol::{
        Buyer, Currency, Format, ItemId, KeyId, Money, OfflineLimit, Payment, Quote,
    };
    let server = SecretKey::from_bytes([9; 32]);
    let device = SecretKey::from_bytes([7; 32]);
    let quote = Quote {
        format: Format::V1,
        key_id: KeyId::default(),
        item: ItemId::try_from(201).unwrap(),
        price: Money { amount_minor: 5850, currency: Currency::EUR },
        issued_at: UnixMillis::default(),
        valid_until: UnixMillis(1_790_000_000_000),
    };
    let cert = DeviceCertificate {
        format: Format::V1,
        key_id: KeyId::default(),
        device_key: device.public(),
        not_before: UnixMillis::default(),
        not_after: UnixMillis(1_789_000_000_000),
        offline_window_ms: 0,
        max_quantity: 0,
        limits: vec![OfflineLimit {
            currency: Currency::EUR,
            max_per_intent_minor: 20_000,
            max_outstanding_minor: 50_000,
        }],
    };
    let intent = Signed::sign(
        Intent {
            format: Format::V1,
            id: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
            item: quote.item,
            quantity: 2,
            quote: Signed::sign(quote, &server),
            certificate: Signed::sign(cert, &server),
            device_time: UnixMillis(1_788_000_000_000),
            payment: Payment { rail: "sandbox-card".into(), token: "4242424242424242".into() },
            buyer: Buyer::default(),
        },
        &device,
    );
    let mut old = serde_json::json!({
        "id": intent.body.id, "intent": intent, "attempts": 3,
        "next_attempt_at": 1_788_000_100_000i64, "last_error": "server unreachable",
    });
    for name in ["quote", "certificate"] {
        let map = old["intent"][name].as_object_mut().unwrap();
        for field in ["v", "key_id", "issued_at", "not_before", "offline_window_ms", "max_quantity"]
        {
            map.remove(field);
        }
    }
    old["intent"].as_object_mut().unwrap().remove("v");
    let entry: OutboxEntry = serde_json::from_value(old).unwrap();
    assert!(!entry.accepted);
    let Outgoing::Intent { intent } = &entry.outgoing else { panic!("an old record is an intent") };
    assert_eq!(intent.body.format, Format::V1);
    assert!(intent.verify(&device.public()).is_ok());
    assert!(intent.body.quote.verify(&server.public()).is_ok());
    assert!(intent.body.certificate.verify(&server.public()).is_ok());
    // Written back, it reads the same: the shape on disk did not change for intents.
    let again: OutboxEntry = serde_json::from_str(&serde_json::to_string(&entry).unwrap()).unwrap();
    assert!(matches!(again.outgoing, Outgoing::Intent { .. }));
    assert!(serde_json::to_value(&entry).unwrap().get("intent").is_some());
}
