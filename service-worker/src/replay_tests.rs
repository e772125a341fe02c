use super::*;

#[test]
fn only_final_codes_in_the_error_shape_reject() {
    let err = |code: &str| format!(r#"{{"code":"{code}","message":"m"}}"#);
    assert_eq!(
        classify(422, None, &err("bad_signature")),
        Outcome::Rejected { message: "m".into() }
    );
    assert!(matches!(
        classify(409, Some("1"), &err("in_progress")),
        Outcome::Retry { after_ms: Some(1000), .. }
    ));
    assert!(matches!(classify(429, None, &err("rate_limited")), Outcome::Retry { .. }));
    assert!(matches!(classify(404, None, "<html>portal</html>"), Outcome::Retry { .. }));
    assert!(matches!(classify(500, None, &err("internal")), Outcome::Retry { .. }));
    assert!(matches!(classify(503, None, ""), Outcome::Retry { .. }));
    assert!(matches!(classify(201, None, "{}"), Outcome::Retry { .. }));
    // A proxy or an older server answering in our shape with a route-level code.
    assert!(matches!(classify(404, None, &err("not_found")), Outcome::Retry { .. }));
    assert!(matches!(classify(405, None, &err("method_not_allowed")), Outcome::Retry { .. }));
    // A final code with a status our server never pairs it with.
    assert!(matches!(classify(400, None, &err("bad_signature")), Outcome::Retry { .. }));
    assert!(matches!(
        classify(425, Some("30"), &err("clock_ahead")),
        Outcome::Retry { after_ms: Some(30_000), .. }
    ));
    assert_eq!(classify(422, None, &err("idempotency_mismatch")), Outcome::Exists);
}

#[test]
fn retry_after_saturates_instead_of_overflowing() {
    let huge = i64::MAX.to_string();
    assert!(matches!(
        classify(503, Some(&huge), ""),
        Outcome::Retry { after_ms: Some(ms), .. } if ms > 0
    ));
    assert!(matches!(classify(503, Some("-5"), ""), Outcome::Retry { after_ms: Some(0), .. }));
}

#[test]
fn only_our_own_not_found_means_the_order_is_lost() {
    let nf = r#"{"code":"not_found","message":"no order"}"#;
    assert!(matches!(order_lookup(404, nf), OrderLookup::Missing));
    assert!(matches!(order_lookup(404, "<html>"), OrderLookup::Unknown));
    assert!(matches!(order_lookup(500, nf), OrderLookup::Unknown));
    assert!(matches!(order_lookup(200, "{}"), OrderLookup::Unknown));
}

#[test]
fn backoff_grows_caps_and_honours_retry_after() {
    assert_eq!(backoff_ms(0, 0.5, None), 1_000);
    assert_eq!(backoff_ms(3, 0.5, None), 8_000);
    assert_eq!(backoff_ms(30, 0.5, None), 300_000);
    assert_eq!(backoff_ms(30, 0.999_999, None), 449_999);
    assert_eq!(backoff_ms(0, 0.0, None), 500);
    assert_eq!(backoff_ms(0, 0.0, Some(5_000)), 5_000);
}
