use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{ApiError, DeviceRegistration, ErrorCode, UnixMillis};

use crate::helpers::{now, spawn_app};

#[tokio::test]
async fn a_registered_device_gets_a_short_lived_certificate_signed_by_the_server() {
    let app = spawn_app().await;
    let device = app.device().await;
    let cert = device.certificate.verify(&app.server_key.public()).unwrap();
    assert_eq!(cert.device_key, device.key.public());
    let ttl = cert.not_after.0 - now().0;
    assert!((23 * 3600 * 1000..=24 * 3600 * 1000).contains(&ttl), "about a day: {ttl} ms");
    assert!(!cert.limits.is_empty());
}

#[tokio::test]
async fn registrations_must_be_signed_by_their_key_and_current() {
    let app = spawn_app().await;
    let key = SecretKey::from_bytes([3; 32]);
    let other = SecretKey::from_bytes([4; 32]);
    let body = DeviceRegistration::new(key.public(), now());
    let stale = DeviceRegistration::new(key.public(), UnixMillis(now().0 - 3_600_000));
    let ahead = DeviceRegistration::new(key.public(), UnixMillis(now().0 + 6 * 60_000));
    let cases = [Signed::sign(body, &other), Signed::sign(stale, &key), Signed::sign(ahead, &key)];
    for registration in cases {
        let res =
            app.client.post(app.url("/api/v1/devices")).json(&registration).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let error: ApiError = res.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::BadRegistration);
    }
}
