//! The origins each merchant allows to frame its storefront. SQL only; the route checks them
//! (`protocol::merchant::origin`) before they are written.

use async_trait::async_trait;
use vitrine_protocol::{Slug, UnixMillis};

use super::merchants::Actor;
use super::StorageError;

#[async_trait]
pub trait EmbedStore: Send + Sync + 'static {
    /// The merchant's allowed origins, sorted.
    async fn embed_origins(&self, merchant_id: i64) -> Result<Vec<String>, StorageError>;

    /// Replace the merchant's allowed origins (canonical, each once), audited.
    async fn set_embed_origins(
        &self,
        actor: &Actor,
        merchant_id: i64,
        origins: &[String],
        now: UnixMillis,
    ) -> Result<(), StorageError>;

    /// The origins allowed to frame collection `slug`'s storefront: its merchant's; `None`
    /// when there is no such collection on show.
    async fn collection_embed_origins(
        &self,
        slug: &Slug,
    ) -> Result<Option<Vec<String>>, StorageError>;
}
