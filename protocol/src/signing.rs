//! Keys, signatures and the canonical bytes that get signed.
//!
//! JSON is never signed: one object has many JSON spellings. Each signed object instead has
//! *signing bytes*, built by [`Canonical`]:
//!
//! ```text
//! DOMAIN  = ASCII tag naming the object and its version, ending in NUL, e.g. "vitrine/quote/v1\0"
//! u32/i64 = big-endian, fixed width
//! key     = 32 raw bytes (ed25519 public key)
//! sig     = 64 raw bytes (ed25519 signature)
//! bytes   = u32 length + raw bytes           (used for strings, UTF-8, and nested objects)
//! option  = 0x00, or 0x01 followed by the value
//! ```
//!
//! The domain tag makes a signature over one kind of object useless as a signature over another
//! (a quote can never pass as a certificate), and bumping its version retires old encodings.
//! Fields are written in the order their struct documents; adding a field means a new version.
//! Verification uses `verify_strict` (rejects small-order keys and non-canonical signatures).

use std::fmt;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Builds canonical signing bytes; see the module docs for the format.
pub struct Canonical(Vec<u8>);

impl Canonical {
    /// Start with a domain tag such as `b"vitrine/quote/v1\0"`.
    pub fn new(domain: &[u8]) -> Self {
        Canonical(domain.to_vec())
    }

    /// A big-endian `u32`.
    pub fn u32(mut self, n: u32) -> Self {
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }

    /// A big-endian `i64`.
    pub fn i64(mut self, n: i64) -> Self {
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }

    /// Fixed-width raw bytes (keys, signatures, UUIDs): no length prefix.
    pub fn fixed(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// Variable-length bytes: `u32` length, then the bytes.
    pub fn bytes(self, bytes: &[u8]) -> Self {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.u32(len).fixed(bytes)
    }

    /// A UTF-8 string as variable-length bytes.
    pub fn str(self, s: &str) -> Self {
        self.bytes(s.as_bytes())
    }

    /// An optional string: `0x00`, or `0x01` and the string.
    pub fn opt_str(self, s: Option<&str>) -> Self {
        match s {
            None => self.fixed(&[0]),
            Some(s) => self.fixed(&[1]).str(s),
        }
    }

    /// An optional `i64`: `0x00`, or `0x01` and the number.
    pub fn opt_i64(self, n: Option<i64>) -> Self {
        match n {
            None => self.fixed(&[0]),
            Some(n) => self.fixed(&[1]).i64(n),
        }
    }

    /// The finished bytes.
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// Objects that can be signed.
pub trait SigningBytes {
    /// The canonical bytes a signature covers.
    fn signing_bytes(&self) -> Vec<u8>;
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSignature;

impl fmt::Display for BadSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("signature does not verify")
    }
}

impl std::error::Error for BadSignature {}

/// An ed25519 public key, hex on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicKey(pub [u8; 32]);

/// An ed25519 signature, hex on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Signature(pub [u8; 64]);

macro_rules! hex_newtype {
    ($t:ident, $n:expr, $what:expr) => {
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                let mut out = [0u8; $n];
                hex::decode_to_slice(&s, &mut out)
                    .map_err(|_| format!("expected {} as {} hex characters", $what, $n * 2))?;
                Ok($t(out))
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                hex::encode(v.0)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), hex::encode(self.0))
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }
    };
}

hex_newtype!(PublicKey, 32, "an ed25519 public key");
hex_newtype!(Signature, 64, "an ed25519 signature");

impl PublicKey {
    /// Check `signature` over `message`, strictly.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), BadSignature> {
        let key = VerifyingKey::from_bytes(&self.0).map_err(|_| BadSignature)?;
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        key.verify_strict(message, &sig).map_err(|_| BadSignature)
    }
}

/// A signing key. The secret never leaves the device (or server) that made it.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// A key from 32 secret bytes (which must come from a CSPRNG).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(SigningKey::from_bytes(&bytes))
    }

    /// The secret bytes, for storing the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Sign raw bytes.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public())
    }
}

/// An object with the signature over its signing bytes; on the wire the object's fields and a
/// `signature` field side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed<T> {
    /// The signed object.
    #[serde(flatten)]
    pub body: T,
    /// Signature over `body.signing_bytes()`.
    pub signature: Signature,
}

impl<T: SigningBytes> Signed<T> {
    /// Sign `body` with `key`.
    pub fn sign(body: T, key: &SecretKey) -> Self {
        let signature = key.sign(&body.signing_bytes());
        Signed { body, signature }
    }

    /// Check the signature against `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<&T, BadSignature> {
        key.verify(&self.body.signing_bytes(), &self.signature).map(|()| &self.body)
    }

    /// The object's signing bytes followed by its signature: how a signed object is nested
    /// inside another's signing bytes.
    pub fn nested_bytes(&self) -> Vec<u8> {
        Canonical::new(b"").bytes(&self.body.signing_bytes()).fixed(&self.signature.0).finish()
    }
}
