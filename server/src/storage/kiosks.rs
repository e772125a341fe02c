//! Kiosks: device keys a merchant registered to redeem vouchers for visitors. SQL only; what a
//! kiosk may do is `domain::claims`' and `domain::keys`' to say.

use async_trait::async_trait;
use serde::Serialize;
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::UnixMillis;

use super::merchants::Actor;
use super::StorageError;

/// A kiosk as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kiosk {
    pub device_key: PublicKey,
    pub created_at: UnixMillis,
}

/// What registering a kiosk came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskRegistration {
    /// The key is the merchant's kiosk from now on.
    Registered(Kiosk),
    /// The key was the merchant's kiosk already (since then).
    Again(Kiosk),
    /// The key is another merchant's kiosk: nothing was written.
    Taken,
}

#[async_trait]
pub trait KioskStore: Send + Sync + 'static {
    /// Record `device_key` as `merchant_id`'s kiosk, with an audit entry (also when it was
    /// already: each registration hands out a certificate).
    async fn register_kiosk(
        &self,
        actor: &Actor,
        merchant_id: i64,
        device_key: PublicKey,
        now: UnixMillis,
    ) -> Result<KioskRegistration, StorageError>;

    /// Whether `device_key` is one of `merchant_id`'s kiosks.
    async fn is_kiosk(&self, merchant_id: i64, device_key: PublicKey)
        -> Result<bool, StorageError>;
}
