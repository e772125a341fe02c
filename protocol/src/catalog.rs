use serde::{Deserialize, Serialize};

use crate::drops::DropInfo;
use crate::signing::Signed;
use crate::{ItemId, Money, Picture, Quote, Slug};

/// A picture with the size it will be drawn at, so the page reserves its box before it loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// Absolute path on the storefront's origin.
    pub url: String,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
}

/// A collection as listed on the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// URL name.
    pub slug: Slug,
    /// Display title.
    pub title: String,
    /// One-paragraph description.
    pub description: String,
    /// How many items it holds.
    pub item_count: u32,
    /// A representative thumbnail, when the collection has items.
    pub cover: Option<ImageRef>,
    /// Alt text of the cover.
    pub cover_alt: Option<String>,
    /// The cover in every size, when the image pipeline has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_picture: Option<Picture>,
}

/// An item as shown in a gallery grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSummary {
    /// Identifier used in `/i/{id}`.
    pub id: ItemId,
    /// Title of the work.
    pub title: String,
    /// Who made it.
    pub artist: String,
    /// Current price.
    pub price: Money,
    /// Editions still for sale.
    pub stock: u32,
    /// Grid thumbnail.
    pub thumb: ImageRef,
    /// Text that describes the image for people who cannot see it.
    pub alt: String,
    /// Longer description of the work. In gallery answers too, so the catalog the worker saves
    /// at install is enough to search offline; catalogs saved before it read as empty.
    #[serde(default)]
    pub description: String,
    /// The image in every size, when the image pipeline has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<Picture>,
    /// The work's timed drop (live, next, or the last one), when it is sold in drops: then
    /// only the drop sells it, at the drop's price and times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<DropInfo>,
}

/// A collection with its items, for `/c/{slug}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionDetail {
    /// The collection itself.
    #[serde(flatten)]
    pub collection: Collection,
    /// Its items in display order.
    pub items: Vec<ItemSummary>,
}

/// Everything about one item, for `/i/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The grid fields.
    #[serde(flatten)]
    pub summary: ItemSummary,
    /// Collection it belongs to.
    pub collection: Slug,
    /// Title of that collection, for breadcrumbs.
    pub collection_title: String,
    /// Total editions minted.
    pub edition_size: u32,
    /// Full-size original.
    pub original: ImageRef,
    /// A server-signed price to buy at, honoured until it expires even if the price changes.
    /// Always present in the server's answers.
    #[serde(default)]
    pub quote: Option<Signed<Quote>>,
}
