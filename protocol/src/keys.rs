//! `GET /api/v1/keys`: the server's public keys and the limits a client must respect, so a
//! client can check quotes and certificates (and, later, vouchers) offline.

use serde::{Deserialize, Serialize};

use crate::signing::PublicKey;
use crate::{KeyId, UnixMillis};

/// One of the server's signing keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    /// The id quotes and certificates name in `key_id`.
    pub id: KeyId,
    /// The ed25519 public key.
    pub public_key: PublicKey,
    /// When it started signing.
    pub created_at: UnixMillis,
    /// When it stopped signing (a newer key took over); `None` while it is the signing key.
    pub retired_at: Option<UnixMillis>,
    /// Until when objects it signed are still verified; `None` while it signs.
    pub verifies_until: Option<UnixMillis>,
}

/// The answer of `GET /api/v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKeys {
    /// Every key that still verifies, the signing key first.
    pub keys: Vec<PublishedKey>,
    /// How far a device clock may be from the server's (ms).
    pub clock_skew_ms: i64,
    /// How late an intent may arrive after it was made (ms).
    pub offline_window_ms: i64,
    /// Most editions one intent may buy.
    pub max_quantity: u32,
    /// The signing format the server issues.
    pub format: crate::Format,
}
