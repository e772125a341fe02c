//! What the settler needs from storage: held orders that are due, settlement attempts written
//! before each rail call, and the order transitions. SQL only; the settler decides.

use async_trait::async_trait;
use vitrine_protocol::{IntentId, Money, UnixMillis};

use super::StorageError;
use crate::domain::order_flow::Move;

/// A held order due for a settlement attempt.
#[derive(Debug, Clone)]
pub struct HeldOrder {
    pub id: IntentId,
    pub total: Money,
    pub rail: String,
    pub token: String,
    pub accepted_at: UnixMillis,
    /// When its escrow hold runs out: the timeout of its pending sale transfer.
    pub hold_until: UnixMillis,
}

/// A held order whose row does not read: it goes to review, the others keep flowing.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub id: String,
    pub error: String,
}

/// How a settlement attempt ended.
#[derive(Debug, Clone)]
pub enum Resolution {
    Paid {
        reference: String,
    },
    Declined {
        reason: String,
    },
    /// Not decided (pending at the rail, or the rail failed): the attempt stays open and is
    /// retried with the same key.
    RetryAt {
        at: UnixMillis,
        outcome: AttemptOutcome,
    },
}

/// What a call to a rail returned, as recorded on the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Approved,
    Declined,
    Pending,
    Failed,
    Voided,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Approved => "approved",
            AttemptOutcome::Declined => "declined",
            AttemptOutcome::Pending => "pending",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Voided => "voided",
        }
    }
}

/// What an attempt asks the rail to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptKind {
    Charge,
    Void,
}

impl AttemptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptKind::Charge => "charge",
            AttemptKind::Void => "void",
        }
    }
}

/// What the rail said for one order, under which attempt.
#[derive(Debug, Clone)]
pub struct Settled {
    pub order: IntentId,
    pub attempt: String,
    pub resolution: Resolution,
    /// The money it moves (domain/order_flow.rs), written with the order's new state.
    pub moves: Vec<Move>,
}

/// An order whose hold ended, and the charge to void at its rail if one was attempted.
#[derive(Debug, Clone)]
pub struct Released {
    pub id: String,
    pub rail: String,
    pub charge_key: Option<String>,
}

/// A void written but not yet confirmed by the rail.
#[derive(Debug, Clone)]
pub struct OpenVoid {
    pub order: String,
    pub rail: String,
    pub charge_key: String,
    pub void_key: String,
}

#[async_trait]
pub trait SettlementStore: Send + Sync + 'static {
    /// Held orders whose next attempt is due (not in review); a row that does not read comes
    /// back as `Unreadable` instead of failing the others.
    async fn due_settlements(
        &self,
        now: UnixMillis,
        limit: u32,
    ) -> Result<Vec<Result<HeldOrder, Unreadable>>, StorageError>;

    /// The open attempt of `kind` for each order, or a new one, all committed before this
    /// returns: the key is what the rail is called with, on every retry and after a crash.
    /// One commit for the batch; each order in its own savepoint, so one that fails does not
    /// hold back the others (its slot holds the error).
    async fn open_attempts(
        &self,
        orders: &[&str],
        kind: AttemptKind,
        now: UnixMillis,
    ) -> Result<Vec<Result<String, StorageError>>, StorageError>;

    /// Record each settlement outcome and its attempt's; per order `true` if it left `held`
    /// (a hold resolves once). One commit for the batch, one savepoint per order.
    async fn resolve_all(
        &self,
        outcomes: &[Settled],
        now: UnixMillis,
    ) -> Result<Vec<Result<bool, StorageError>>, StorageError>;

    /// Release every hold past its expiry (not in review), each in its own transaction.
    async fn expire_holds(
        &self,
        now: UnixMillis,
        reason: &str,
    ) -> Result<Vec<Released>, StorageError>;

    /// Voids written and not yet confirmed.
    async fn open_voids(&self) -> Result<Vec<OpenVoid>, StorageError>;

    /// The rail confirmed the void: both attempts are finished, and a claim's voucher goes back.
    async fn finish_void(&self, void: &OpenVoid, now: UnixMillis) -> Result<(), StorageError>;

    /// Take an order out of the automatic flow, for a person, with a code.
    async fn to_review(&self, id: &str, code: &str, now: UnixMillis) -> Result<(), StorageError>;
}
