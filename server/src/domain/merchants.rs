//! Merchant credentials: API tokens (printed once, only their hash is stored) and the
//! console's sessions (a random cookie value, also stored as a hash, and a CSRF token).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use vitrine_protocol::UnixMillis;

use crate::domain::keys::millis;

/// Every token starts so, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "vtm_";

/// A console session lasts this long unless renewed...
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 60);
/// ...and never longer than this after signing in.
pub const SESSION_MAX: Duration = Duration::from_secs(12 * 3600);

/// Why no secret could be made.
#[derive(Debug, thiserror::Error)]
#[error("no randomness from the operating system: {0}")]
pub struct NoRandomness(String);

/// 32 random bytes, URL-safe base64 (43 characters): 256 bits nobody can guess.
pub fn random_secret() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| NoRandomness(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new API token, as printed once, and the hash that is stored.
pub fn new_token() -> Result<(String, [u8; 32]), NoRandomness> {
    let token = format!("{TOKEN_PREFIX}{}", random_secret()?);
    let hash = hash(&token);
    Ok((token, hash))
}

/// What is stored for a token or a session id. The secrets are 256 random bits, so a fast
/// hash is enough (a slow one protects guessable passwords, not these).
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether two secrets are equal, in time that does not depend on where they differ (both
/// are hashed first; equal digests mean equal secrets).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (hash(a), hash(b));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// When a session renewed at `now` ends: a full TTL later, but never past the maximum
/// lifetime from when it was started.
pub fn session_end(started: UnixMillis, now: UnixMillis) -> UnixMillis {
    let by_ttl = now.plus(millis(SESSION_TTL));
    let cap = started.plus(millis(SESSION_MAX));
    if by_ttl.0 < cap.0 {
        by_ttl
    } else {
        cap
    }
}

/// A merchant's name: 1–64 characters, printable, no leading or trailing space.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name.trim() == name
        && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_stored_only_as_their_hash() {
        let (a, hash_a) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 43);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash_a);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b));
    }

    #[test]
    fn a_renewed_session_never_outlives_its_maximum() {
        let start = UnixMillis(0);
        assert_eq!(session_end(start, UnixMillis(1_000)), UnixMillis(1_000 + 30 * 60_000));
        let late = UnixMillis(millis(SESSION_MAX) - 60_000);
        assert_eq!(session_end(start, late), UnixMillis(millis(SESSION_MAX)));
    }

    #[test]
    fn merchant_names_are_short_printable_and_trimmed() {
        assert!(valid_name("Atelier Nord"));
        for bad in ["", " padded", "tab\there", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
