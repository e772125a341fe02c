//! What reconciliation needs from storage: each rail's cursor, the facts about the orders its
//! reports name, the reports and items of a window written at once, and the captures the rail
//! has not reported. SQL only; `domain::reconcile` decides.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use vitrine_protocol::UnixMillis;

use super::StorageError;
use crate::domain::order_flow::{Flow, Move};
use crate::domain::reconcile::{Item, OrderFacts, Verdict};
use crate::domain::settlement::Attestation;

/// A stored reconciliation item, as the merchant API sends it.
pub use vitrine_protocol::merchant::ReconciliationItem as StoredItem;

/// When a window stores its reports: on the server's clock, and on the rail's (the clock
/// their dates are on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub server: UnixMillis,
    pub rail: UnixMillis,
}

#[async_trait]
pub trait ReconcileStore: Send + Sync + 'static {
    /// The last report read from `rail` (0: none).
    async fn rail_cursor(&self, rail: &str) -> Result<u64, StorageError>;

    /// What the ledger holds for these orders (those it knows).
    async fn order_facts(
        &self,
        orders: &[&str],
    ) -> Result<HashMap<String, OrderFacts>, StorageError>;

    /// The payment side of these orders' state machines, as their transfers tell it.
    async fn flows(&self, orders: &[&str]) -> Result<HashMap<String, Flow>, StorageError>;

    /// Which of these (key, kind) pairs `rail` has reported before.
    async fn reported(
        &self,
        rail: &str,
        pairs: &[(String, &'static str)],
    ) -> Result<HashSet<(String, String)>, StorageError>;

    /// Store a window's reports from `rail` with their verdicts, the items they raised and the
    /// ledger moves they apply (per order), and move the cursor from `from` to the last
    /// report's seq, in one transaction. `false` (and nothing written) when the cursor is no
    /// longer at `from`: another pass read them.
    async fn record_reports(
        &self,
        rail: &str,
        from: u64,
        reports: &[(Attestation, Verdict)],
        items: &[Item],
        moves: &[(String, Vec<Move>)],
        at: Stamp,
    ) -> Result<bool, StorageError>;

    /// Orders paid on `rail` before `before` whose capture `rail` has not reported, and that
    /// no item names yet.
    async fn unreported_captures(
        &self,
        rail: &str,
        before: UnixMillis,
        limit: u32,
    ) -> Result<Vec<(String, UnixMillis)>, StorageError>;

    /// Captures (or settlement lines) `rail` reported between `since` and `before` (server
    /// time) that were read as ours while their order was being settled, whose order is still
    /// not paid, and that no `unknown` item names yet: (key, amount taken).
    async fn captures_not_paid(
        &self,
        rail: &str,
        since: UnixMillis,
        before: UnixMillis,
        limit: u32,
    ) -> Result<Vec<(String, vitrine_protocol::Money)>, StorageError>;

    /// Mints on `chain` not final yet whose inclusion the chain reported before `before` (the
    /// chain's time), and that no late-finality item names yet: (key, included at).
    async fn late_mints(
        &self,
        chain: &str,
        before: UnixMillis,
        limit: u32,
    ) -> Result<Vec<(String, UnixMillis)>, StorageError>;

    /// Close `chain`'s open late-finality items whose mint the chain has reported final (in
    /// any window so far, so a crash between a window and this loses none): waiting did what
    /// it suggested. Audited.
    async fn close_late(&self, chain: &str, now: UnixMillis) -> Result<(), StorageError>;

    /// Items raised without a report (missing ones), each once.
    async fn raise_items(
        &self,
        rail: &str,
        items: &[Item],
        now: UnixMillis,
    ) -> Result<(), StorageError>;
}
