//! The device's ed25519 key and its certificate: made on first use, renewed whenever online.

use rexie::Rexie;
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{paths, DeviceCertificate, DeviceRegistration, Format, UnixMillis};

use crate::device_db::{self, DbError, DeviceRecord};
use crate::js;

/// Renew when less than this remains, so a buyer going offline has most of a day.
const RENEW_BEFORE_MS: i64 = 6 * 60 * 60 * 1000;

/// Missing, in an older signing format (a device upgraded from an older release), or close
/// to its end.
pub fn needs_renewal(certificate: Option<&DeviceCertificate>, now: UnixMillis) -> bool {
    certificate.is_none_or(|c| {
        c.format != Format::CURRENT || c.not_after.0.saturating_sub(now.0) < RENEW_BEFORE_MS
    })
}

pub fn secret(record: &DeviceRecord) -> Result<SecretKey, DbError> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(&record.secret, &mut bytes)
        .map_err(|_| DbError("the stored device key is damaged".into()))?;
    Ok(SecretKey::from_bytes(bytes))
}

/// The device record, with a fresh certificate when the server can be reached. Offline, the
/// stored certificate (possibly none) is returned unchanged.
pub async fn ensure(db: &Rexie) -> Result<DeviceRecord, DbError> {
    let mut record = match device_db::device(db).await? {
        Some(record) => record,
        None => {
            let bytes: [u8; 32] = js::random_bytes()?;
            device_db::create_device(db, hex::encode(bytes)).await?
        }
    };
    let now = js::now();
    if needs_renewal(record.certificate.as_ref().map(|c| &c.body), now) {
        let key = secret(&record)?;
        match register(&key, now).await {
            Ok(certificate) => {
                record.certificate = Some(certificate);
                device_db::save_device(db, &record).await?;
            }
            Err(error) => {
                js::warn("device registration failed; keeping the old certificate", &error)
            }
        }
    }
    Ok(record)
}

/// The kiosk's key (made on first use). Its certificate comes from the signed-in merchant
/// (`kiosk::setup`), never from the public registration.
pub async fn kiosk(db: &Rexie) -> Result<DeviceRecord, DbError> {
    match device_db::device_named(db, device_db::KIOSK_KEY).await? {
        Some(record) => Ok(record),
        None => {
            let bytes: [u8; 32] = js::random_bytes()?;
            device_db::create_device_named(db, device_db::KIOSK_KEY, hex::encode(bytes)).await
        }
    }
}

async fn register(
    key: &SecretKey,
    now: UnixMillis,
) -> Result<Signed<DeviceCertificate>, wasm_bindgen::JsValue> {
    let registration = Signed::sign(DeviceRegistration::new(key.public(), now), key);
    let body = serde_json::to_string(&registration).map_err(|e| e.to_string())?;
    let response = js::post_json(paths::DEVICES, &body, &[]).await?;
    let text = js::text(&response).await?;
    if !response.ok() {
        return Err(format!("{}: {text}", response.status()).into());
    }
    let certificate: Signed<DeviceCertificate> =
        serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if certificate.body.device_key != key.public() {
        return Err("the server certified another key".into());
    }
    Ok(certificate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renews_when_missing_or_within_six_hours() {
        let cert = |not_after| DeviceCertificate {
            format: Format::V2,
            key_id: vitrine_protocol::KeyId(1),
            device_key: SecretKey::from_bytes([1; 32]).public(),
            not_before: UnixMillis(0),
            not_after: UnixMillis(not_after),
            offline_window_ms: 0,
            max_quantity: 10,
            limits: vec![],
        };
        let now = UnixMillis(1_000_000_000);
        assert!(needs_renewal(None, now));
        assert!(needs_renewal(Some(&cert(now.0 + RENEW_BEFORE_MS - 1)), now));
        assert!(!needs_renewal(Some(&cert(now.0 + RENEW_BEFORE_MS)), now));
        assert!(needs_renewal(Some(&cert(now.0 - 1)), now));
        let old = DeviceCertificate { format: Format::V1, ..cert(now.0 + 2 * RENEW_BEFORE_MS) };
        assert!(needs_renewal(Some(&old), now), "a format 1 certificate is renewed at once");
    }
}
