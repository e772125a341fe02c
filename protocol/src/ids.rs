use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a path segment is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIdError {
    /// What was expected, in words fit for an API error message.
    pub expected: &'static str,
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}", self.expected)
    }
}

impl std::error::Error for ParseIdError {}

/// A collection's URL name: 1–64 characters of `a-z`, `0-9` and inner `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    const EXPECTED: &'static str = "a slug of 1-64 lowercase letters, digits and inner dashes";

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Slug {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(ParseIdError { expected: Self::EXPECTED })
        }
    }
}

impl TryFrom<String> for Slug {
    type Error = ParseIdError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An item's identifier: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct ItemId(i64);

impl ItemId {
    const EXPECTED: &'static str = "an item id, a positive integer";

    /// The id as stored.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for ItemId {
    type Error = ParseIdError;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        if n > 0 {
            Ok(ItemId(n))
        } else {
            Err(ParseIdError { expected: Self::EXPECTED })
        }
    }
}

impl From<ItemId> for i64 {
    fn from(id: ItemId) -> i64 {
        id.0
    }
}

impl FromStr for ItemId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Only plain decimal digits: "+1", " 1" or "01x" are not ids.
        if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseIdError { expected: Self::EXPECTED });
        }
        let n: i64 = s.parse().map_err(|_| ParseIdError { expected: Self::EXPECTED })?;
        ItemId::try_from(n)
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_only_the_url_alphabet() {
        for good in ["a", "tidal-glass", "x1", &"a".repeat(64)] {
            assert!(good.parse::<Slug>().is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "A", "a b", "a/b", "é", "a_b", &"a".repeat(65)] {
            assert!(bad.parse::<Slug>().is_err(), "{bad}");
        }
    }

    #[test]
    fn item_ids_are_positive_decimal() {
        assert_eq!("42".parse::<ItemId>().map(ItemId::get), Ok(42));
        for bad in ["", "0", "-1", "+1", " 1", "1x", "abc", "99999999999999999999"] {
            assert!(bad.parse::<ItemId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_refuse_bad_values_when_deserialized() {
        assert!(serde_json::from_str::<ItemId>("0").is_err());
        assert!(serde_json::from_str::<Slug>("\"Bad Slug\"").is_err());
        assert_eq!(serde_json::from_str::<ItemId>("7").map(ItemId::get).ok(), Some(7));
    }
}
