//! `KioskStore` on SQLite: a registration and its audit entry in one transaction through the
//! write gate, so two merchants registering one key at once cannot both have it.

use async_trait::async_trait;
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::UnixMillis;

use super::kiosks::{Kiosk, KioskRegistration, KioskStore};
use super::merchants::Actor;
use super::sqlite_merchants::{audit, json};
use super::{SqliteStorage, StorageError};

#[async_trait]
impl KioskStore for SqliteStorage {
    async fn register_kiosk(
        &self,
        actor: &Actor,
        merchant_id: i64,
        device_key: PublicKey,
        now: UnixMillis,
    ) -> Result<KioskRegistration, StorageError> {
        let mut w = self.begin_write().await?;
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT merchant_id, created_at FROM kiosks WHERE device_key = ?")
                .bind(device_key.0.as_slice())
                .fetch_all(&mut *w.tx)
                .await?;
        let subject = format!("kiosk {device_key}");
        let done = match rows.into_iter().next() {
            Some((owner, _)) if owner != merchant_id => return Ok(KioskRegistration::Taken),
            Some((_, since)) => {
                let kiosk = Kiosk { device_key, created_at: UnixMillis(since) };
                let state = Some(json(&kiosk)?);
                audit(&mut w.tx, actor, "kiosks.renew", &subject, state.clone(), state, now)
                    .await?;
                KioskRegistration::Again(kiosk)
            }
            None => {
                sqlx::query(
                    "INSERT INTO kiosks (device_key, merchant_id, created_at) VALUES (?, ?, ?)",
                )
                .bind(device_key.0.as_slice())
                .bind(merchant_id)
                .bind(now.0)
                .execute(&mut *w.tx)
                .await?;
                let kiosk = Kiosk { device_key, created_at: now };
                let after = Some(json(&kiosk)?);
                audit(&mut w.tx, actor, "kiosks.register", &subject, None, after, now).await?;
                KioskRegistration::Registered(kiosk)
            }
        };
        w.commit().await?;
        Ok(done)
    }

    async fn is_kiosk(
        &self,
        merchant_id: i64,
        device_key: PublicKey,
    ) -> Result<bool, StorageError> {
        let rows: Vec<i64> =
            sqlx::query_scalar("SELECT 1 FROM kiosks WHERE device_key = ? AND merchant_id = ?")
                .bind(device_key.0.as_slice())
                .bind(merchant_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(!rows.is_empty())
    }
}
