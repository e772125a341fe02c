//! The reconciliation items people see and decide (the console's conflicts queue): read with
//! their decisions; an item marked reviewed; a refund asked (before the rail is called) and
//! its answer. SQL only; `domain::item_decisions` decides, the rail is asked there.

use async_trait::async_trait;
use vitrine_protocol::{Money, UnixMillis};

use super::merchants::Actor;
use super::reconcile::StoredItem;
use super::StorageError;

/// A refund a person asked for on an item: the key the rail is asked with, and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub key: String,
    pub amount: Money,
}

/// A refund asked on an item, with whose item it is and which charge it gives back from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedRefund {
    pub merchant: i64,
    pub item: i64,
    pub rail: String,
    /// The item's key: the charge the rail took from.
    pub charge_key: String,
    pub asked: Asked,
}

/// What became of a decision.
#[derive(Debug, Clone)]
pub enum Decided<T> {
    /// Written (or, for a refund, found asked already and asked again).
    Done(T),
    /// The item was settled already (by another decision, or automatically): nothing written.
    Settled(StoredItem),
    /// A refund of this item is being asked: nothing else is decided until the rail answers.
    RefundAsked(StoredItem),
    /// No such item among the merchant's.
    NotFound,
}

#[async_trait]
pub trait ItemDecisionStore: Send + Sync + 'static {
    /// Items with their decisions, open ones first then newest first: of one merchant's
    /// orders, or (`None`) every item, also those naming no order of ours.
    async fn reconciliation_items(
        &self,
        merchant: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredItem>, StorageError>;

    /// One item of the merchant's orders.
    async fn reconciliation_item(
        &self,
        merchant: i64,
        id: i64,
    ) -> Result<Option<StoredItem>, StorageError>;

    /// What `rail` reported taking for `key`: its first capture report, else its first
    /// settlement line.
    async fn taken(&self, rail: &str, key: &str) -> Result<Option<Money>, StorageError>;

    /// Mark an open item reviewed, with the note, and close it. Audited.
    async fn mark_reviewed(
        &self,
        actor: &Actor,
        merchant: i64,
        item: i64,
        note: &str,
        now: UnixMillis,
    ) -> Result<Decided<StoredItem>, StorageError>;

    /// Write a refund decision `asked` on an open item, before the rail is called, with the
    /// key `{order}/recon/{item}` and `amount`; if one is asked already, answer it (so a retry
    /// asks the rail again under the same key and for the same amount). Audited.
    async fn ask_item_refund(
        &self,
        actor: &Actor,
        merchant: i64,
        item: i64,
        note: &str,
        amount: Money,
        now: UnixMillis,
    ) -> Result<Decided<Asked>, StorageError>;

    /// Refunds asked and not answered (the rail was down, the answer lost, the server
    /// restarted), oldest first, for the settler to ask again under their keys.
    async fn asked_item_refunds(&self, limit: u32) -> Result<Vec<AskedRefund>, StorageError>;

    /// The rail's answer to an asked refund: approved (its reference) closes the item and
    /// writes the two correction transfers; declined (its reason) leaves the item open. One
    /// transaction, audited; the item as it now reads (`None` if it was answered already).
    async fn finish_item_refund(
        &self,
        merchant: i64,
        item: i64,
        answer: Result<String, String>,
        now: UnixMillis,
    ) -> Result<Option<StoredItem>, StorageError>;
}
