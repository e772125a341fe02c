//! The waitlist of a sold-out work: a collector leaves an email address so the shop can tell
//! them when an edition frees up. The address rule lives here because the Buy sheet checks it
//! as the collector types and the server checks it again.

use serde::{Deserialize, Serialize};

use crate::{ItemId, UnixMillis};

/// The longest address SMTP carries (RFC 5321: 254 octets in a path).
pub const MAX_EMAIL_LEN: usize = 254;

/// The shape browsers accept for `type=email`, roughly: something@something.something, no
/// spaces, at most [`MAX_EMAIL_LEN`] bytes. Deliverability is the shop's mail system's concern.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    email.len() <= MAX_EMAIL_LEN
        && !local.is_empty()
        && !domain.contains('@')
        && !email.contains(|c: char| c.is_whitespace() || c.is_control())
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

/// The address as stored: trimmed and lower-cased, so one person is on a list once however
/// they typed it.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// `POST /api/v1/items/{id}/waitlist`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinWaitlist {
    pub email: String,
}

/// The answer: `201` when added, `200` when the address was already on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waitlisted {
    pub item: ItemId,
    /// When the address first joined.
    pub joined_at: UnixMillis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_have_a_local_part_and_a_dotted_domain() {
        for good in ["ada@example.org", "a.b+c@mail.example.co.uk"] {
            assert!(is_email(good), "{good}");
        }
        let long = format!("{}@example.org", "a".repeat(MAX_EMAIL_LEN));
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@org",
            "ada@example.",
            "a b@x.org",
            "a@b@c.org",
            "a\n@x.org",
            &long,
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
        assert_eq!(normalise_email("  Ada@Example.ORG "), "ada@example.org");
    }
}
