//! The writer's batch, decided in memory. One read each of the taken ids, the devices'
//! outstanding totals and the items' stock; then every order is decided in arrival order
//! against those figures ([`Book::decide`], pure and tested without a database); then one
//! stock update per item and one insert for the whole batch. Under the batch's write lock
//! nothing else changes those rows, so the figures stay true until the commit. (Five SQL
//! statements per order became a handful per batch: each statement is a round trip to the
//! SQLite thread, the writer's largest cost after the fsync.)

use std::collections::HashMap;

use vitrine_protocol::acceptance::within_outstanding;
use vitrine_protocol::drops::DropId;
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{Currency, IntentId, ItemId, OrderState, UnixMillis};

use crate::domain::orders::{conflict_reason, order_view, Admission, Ingested, NewOrder, Refusal};
use crate::storage::orders::{ConflictKind, IngestTx, NewOrderRow, OrderRecord, StoredAnswer};
use crate::storage::StorageError;

mod claim_book;
mod drop_book;
pub use claim_book::ClaimBook;
pub use drop_book::DropBook;

/// What one order of the batch comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The id was taken before this batch: its first answer.
    Existing(StoredAnswer),
    /// The id came twice in this batch: the answer of the order at this index.
    SameAs(usize),
    UnknownItem,
    /// A new order: held (`None`) or a conflict of this kind.
    New(Option<ConflictKind>),
    /// Refused by the work's drop (not started, ended, over the buyer's limit, not on the
    /// allowlist, not the drop's price) or by the claim's voucher (claimed already, over the
    /// person's limit): nothing is written.
    Refused(Refusal),
}

/// The batch's figures, kept up to date as each order is decided.
#[derive(Debug, Default)]
pub struct Book {
    pub answers: HashMap<IntentId, StoredAnswer>,
    pub stock: HashMap<ItemId, i64>,
    pub outstanding: HashMap<(PublicKey, Currency), i64>,
    /// Editions taken per item by this batch's held orders.
    pub taken: HashMap<ItemId, i64>,
    /// The writer's clock for this batch.
    pub now: UnixMillis,
    /// Drop figures: the approved drops of the batch's works, and what buyers hold in them.
    pub drops: DropBook,
    /// The drop each new order of the batch was bought in.
    pub bought_in: HashMap<IntentId, DropId>,
    /// Claim figures: vouchers claimed, and what each person holds of each claim batch.
    pub claims: ClaimBook,
    seen: HashMap<IntentId, usize>,
}

impl Book {
    /// Decide order `index` of the batch: a taken id returns its first answer; a late intent,
    /// one over the device's outstanding limit, or one whose stock is gone becomes a conflict
    /// (nothing charged); otherwise its stock is held.
    pub fn decide(&mut self, index: usize, o: &NewOrder) -> Decision {
        if let Some(answer) = self.answers.get(&o.id) {
            return Decision::Existing(answer.clone());
        }
        if let Some(first) = self.seen.get(&o.id) {
            return Decision::SameAs(*first);
        }
        let Some(stock) = self.stock.get_mut(&o.item) else { return Decision::UnknownItem };
        // A voucher is claimed once: the first order to present it owns it, whatever that
        // order comes to (held, or a conflict the merchant resolves).
        if let Some(ticket) = &o.claim {
            if let Err(refusal) = self.claims.admit(ticket, o) {
                return Decision::Refused(refusal);
            }
            self.claims.take(ticket, self.now);
        }
        if o.admission == Admission::Late {
            self.seen.insert(o.id, index);
            return Decision::New(Some(ConflictKind::Late));
        }
        // A refusal writes nothing, so a second copy of the id in this batch is decided again
        // (the same way) rather than pointing at an answer that was never made. A claim is
        // not a sale of the work's drop: its price is the voucher batch's.
        let drop = match o.claim {
            Some(_) => None,
            None => match self.drops.admit(o, self.now) {
                Ok(drop) => drop,
                Err(refusal) => return Decision::Refused(Refusal::Drop(refusal)),
            },
        };
        self.seen.insert(o.id, index);
        if let Some(drop) = drop {
            self.bought_in.insert(o.id, drop);
        }
        let held = self.outstanding.entry((o.device_key, o.total.currency)).or_insert(0);
        if within_outstanding(&o.limit, *held, o.total).is_err() {
            return Decision::New(Some(ConflictKind::OverLimit));
        }
        let quantity = i64::from(o.quantity);
        let drop_left = drop.map_or(i64::MAX, |d| self.drops.left(d, o.item));
        if *stock < quantity || drop_left < quantity {
            return Decision::New(Some(ConflictKind::SoldOut));
        }
        *stock -= quantity;
        *held = held.saturating_add(o.total.amount_minor);
        *self.taken.entry(o.item).or_insert(0) += quantity;
        if let Some(drop) = drop {
            self.drops.take(drop, o, quantity);
        }
        if let Some(ticket) = &o.claim {
            self.claims.hold(ticket, o);
        }
        Decision::New(None)
    }
}

fn distinct<T: Copy + Eq + std::hash::Hash>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    values.filter(|v| seen.insert(*v)).collect()
}

/// Admit a batch inside the writer's transaction; one answer per order, in order.
pub async fn admit_batch(
    tx: &mut dyn IngestTx,
    batch: &[&NewOrder],
    now: UnixMillis,
    hold_ms: i64,
) -> Result<Vec<Ingested>, StorageError> {
    let ids = distinct(batch.iter().map(|o| o.id));
    let items = distinct(batch.iter().map(|o| o.item));
    let devices = distinct(batch.iter().map(|o| o.device_key));
    let drops = tx.drops(&items).await?;
    let drop_ids = distinct(drops.iter().map(|d| d.id));
    let buyers = tx.drop_buyers(&drop_ids).await?;
    // Claims are rare next to purchases: their reads only run when the batch has one.
    let vouchers = distinct(batch.iter().filter_map(|o| o.claim.map(|t| (t.batch, t.serial))));
    let (claimed, holders) = if vouchers.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        tx.claim_figures(&vouchers).await?
    };
    let mut book = Book {
        now,
        drops: DropBook::new(drops, buyers),
        claims: ClaimBook::new(claimed, holders),
        answers: tx.answers(&ids).await?.into_iter().collect(),
        stock: tx.stock(&items).await?.into_iter().collect(),
        outstanding: tx
            .outstanding(&devices)
            .await?
            .into_iter()
            .map(|(device, currency, amount)| ((device, currency), amount))
            .collect(),
        ..Book::default()
    };
    let decisions: Vec<Decision> =
        batch.iter().enumerate().map(|(i, o)| book.decide(i, o)).collect();
    for (item, quantity) in &book.taken {
        if !tx.take_stock(*item, *quantity).await? {
            // The write lock makes this impossible; if it happens, commit nothing.
            return Err(StorageError::Corrupt(format!(
                "stock of item {item} moved under the writer"
            )));
        }
    }
    let mut out: Vec<Ingested> = Vec::with_capacity(batch.len());
    let mut rows = Vec::new();
    let mut claimed = Vec::new();
    for (o, decision) in batch.iter().zip(decisions) {
        let ingested = match decision {
            Decision::Existing(answer) => Ingested::Existing(answer),
            Decision::SameAs(first) => match out.get(first) {
                Some(Ingested::Created(answer)) => Ingested::Existing(answer.clone()),
                _ => return Err(StorageError::Corrupt("duplicate in batch".into())),
            },
            Decision::UnknownItem => Ingested::UnknownItem,
            Decision::Refused(refusal) => Ingested::Refused(refusal),
            Decision::New(conflict) => {
                // After every take of the batch, so a suggestion is really in stock.
                let similar = match conflict {
                    Some(ConflictKind::SoldOut) => tx.similar_in_stock(o.item, o.quantity).await?,
                    _ => None,
                };
                let mut row = new_row(o, conflict, similar, now, hold_ms)?;
                row.drop_id = book.bought_in.get(&o.id).copied();
                if let Some(t) = o.claim {
                    claimed.push((t.batch, t.serial, o.id));
                }
                let answer = row.answer.clone();
                rows.push(row);
                Ingested::Created(answer)
            }
        };
        out.push(ingested);
    }
    tx.insert(&rows, now).await?;
    if !claimed.is_empty() {
        tx.claim_vouchers(&claimed, now).await?;
    }
    Ok(out)
}

fn new_row(
    o: &NewOrder,
    conflict: Option<ConflictKind>,
    similar: Option<(ItemId, String)>,
    now: UnixMillis,
    hold_ms: i64,
) -> Result<NewOrderRow, StorageError> {
    let record = OrderRecord {
        id: o.id,
        request_hash: o.request_hash,
        device_key: o.device_key,
        item: o.item,
        quantity: o.quantity,
        total: o.total,
        rail: o.rail.clone(),
        token: o.token.clone(),
        wallet: o.buyer.wallet.clone(),
        email: o.buyer.email.clone(),
        device_time: o.device_time,
        state: if conflict.is_some() { OrderState::Conflict } else { OrderState::Held },
        conflict,
        hold_expires_at: conflict.is_none().then(|| now.plus(hold_ms)),
        reason: conflict.map(|kind| conflict_reason(kind).to_owned()),
    };
    let body = serde_json::to_string(&order_view(&record, similar, now))
        .map_err(|e| StorageError::Corrupt(format!("order json: {e}")))?;
    let answer = StoredAnswer { request_hash: o.request_hash, status: 201, body };
    Ok(NewOrderRow {
        record,
        answer,
        next_settle_at: conflict.is_none().then_some(now),
        drop_id: None,
    })
}

#[cfg(test)]
#[path = "admission/tests.rs"]
mod tests;
