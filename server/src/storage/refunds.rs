//! Refunds: requested by a merchant, written before the rail is called, decided by the rail.
//! SQL only; the route checks who may ask, the settler calls the rail, and the order's state
//! machine (`domain::order_flow`) says what money moves.

use async_trait::async_trait;
use serde::Serialize;
use vitrine_protocol::{IntentId, Money, UnixMillis};

use super::merchants::Actor;
use super::StorageError;
use crate::domain::order_flow::Move;

/// A refund request as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundRow {
    pub key: String,
    pub order: IntentId,
    pub amount: Money,
    pub state: String,
    pub rail: String,
    pub created_at: UnixMillis,
}

/// Why a refund was not opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundRefusal {
    /// No such order of this merchant.
    NotFound,
    /// The order is not paid (nothing was taken).
    NotPaid,
    /// More than what is left: what was paid less what was refunded or asked for.
    TooMuch { left_minor: i64 },
}

#[async_trait]
pub trait RefundStore: Send + Sync + 'static {
    /// Write the request `{order}/refund/{n}` for `amount_minor` (`None`: all that is left) of
    /// one of `merchant_id`'s paid orders, with an audit entry, in one write transaction that
    /// also checks it fits.
    async fn open_refund(
        &self,
        actor: &Actor,
        merchant_id: i64,
        order: IntentId,
        amount_minor: Option<i64>,
        now: UnixMillis,
    ) -> Result<Result<RefundRow, RefundRefusal>, StorageError>;

    /// Requests the rail has not decided, oldest first.
    async fn open_refunds(&self, limit: u32) -> Result<Vec<RefundRow>, StorageError>;

    /// The rail decided: record it, and on approval write `moves` (the state machine's), in
    /// one transaction.
    async fn finish_refund(
        &self,
        key: &str,
        approved: Result<String, String>,
        moves: &[Move],
        now: UnixMillis,
    ) -> Result<(), StorageError>;
}
