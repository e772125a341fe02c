//! Merchants: what a token may do (scopes), the console's session, the audit log, and the
//! catalog requests the console sends with the rules that check them (the console applies
//! them as the merchant types; the server applies them again).

use serde::{Deserialize, Serialize};

use crate::error::FieldProblem;
use crate::{Slug, UnixMillis};

mod claims;
mod conflicts;
mod drops;
mod embed;
mod items;
mod orders;
mod reconciliation;

pub use claims::*;
pub use conflicts::*;
pub use drops::*;
pub use embed::*;
pub use items::*;
pub use orders::*;
pub use reconciliation::*;

/// What a merchant token (and a session signed in with it) may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Collections and items: create, edit, hide, upload originals.
    Catalog,
    /// Timed drops.
    Drops,
    /// QR claim batches.
    Claims,
    /// Orders and conflicts.
    Orders,
    /// The shop itself: its audit log, its tokens.
    Admin,
}

impl Scope {
    /// Every scope, in the order the CLI lists them.
    pub const ALL: [Scope; 5] =
        [Scope::Catalog, Scope::Drops, Scope::Claims, Scope::Orders, Scope::Admin];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Catalog => "catalog",
            Scope::Drops => "drops",
            Scope::Claims => "claims",
            Scope::Orders => "orders",
            Scope::Admin => "admin",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }

    /// Parse a comma-separated list (`catalog,orders`): sorted, each once; `None` when any
    /// part is not a scope or the list is empty.
    pub fn parse_list(s: &str) -> Option<Vec<Scope>> {
        let mut scopes =
            s.split(',').map(|p| Scope::parse(p.trim())).collect::<Option<Vec<_>>>()?;
        scopes.sort();
        scopes.dedup();
        (!scopes.is_empty()).then_some(scopes)
    }

    /// The comma-separated list, as stored and printed.
    pub fn join(scopes: &[Scope]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// `GET /api/v1/merchant/me`: who the credentials are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// The merchant's name.
    pub merchant: String,
    /// What these credentials may do.
    pub scopes: Vec<Scope>,
}

/// The console's session (`POST /api/v1/merchant/session` with a bearer token, or `GET`
/// with the session cookie). The cookie itself is HttpOnly; scripts never see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub merchant: String,
    pub scopes: Vec<Scope>,
    /// Sent back as the `X-CSRF-Token` header on every state-changing request.
    pub csrf_token: String,
    /// When the session ends unless renewed (`POST /api/v1/merchant/session/renew`).
    pub expires_at: UnixMillis,
}

/// One entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log: entries are never changed or removed.
    pub seq: i64,
    /// Who: `token 3` (the token's id, never the token), or `operator` for the CLI.
    pub actor: String,
    /// What, e.g. `collection.create`.
    pub action: String,
    /// On what, e.g. `collection spring-prints`.
    pub subject: String,
    /// The subject before the action, where it applies.
    pub before: Option<serde_json::Value>,
    /// The subject after it.
    pub after: Option<serde_json::Value>,
    pub at: UnixMillis,
}

/// Longest title a collection or item may have.
pub const MAX_TITLE: usize = 120;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 4_000;

pub(crate) fn text(
    problems: &mut Vec<FieldProblem>,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) {
    if required && value.trim().is_empty() {
        problems.push(FieldProblem::new(field, format!("enter the {}", field.replace('_', " "))));
    } else if value.chars().count() > max {
        problems.push(FieldProblem::new(field, format!("at most {max} characters")));
    } else if value.chars().any(|c| c.is_control() && c != '\n') {
        problems.push(FieldProblem::new(field, "no control characters"));
    }
}

/// `POST /api/v1/merchant/collections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCollection {
    /// Its address, `/c/{slug}`; never changes once made.
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

impl NewCollection {
    /// Every problem at once, so the console can show them all (an empty list: fine).
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        if self.slug.parse::<Slug>().is_err() {
            problems.push(FieldProblem::new(
                "slug",
                "1–64 lowercase letters, digits and dashes, not starting or ending with a dash",
            ));
        }
        text(&mut problems, "title", &self.title, MAX_TITLE, true);
        text(&mut problems, "description", &self.description, MAX_DESCRIPTION, false);
        problems
    }
}

/// `PATCH /api/v1/merchant/collections/{slug}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Hidden collections (and their works) leave the storefront; orders and receipts of them
    /// stay valid. Nothing is ever deleted.
    pub hidden: Option<bool>,
}

impl CollectionPatch {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        if let Some(title) = &self.title {
            text(&mut problems, "title", title, MAX_TITLE, true);
        }
        if let Some(description) = &self.description {
            text(&mut problems, "description", description, MAX_DESCRIPTION, false);
        }
        if self.title.is_none() && self.description.is_none() && self.hidden.is_none() {
            problems.push(FieldProblem::new("body", "nothing to change"));
        }
        problems
    }
}

/// A collection as its merchant sees it (hidden ones too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantCollection {
    pub slug: Slug,
    pub title: String,
    pub description: String,
    pub hidden: bool,
    pub item_count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_parse_sorted_and_once() {
        assert_eq!(
            Scope::parse_list("orders, catalog,orders"),
            Some(vec![Scope::Catalog, Scope::Orders])
        );
        for bad in ["", "catalog,", "everything", "Catalog"] {
            assert_eq!(Scope::parse_list(bad), None, "{bad:?}");
        }
        assert_eq!(Scope::join(&Scope::ALL), "catalog,drops,claims,orders,admin");
    }

    #[test]
    fn a_new_collection_reports_every_bad_field() {
        let bad = NewCollection {
            slug: "Spring Prints".into(),
            title: " ".into(),
            description: "x".repeat(MAX_DESCRIPTION + 1),
        };
        let fields: Vec<_> = bad.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["slug", "title", "description"]);
        let good = NewCollection {
            slug: "spring-prints".into(),
            title: "Spring prints".into(),
            description: String::new(),
        };
        assert!(good.problems().is_empty());
        assert_eq!(CollectionPatch::default().problems()[0].field, "body");
    }
}
