//! The order rules: whether an accepted intent holds stock or becomes a conflict, what the
//! buyer reads about it, and what they can do next. Storage only runs the SQL.

use vitrine_protocol::drops::allowlist::Hash;
use vitrine_protocol::drops::DropRefusal;
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{
    Buyer, IntentId, ItemId, Money, OfflineLimit, Order, OrderState, Quote, SuggestedAction,
    UnixMillis,
};

use crate::storage::orders::{ConflictKind, OrderRecord, StoredAnswer};
use crate::storage::{Storage, StorageError};

/// Why an expired hold ended.
pub const EXPIRED_REASON: &str = "The payment did not complete in time. Nothing was charged.";

/// Whether the intent arrived within its offline window (decided by the acceptance rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    InTime,
    /// Signed in time, arrived after the window: recorded as a conflict, nothing charged.
    Late,
}

/// An intent that passed verification, ready to become an order.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: IntentId,
    /// Identity of the request body: same key + same hash = a retry.
    pub request_hash: [u8; 32],
    pub device_key: PublicKey,
    pub item: ItemId,
    pub quantity: u32,
    pub total: Money,
    pub rail: String,
    pub token: String,
    pub buyer: Buyer,
    pub device_time: UnixMillis,
    pub admission: Admission,
    /// The certificate's limit in the total's currency: the writer enforces its outstanding
    /// part against what the server holds for this device.
    pub limit: OfflineLimit,
    /// The signed price relied on: a drop's quote names its drop by price and window.
    pub quote: Quote,
    /// The buyer's proof of being on a drop's allowlist (empty when none is needed).
    pub allowlist_proof: Vec<Hash>,
}

/// What ingesting one order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A new order; this is its answer.
    Created(StoredAnswer),
    /// The id was already taken; this is the answer it got then.
    Existing(StoredAnswer),
    /// No such item: nothing was written.
    UnknownItem,
    /// The work's drop refused it: nothing was written.
    Refused(DropRefusal),
}

/// The words on a conflict.
pub fn conflict_reason(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::SoldOut => {
            "Every edition was sold before this purchase reached us. Nothing was charged."
        }
        ConflictKind::Late => {
            "This purchase reached us after the offline window closed, so it was not honoured. Nothing was charged."
        }
        ConflictKind::OverLimit => {
            "This purchase would take this device over its offline limit while other purchases are still completing. Nothing was charged."
        }
    }
}

/// What the buyer can do about a conflict; `similar` is an in-stock item of the same
/// collection, if any.
pub fn suggestions(
    kind: ConflictKind,
    item: ItemId,
    similar: Option<(ItemId, String)>,
) -> Vec<SuggestedAction> {
    let mut actions = vec![SuggestedAction::NothingCharged];
    match kind {
        ConflictKind::SoldOut => {
            if let Some((item, title)) = similar {
                actions.push(SuggestedAction::SimilarItem { item, title });
            }
            actions.push(SuggestedAction::JoinWaitlist);
        }
        ConflictKind::Late => actions.push(SuggestedAction::BuyAgain { item }),
        ConflictKind::OverLimit => {
            actions.push(SuggestedAction::WaitForPending);
            actions.push(SuggestedAction::BuyAgain { item });
        }
    }
    actions
}

/// The buyer's view of an order, as it stands at `as_of` (unsealed: the route seals it).
pub(crate) fn order_view(
    r: &OrderRecord,
    similar: Option<(ItemId, String)>,
    as_of: UnixMillis,
) -> Order {
    Order {
        id: r.id,
        state: r.state,
        item: r.item,
        quantity: r.quantity,
        total: r.total,
        hold_expires_at: r.hold_expires_at,
        reason: r.reason.clone(),
        suggested_actions: match r.conflict {
            Some(kind) if r.state == OrderState::Conflict => suggestions(kind, r.item, similar),
            _ => Vec::new(),
        },
        as_of: Some(as_of),
        seal: None,
    }
}

/// `GET /api/v1/orders/{id}`: the order now, with suggestions that reflect today's stock.
pub async fn view(
    storage: &dyn Storage,
    id: IntentId,
    now: UnixMillis,
) -> Result<Option<Order>, StorageError> {
    let Some(record) = storage.order(id).await? else { return Ok(None) };
    let similar = match record.conflict {
        Some(ConflictKind::SoldOut) if record.state == OrderState::Conflict => {
            storage.similar_in_stock(record.item, record.quantity).await?
        }
        _ => None,
    };
    Ok(Some(order_view(&record, similar, now)))
}
