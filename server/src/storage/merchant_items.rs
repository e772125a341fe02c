//! A merchant's items and their originals, as the routes and the image worker see them.

use async_trait::async_trait;
use vitrine_protocol::merchant::{ItemPatch, MerchantItem, NewItem};
use vitrine_protocol::{ImageRef, ItemId, Slug, UnixMillis};

use super::merchants::Actor;
use super::StorageError;

#[async_trait]
pub trait MerchantItemStore: Send + Sync + 'static {
    /// A new item in one of the merchant's collections, awaiting its original; `None` when
    /// the merchant has no collection with that slug.
    async fn create_item(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewItem,
        now: UnixMillis,
    ) -> Result<Option<MerchantItem>, StorageError>;

    /// One of the merchant's items.
    async fn merchant_item(
        &self,
        merchant_id: i64,
        id: ItemId,
    ) -> Result<Option<MerchantItem>, StorageError>;

    /// The items of one of the merchant's collections, in display order; `None` when it has
    /// no such collection.
    async fn merchant_items(
        &self,
        merchant_id: i64,
        collection: &Slug,
    ) -> Result<Option<Vec<MerchantItem>>, StorageError>;

    /// Change one of the merchant's items; `None` when it has no such item.
    async fn update_item(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: ItemId,
        patch: &ItemPatch,
        now: UnixMillis,
    ) -> Result<Option<MerchantItem>, StorageError>;

    /// An original was stored for the item: it is being processed. Audited with `upload`
    /// (what was stored).
    async fn original_uploaded(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: ItemId,
        upload: &serde_json::Value,
        now: UnixMillis,
    ) -> Result<(), StorageError>;

    /// The background processing of an item's original ended: its images (when it worked)
    /// or why not.
    async fn image_processed(
        &self,
        id: ItemId,
        outcome: Result<ItemImages, String>,
    ) -> Result<(), StorageError>;
}

/// The images of a processed original, as the catalog stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemImages {
    pub original: ImageRef,
    pub thumb: ImageRef,
}
