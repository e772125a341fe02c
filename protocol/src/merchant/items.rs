//! A merchant's items: the requests the console sends, the rules that check them, and the
//! item as its merchant sees it (with its image's state).

use serde::{Deserialize, Serialize};

use super::{text, MAX_DESCRIPTION, MAX_TITLE};
use crate::error::FieldProblem;
use crate::{ItemId, Money, Slug};

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

#[cfg(test)]
mod tests {
    use super::*;

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
