//! The server's signature over an order answer, so a downloaded receipt proves what the shop
//! said and not only what the device asked for.
//!
//! Signing bytes: `"vitrine/order-answer/v1\0"`, key_id (u32), id (uuid), state (string, its
//! wire spelling), item (i64), quantity (u32), total amount (i64), total currency (3 ASCII
//! bytes), hold_expires_at (option i64), reason (option string), as_of (i64).
//!
//! `suggested_actions` is left out on purpose: suggestions follow today's stock and are
//! advice, not the shop's word about the order. `as_of` is in, because "held" is only true at
//! a moment; a final state stays true.

use serde::{Deserialize, Serialize};

use crate::signing::{Canonical, PublicKey, SecretKey, Signature};
use crate::{KeyId, Order, UnixMillis};

/// The server's signature over an [`Order`] (its `seal` field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// The server key that signed (`GET /api/v1/keys` lists it).
    pub key_id: KeyId,
    /// Signature over the order's answer bytes.
    pub signature: Signature,
}

/// Why a seal does not check out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealProblem {
    /// The order carries no seal, or no `as_of` to seal.
    Unsealed,
    /// The seal's key is not among the keys given.
    UnknownKey(KeyId),
    /// The signature does not verify: the answer was changed or forged.
    BadSignature,
}

/// The bytes the server signs for `order` as of `as_of`, with key `key_id`.
pub fn answer_bytes(order: &Order, key_id: KeyId, as_of: UnixMillis) -> Vec<u8> {
    Canonical::new(b"vitrine/order-answer/v1\0")
        .u32(key_id.0)
        .fixed(order.id.as_bytes())
        .str(order.state.as_str())
        .i64(order.item.get())
        .u32(order.quantity)
        .i64(order.total.amount_minor)
        .fixed(order.total.currency.code().as_bytes())
        .opt_i64(order.hold_expires_at.map(|t| t.0))
        .opt_str(order.reason.as_deref())
        .i64(as_of.0)
        .finish()
}

impl Order {
    /// Seal this answer with the server's signing key `key_id`; an answer with no `as_of` is
    /// left unsealed (nothing says when it was true).
    pub fn seal_with(&mut self, key_id: KeyId, key: &SecretKey) {
        self.seal = self
            .as_of
            .map(|as_of| Seal { key_id, signature: key.sign(&answer_bytes(self, key_id, as_of)) });
    }

    /// Check the seal with the key its `key_id` names, found by `key`.
    pub fn verify_seal(
        &self,
        key: impl FnOnce(KeyId) -> Option<PublicKey>,
    ) -> Result<(KeyId, UnixMillis), SealProblem> {
        let (Some(seal), Some(as_of)) = (&self.seal, self.as_of) else {
            return Err(SealProblem::Unsealed);
        };
        let public = key(seal.key_id).ok_or(SealProblem::UnknownKey(seal.key_id))?;
        public
            .verify(&answer_bytes(self, seal.key_id, as_of), &seal.signature)
            .map_err(|_| SealProblem::BadSignature)?;
        Ok((seal.key_id, as_of))
    }
}
