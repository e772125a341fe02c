//! Merchants: what a token may do (scopes), the console's session, the audit log, and the
//! catalog requests the console sends with the rules that check them (the console applies
//! them as the merchant types; the server applies them again).

use serde::{Deserialize, Serialize};

use crate::error::FieldProblem;
use crate::{IntentId, ItemId, Money, OrderState, Slug, UnixMillis};

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

fn text(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max: usize, required: bool) {
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

/// Longest artist name.
pub const MAX_ARTIST: usize = 120;
/// Longest alt text: a sentence or two for people who cannot see the work.
pub const MAX_ALT: usize = 500;
/// Largest edition one item may have.
pub const MAX_EDITION: u32 = 100_000;
/// Highest price of one edition, in minor units.
pub const MAX_PRICE_MINOR: i64 = 100_000_000;
/// Largest original a merchant may upload.
pub const MAX_ORIGINAL_BYTES: usize = 20 * 1024 * 1024;

fn edition_and_price(
    problems: &mut Vec<FieldProblem>,
    edition: Option<u32>,
    price: Option<&Money>,
) {
    if let Some(edition) = edition {
        if !(1..=MAX_EDITION).contains(&edition) {
            problems.push(FieldProblem::new("edition_size", format!("1 to {MAX_EDITION}")));
        }
    }
    if let Some(price) = price {
        if !(0..=MAX_PRICE_MINOR).contains(&price.amount_minor) {
            problems.push(FieldProblem::new(
                "price",
                format!("0 to {MAX_PRICE_MINOR} in minor units (cents)"),
            ));
        }
    }
}

/// `POST /api/v1/merchant/items`: a new work, on show once its original has been uploaded and
/// its variants are ready (unless `hidden`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// The slug of one of the merchant's collections.
    pub collection: String,
    pub title: String,
    pub artist: String,
    #[serde(default)]
    pub description: String,
    /// Required: what the work shows, for people who cannot see it.
    pub alt: String,
    pub edition_size: u32,
    pub price: Money,
    #[serde(default)]
    pub hidden: bool,
}

impl NewItem {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        if self.collection.parse::<Slug>().is_err() {
            problems.push(FieldProblem::new("collection", "the slug of one of your collections"));
        }
        text(&mut problems, "title", &self.title, MAX_TITLE, true);
        text(&mut problems, "artist", &self.artist, MAX_ARTIST, true);
        text(&mut problems, "description", &self.description, MAX_DESCRIPTION, false);
        text(&mut problems, "alt", &self.alt, MAX_ALT, true);
        edition_and_price(&mut problems, Some(self.edition_size), Some(&self.price));
        problems
    }
}

/// `PATCH /api/v1/merchant/items/{id}`: only the fields present change. A new price applies
/// to quotes issued from now on; quotes already out stay honoured until they expire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemPatch {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub description: Option<String>,
    pub alt: Option<String>,
    pub price: Option<Money>,
    pub hidden: Option<bool>,
}

impl ItemPatch {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        let fields = [
            ("title", &self.title, MAX_TITLE, true),
            ("artist", &self.artist, MAX_ARTIST, true),
            ("description", &self.description, MAX_DESCRIPTION, false),
            ("alt", &self.alt, MAX_ALT, true),
        ];
        for (name, value, max, required) in fields {
            if let Some(value) = value {
                text(&mut problems, name, value, max, required);
            }
        }
        edition_and_price(&mut problems, None, self.price.as_ref());
        if fields.iter().all(|f| f.1.is_none()) && self.price.is_none() && self.hidden.is_none() {
            problems.push(FieldProblem::new("body", "nothing to change"));
        }
        problems
    }
}

/// Where an item's picture is: uploaded originals become responsive variants in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageState {
    /// No original yet: the item is not on show.
    Awaiting,
    /// The original is being turned into variants (an image already shown stays shown).
    Processing,
    /// On show (unless hidden).
    Ready,
    /// The last original could not be processed; `image_problem` says why. Upload another
    /// (an image already shown stays shown).
    Failed,
}

impl ImageState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageState::Awaiting => "awaiting",
            ImageState::Processing => "processing",
            ImageState::Ready => "ready",
            ImageState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Awaiting, Self::Processing, Self::Ready, Self::Failed]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// An item as its merchant sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantItem {
    pub id: ItemId,
    pub collection: Slug,
    pub title: String,
    pub artist: String,
    pub description: String,
    pub alt: String,
    pub edition_size: u32,
    /// Editions neither sold nor held.
    pub stock: u32,
    pub price: Money,
    pub hidden: bool,
    pub image: ImageState,
    pub image_problem: Option<String>,
}

/// An order for one of the merchant's works, as its console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantOrder {
    /// The receipt number (the intent's id).
    pub id: IntentId,
    pub item: ItemId,
    pub title: String,
    pub quantity: u32,
    pub total: Money,
    pub state: OrderState,
    /// The buyer's email, when they gave one.
    pub email: Option<String>,
    pub reason: Option<String>,
    pub created_at: UnixMillis,
    pub updated_at: UnixMillis,
}

/// One movement of an order's stock, from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// `hold`, `release`, `capture` or `conflict`.
    pub kind: String,
    pub quantity: i64,
    pub at: UnixMillis,
}

/// `GET /api/v1/merchant/orders/{id}`: the order and its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHistory {
    pub order: MerchantOrder,
    pub events: Vec<OrderEvent>,
}

/// One collector waiting for an edition of a work (`GET /api/v1/merchant/items/{id}/waitlist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub email: String,
    pub joined_at: UnixMillis,
}

/// What `GET /api/v1/merchant/orders?q=` searches by: the console's one search box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSearch {
    /// Every order.
    All,
    /// Orders of one work (the query is its number).
    Item(ItemId),
    /// Orders a buyer placed with this email (compared lower-cased).
    Email(String),
    /// Receipt numbers containing these characters (at least 4 of `0-9`, `a-f` and `-`; the
    /// end of a number is what tells it apart: UUID v7 numbers start with their time).
    Receipt(String),
}

impl OrderSearch {
    /// Read the search box; `None` when it is none of the above.
    pub fn parse(q: &str) -> Option<Self> {
        let q = q.trim();
        if q.is_empty() {
            return Some(OrderSearch::All);
        }
        if let Ok(item) = q.parse::<ItemId>() {
            return Some(OrderSearch::Item(item));
        }
        if q.contains('@') {
            return crate::waitlist::is_email(q)
                .then(|| OrderSearch::Email(crate::waitlist::normalise_email(q)));
        }
        let q = q.to_ascii_lowercase();
        let receipt = q.len() >= 4 && q.len() <= 36;
        (receipt && q.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
            .then_some(OrderSearch::Receipt(q))
    }
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

    #[test]
    fn the_order_search_box_takes_a_work_an_email_or_a_receipt_number() {
        assert_eq!(OrderSearch::parse(" "), Some(OrderSearch::All));
        assert_eq!(
            OrderSearch::parse("201").map(|s| matches!(s, OrderSearch::Item(_))),
            Some(true)
        );
        assert_eq!(
            OrderSearch::parse(" Ada@Example.org"),
            Some(OrderSearch::Email("ada@example.org".into()))
        );
        assert_eq!(OrderSearch::parse("01890A5D"), Some(OrderSearch::Receipt("01890a5d".into())));
        for bad in ["ada@", "%", "x' OR 1=1 --", "abc"] {
            assert!(OrderSearch::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_new_item_needs_a_title_an_artist_alt_text_an_edition_and_a_fair_price() {
        let item = |edition_size, amount_minor| NewItem {
            collection: "spring-prints".into(),
            title: "Tide".into(),
            artist: "R. Ames".into(),
            description: String::new(),
            alt: "Blue ink waves".into(),
            edition_size,
            price: Money { amount_minor, currency: crate::Currency::EUR },
            hidden: false,
        };
        assert!(item(10, 5_400).problems().is_empty());
        let bad = NewItem { alt: "  ".into(), artist: String::new(), ..item(0, -1) };
        let fields: Vec<_> = bad.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["artist", "alt", "edition_size", "price"]);
        assert_eq!(ItemPatch::default().problems()[0].field, "body");
        let blank_alt = ItemPatch { alt: Some(String::new()), ..ItemPatch::default() };
        assert_eq!(blank_alt.problems()[0].field, "alt");
    }
}
