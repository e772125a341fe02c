//! The kiosk: a merchant's tablet that redeems visitors' vouchers. It has its own key, apart
//! from the collector key of the same browser, certified by the signed-in merchant for free
//! claims only; and the vouchers it downloaded, so a code typed by its short form is found
//! with no network.

use rexie::Rexie;
use vitrine_protocol::device::{KioskState, KioskVoucher, WorkerReply};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{DeviceCertificate, DeviceRegistration};

use crate::device_db::{self, DbError, Outgoing};
use crate::{device_key, js};

/// The kiosk key's registration, signed now, for the merchant to certify.
pub async fn registration(db: &Rexie) -> Result<WorkerReply, DbError> {
    let record = device_key::kiosk(db).await?;
    let key = device_key::secret(&record)?;
    let registration = Signed::sign(DeviceRegistration::new(key.public(), js::now()), &key);
    Ok(WorkerReply::Registration(registration))
}

/// Keep the kiosk's certificate (it must be for the kiosk's own key) and its vouchers.
pub async fn setup(
    db: &Rexie,
    certificate: Signed<DeviceCertificate>,
    vouchers: &[KioskVoucher],
) -> Result<WorkerReply, DbError> {
    let mut record = device_key::kiosk(db).await?;
    let key = device_key::secret(&record)?;
    if certificate.body.device_key != key.public() {
        return Ok(WorkerReply::Refused {
            reason: "That certificate is for another device.".into(),
        });
    }
    record.certificate = Some(certificate);
    device_db::save_device(db, &record).await?;
    device_db::save_kiosk_vouchers(db, vouchers).await?;
    status(db).await
}

/// The kiosk's certificate, its claims not yet answered, and its vouchers.
pub async fn status(db: &Rexie) -> Result<WorkerReply, DbError> {
    let record = device_db::device_named(db, device_db::KIOSK_KEY).await?;
    let kiosk_key = match &record {
        Some(r) => Some(device_key::secret(r)?.public()),
        None => None,
    };
    let waiting = device_db::outbox(db)
        .await?
        .iter()
        .filter(|e| !e.accepted)
        .filter(|e| match &e.outgoing {
            Outgoing::Claim { claim } => Some(claim.body.device_key()) == kiosk_key.as_ref(),
            Outgoing::Intent { .. } => false,
        })
        .count();
    Ok(WorkerReply::Kiosk(KioskState {
        certified_until: record.and_then(|r| r.certificate).map(|c| c.body.not_after),
        waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
        vouchers: device_db::kiosk_voucher_count(db).await?,
    }))
}
