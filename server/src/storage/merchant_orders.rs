//! The orders of a merchant's works, and who waits for them, as its console reads them.

use async_trait::async_trait;
use vitrine_protocol::merchant::{MerchantOrder, OrderHistory, OrderSearch, Waiting};
use vitrine_protocol::{IntentId, ItemId, OrderState};

use super::StorageError;

#[async_trait]
pub trait MerchantOrderStore: Send + Sync + 'static {
    /// The merchant's orders matching `search` (and `state`, when given), newest first.
    async fn merchant_orders(
        &self,
        merchant_id: i64,
        search: &OrderSearch,
        state: Option<OrderState>,
        limit: u32,
    ) -> Result<Vec<MerchantOrder>, StorageError>;

    /// One order of the merchant's works with its ledger history; `None` when it is not one.
    async fn merchant_order(
        &self,
        merchant_id: i64,
        id: IntentId,
    ) -> Result<Option<OrderHistory>, StorageError>;

    /// Who waits for an edition of one of the merchant's works, first come first; `None` when
    /// the work is not the merchant's.
    async fn merchant_waitlist(
        &self,
        merchant_id: i64,
        item: ItemId,
    ) -> Result<Option<Vec<Waiting>>, StorageError>;
}
