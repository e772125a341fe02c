//! Claim vouchers: server-signed, single-use tokens handed out at pop-ups as QR codes. A
//! collector's phone or a merchant's kiosk checks one **offline** (signature against the
//! server's published keys, expiry against the clock); the server takes each voucher once.
//!
//! A voucher is 84 bytes, fixed: 20 bytes of body and the ed25519 signature over
//! `"vitrine/voucher/v1\0" ‖ body`. The body, big-endian:
//!
//! ```text
//! version u8 (= 1) | key_id u8 | batch u32 | serial u16 | item u32 | expires_at u32 (Unix s) | nonce 4 bytes
//! ```
//!
//! Its text form (the `{code}` of `/claim/{code}`) is decimal digits, so a QR code carries it
//! in numeric mode (3.3 bits a character): each 7 bytes become 17 digits, 204 digits in all.
//! With the shop's address in upper case (QR alphanumeric mode), `HTTP://127.0.0.1:8080/CLAIM/`
//! and the code fit a version 6 symbol at error correction M; see `qr_payload`.

mod claim;
pub mod code;
mod terms;
#[cfg(test)]
mod tests;

pub use claim::{Claim, FREE_RAIL};
pub use terms::{BatchTerms, ClaimAnswer, MAX_CLAIMS_PER_REQUEST};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::signing::{Canonical, PublicKey, SecretKey, Signature};
use crate::{IntentId, KeyId, UnixMillis};

/// The signing domain of format 1.
pub const DOMAIN: &[u8] = b"vitrine/voucher/v1\0";
/// Bytes of a voucher's body.
pub const BODY_LEN: usize = 20;
/// Bytes of a whole voucher: body and signature.
pub const VOUCHER_LEN: usize = BODY_LEN + 64;
/// Most vouchers in one batch (serials are 16 bits; serial 0 is never issued).
pub const MAX_BATCH: u32 = 10_000;
/// The last attempt a device may make at one voucher (`SignedVoucher::attempt_id`): each
/// declined attempt is an order on the ledger, so a device cannot make them without end.
pub const MAX_CLAIM_ATTEMPTS: u8 = 9;

/// An expiry in Unix seconds (a voucher's, a batch's) as the last millisecond it still allows.
pub fn last_millisecond(expires_at: u32) -> UnixMillis {
    UnixMillis(i64::from(expires_at) * 1000 + 999)
}

/// What a voucher promises: one edition of `item`, from batch `batch`, until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Voucher {
    /// The server key that signed it (keys are numbered from 1; a voucher names keys up to 255).
    pub key_id: u8,
    pub batch: u32,
    /// 1, 2, … within the batch.
    pub serial: u16,
    pub item: u32,
    /// The last second it may be claimed, Unix seconds.
    pub expires_at: u32,
    /// Random bytes from the server, so that no two vouchers ever share signing bytes.
    pub nonce: [u8; 4],
}

impl Voucher {
    /// The 20 bytes of the body.
    pub fn body(&self) -> [u8; BODY_LEN] {
        let mut b = [0u8; BODY_LEN];
        b[0] = 1;
        b[1] = self.key_id;
        b[2..6].copy_from_slice(&self.batch.to_be_bytes());
        b[6..8].copy_from_slice(&self.serial.to_be_bytes());
        b[8..12].copy_from_slice(&self.item.to_be_bytes());
        b[12..16].copy_from_slice(&self.expires_at.to_be_bytes());
        b[16..20].copy_from_slice(&self.nonce);
        b
    }

    /// The bytes the server signs.
    pub fn signing_bytes(&self) -> Vec<u8> {
        Canonical::new(DOMAIN).fixed(&self.body()).finish()
    }

    /// Reads a body back; `None` for another version.
    pub fn from_body(b: &[u8; BODY_LEN]) -> Option<Voucher> {
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        (b[0] == 1).then(|| Voucher {
            key_id: b[1],
            batch: u32_at(2),
            serial: u16::from_be_bytes([b[6], b[7]]),
            item: u32_at(8),
            expires_at: u32_at(12),
            nonce: [b[16], b[17], b[18], b[19]],
        })
    }

    /// `expires_at` as milliseconds: the last millisecond of its last second.
    pub fn expires_at_ms(&self) -> UnixMillis {
        last_millisecond(self.expires_at)
    }

    pub fn key(&self) -> KeyId {
        KeyId(u32::from(self.key_id))
    }

    /// How the batch and serial are printed for people: `12-0042`.
    pub fn short_code(&self) -> String {
        format!("{}-{:04}", self.batch, self.serial)
    }
}

/// A voucher and the server's signature over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedVoucher {
    pub voucher: Voucher,
    pub signature: Signature,
}

/// Why a voucher is refused before anything is sent. The server's own refusals (revoked,
/// already claimed, over the per-person limit) come on top, when it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoucherProblem {
    /// Not a voucher: wrong length, characters or version.
    Malformed,
    /// Signed by a key this device does not know, or not signed by the shop at all.
    Forged,
    /// Its last second has passed.
    Expired,
}

impl VoucherProblem {
    /// The buyer's words.
    pub fn message(self) -> &'static str {
        match self {
            VoucherProblem::Malformed => "This is not a claim code of this shop.",
            VoucherProblem::Forged => "This claim code was not issued by this shop.",
            VoucherProblem::Expired => "This claim code has expired.",
        }
    }
}

impl SignedVoucher {
    /// Signs `voucher` with the key it names.
    pub fn sign(voucher: Voucher, key: &SecretKey) -> SignedVoucher {
        SignedVoucher { voucher, signature: key.sign(&voucher.signing_bytes()) }
    }

    /// The 84 bytes.
    pub fn to_bytes(&self) -> [u8; VOUCHER_LEN] {
        let mut out = [0u8; VOUCHER_LEN];
        out[..BODY_LEN].copy_from_slice(&self.voucher.body());
        out[BODY_LEN..].copy_from_slice(&self.signature.0);
        out
    }

    pub fn from_bytes(bytes: &[u8; VOUCHER_LEN]) -> Option<SignedVoucher> {
        let mut body = [0u8; BODY_LEN];
        body.copy_from_slice(&bytes[..BODY_LEN]);
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&bytes[BODY_LEN..]);
        Some(SignedVoucher { voucher: Voucher::from_body(&body)?, signature: Signature(sig) })
    }

    /// The `{code}` of `/claim/{code}`: 204 digits.
    pub fn code(&self) -> String {
        code::encode(&self.to_bytes())
    }

    /// Reads a code (digits only; spaces and dashes people type are ignored).
    pub fn parse(text: &str) -> Result<SignedVoucher, VoucherProblem> {
        let bytes = code::decode(text).ok_or(VoucherProblem::Malformed)?;
        SignedVoucher::from_bytes(&bytes).ok_or(VoucherProblem::Malformed)
    }

    /// Checks the signature with the key the voucher names (`keys` gives the shop's published
    /// keys), then the expiry against `now`. Offline on a device, and again on the server.
    pub fn check(
        &self,
        now: UnixMillis,
        keys: impl Fn(KeyId) -> Option<PublicKey>,
    ) -> Result<&Voucher, VoucherProblem> {
        let key = keys(self.voucher.key()).ok_or(VoucherProblem::Forged)?;
        key.verify(&self.voucher.signing_bytes(), &self.signature)
            .map_err(|_| VoucherProblem::Forged)?;
        if now > self.voucher.expires_at_ms() {
            return Err(VoucherProblem::Expired);
        }
        Ok(&self.voucher)
    }

    /// The id of the intent that first claims this voucher from the device with key `device`:
    /// the same voucher scanned twice on one device is one intent; on two devices, two
    /// intents, and the server takes the first. `attempt_id(device, 0)`.
    pub fn intent_id(&self, device: &PublicKey) -> IntentId {
        self.attempt_id(device, 0)
    }

    /// The id of the device's `attempt`-th claim of this voucher: a priced claim whose payment
    /// was declined (or whose hold expired) gives the voucher back, and the device tries again
    /// with another card as attempt 1, 2, … (at most `MAX_CLAIM_ATTEMPTS`), each a new intent.
    /// A UUID v7 whose time is the voucher's expiry and whose random bits are
    /// `sha256("vitrine/claim-intent/v1\0" ‖ voucher ‖ device key [‖ attempt as u8, if not 0])`:
    /// attempt 0 is the id devices made before attempts existed.
    pub fn attempt_id(&self, device: &PublicKey, attempt: u8) -> IntentId {
        let mut h = Sha256::new();
        h.update(b"vitrine/claim-intent/v1\0");
        h.update(self.to_bytes());
        h.update(device.0);
        if attempt != 0 {
            h.update([attempt]);
        }
        let digest = h.finalize();
        let mut random = [0u8; 10];
        random.copy_from_slice(&digest[..10]);
        IntentId::new_v7(u64::from(self.voucher.expires_at) * 1000, random)
    }
}

/// What goes in the QR code: the shop's address and `/CLAIM/` in upper case (QR alphanumeric
/// mode, 5.5 bits a character; browsers treat scheme and host case-insensitively, and the claim
/// page is to answer `/CLAIM/{code}` as `/claim/{code}`), then the digits (numeric mode). `origin` is
/// like `https://shop.example`. Falls back to the lower-case URL when the origin has
/// characters alphanumeric mode lacks.
pub fn qr_payload(origin: &str, code: &str) -> String {
    let upper = format!("{}/CLAIM/{code}", origin.trim_end_matches('/').to_ascii_uppercase());
    let alphanumeric =
        |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || " $%*+-./:".contains(c);
    if upper.chars().all(alphanumeric) {
        upper
    } else {
        claim_url(origin, code)
    }
}

/// The claim page's URL.
pub fn claim_url(origin: &str, code: &str) -> String {
    format!("{}/claim/{code}", origin.trim_end_matches('/'))
}
