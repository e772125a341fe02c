//! The orders of a merchant's works, and who waits for them, as its console reads them.

use async_trait::async_trait;
use vitrine_protocol::merchant::{MerchantOrder, OrderHistory, OrderSearch, Resolve, Waiting};
use vitrine_protocol::{FieldProblem, IntentId, ItemId, OrderState, UnixMillis};

use super::merchants::Actor;
use super::StorageError;

/// What resolving a conflict came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Resolved now, or earlier the same way (asked again: the same answer).
    Done(MerchantOrder),
    NotFound,
    /// Not a conflict: nothing to resolve.
    NotConflict,
    /// Resolved before, another way.
    AlreadyResolved(MerchantOrder),
    /// The action cannot be carried out (no email for the waitlist, no such work in stock).
    Problems(Vec<FieldProblem>),
}

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

    /// Resolve one of the merchant's conflicts, once; with its effect (a waitlist entry) and
    /// its audit entry in the same transaction.
    async fn resolve_conflict(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: IntentId,
        resolve: &Resolve,
        now: UnixMillis,
    ) -> Result<Resolved, StorageError>;

    /// Who waits for an edition of one of the merchant's works, first come first; `None` when
    /// the work is not the merchant's.
    async fn merchant_waitlist(
        &self,
        merchant_id: i64,
        item: ItemId,
    ) -> Result<Option<Vec<Waiting>>, StorageError>;
}
