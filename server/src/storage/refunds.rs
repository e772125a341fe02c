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

/// A merchant's refund request as sent.
#[derive(Debug, Clone, Copy)]
pub struct RefundAsk<'a> {
    pub merchant_id: i64,
    /// The merchant's `Idempotency-Key`.
    pub request_key: &'a str,
    pub order: IntentId,
    /// `None`: all that is left.
    pub amount_minor: Option<i64>,
}

/// What a request found: the refund it opened, or the one its key opened before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub refund: RefundRow,
    /// The key had opened this refund already: nothing new was written.
    pub replayed: bool,
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
    /// The merchant's key opened a refund of another order or amount before.
    KeyReused,
}

#[async_trait]
pub trait RefundStore: Send + Sync + 'static {
    /// Write the request `{order}/refund/{n}` for `amount_minor` (`None`: all that is left) of
    /// one of `merchant_id`'s paid orders, with an audit entry, in one write transaction that
    /// also checks it fits. A `request_key` the merchant used before answers its first refund
    /// if it asked the same, and `KeyReused` if not; either way nothing is written.
    async fn open_refund(
        &self,
        actor: &Actor,
        ask: RefundAsk<'_>,
        now: UnixMillis,
    ) -> Result<Result<Opened, RefundRefusal>, StorageError>;

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
