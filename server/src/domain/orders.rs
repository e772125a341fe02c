//! The order rules: whether an accepted intent holds stock or becomes a conflict, what the
//! buyer reads about it, and what they can do next. Storage only runs the SQL.

use vitrine_protocol::drops::allowlist::Hash;
use vitrine_protocol::drops::DropRefusal;
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{
    Buyer, IntentId, ItemId, Money, OfflineLimit, Order, OrderState, Quote, SuggestedAction,
    UnixMillis,
};

use vitrine_protocol::settlement::{ChainProgress, MintStage, PaymentStatus, Settlement};

use crate::domain::minter::CUSTODY_WALLET;
use crate::domain::order_flow::Payment;
use crate::storage::mints::MintState;
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
    /// The voucher a claim presents (`None` for a purchase).
    pub claim: Option<ClaimTicket>,
}

/// A claim's voucher, as the writer checks it: once per voucher, a limit per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimTicket {
    pub batch: i64,
    pub serial: u16,
    pub per_person_limit: u32,
    /// Made by one of the batch's merchant's kiosks, which redeems for many visitors: the
    /// person is its email alone, never the device.
    pub kiosk: bool,
}

/// Why the writer refused an order outright (nothing is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The work's drop refused it.
    Drop(DropRefusal),
    /// Another order claimed the voucher first, at `at`.
    AlreadyClaimed { at: UnixMillis },
    /// The person (device or email) already claimed the most the batch allows.
    ClaimLimit { limit: u32 },
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
    /// Refused by the work's drop or the claim's voucher: nothing was written.
    Refused(Refusal),
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
        settlement: None,
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
    let mut order = order_view(&record, similar, now);
    order.settlement = settlement(storage, &record).await?;
    Ok(Some(order))
}

/// Where a held or paid order's money and token stand; `None` when nothing moved.
async fn settlement(
    storage: &dyn Storage,
    record: &OrderRecord,
) -> Result<Option<Settlement>, StorageError> {
    // The ledger is the record of what the money did (captures, refunds, disputes).
    let id = record.id.to_string();
    let flow = storage.flows(&[id.as_str()]).await?.remove(&id);
    let payment = match flow.map(|f| (f.payment, f.refunded_minor)) {
        Some((Payment::Authorized, _)) => PaymentStatus::Authorized,
        Some((Payment::Captured, 0)) => PaymentStatus::Paid,
        Some((Payment::Captured, _)) => PaymentStatus::PartlyRefunded,
        Some((Payment::Refunded, _)) => PaymentStatus::Refunded,
        Some((Payment::Disputed, _)) => PaymentStatus::Disputed,
        Some((Payment::ChargedBack, _)) => PaymentStatus::ChargedBack,
        Some((Payment::Held | Payment::Declined | Payment::Expired, _)) | None => return Ok(None),
    };
    let attempts = storage.order_mints(record.id).await?;
    let chain = attempts.last().map(|last| {
        let again = last.n > 0;
        let stage = match last.state {
            MintState::Dropped => MintStage::Reorged,
            MintState::Submitting | MintState::Pending if again => MintStage::Reorged,
            MintState::Submitting | MintState::Pending => MintStage::Pending,
            MintState::Included => MintStage::Confirming,
            MintState::Final => MintStage::Final,
        };
        ChainProgress {
            chain: last.chain.clone(),
            stage,
            confirmations: last.confirmations,
            needed: last.needed,
            tx: last.tx.clone(),
            token_id: last.token_id,
            wallet: last.wallet.clone(),
            custody: last.wallet == CUSTODY_WALLET,
        }
    });
    Ok(Some(Settlement { payment, rail: record.rail.clone(), chain }))
}
