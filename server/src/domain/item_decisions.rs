//! A person's decision on a reconciliation item that waits (the console's conflicts queue):
//! only an action the item suggests and a person takes (`ItemAction::offered`). Marking it
//! reviewed closes it with the note. A refund gives back what the rail took that the ledger
//! never held (`reconcile::refund_due`): the decision is written `asked` with its key before
//! the rail is called, so a second click, a concurrent one or the settler's next pass asks
//! again under the same key and the rail gives back at most once; the rail's approval closes
//! the item and writes the corrections. Nothing else moves money here.

use vitrine_protocol::merchant::{ItemAction, ResolveItem};
use vitrine_protocol::UnixMillis;

use crate::domain::reconcile::{order_of, refund_due};
use crate::domain::settlement::{Outcome, Rails, Refund};
use crate::domain::settler::with_timeout;
use crate::storage::item_decisions::{Asked, AskedRefund, Decided};
use crate::storage::merchants::Actor;
use crate::storage::reconcile::StoredItem;
use crate::storage::{Storage, StorageError};

/// Asked refunds the settler asks again per pass.
const PER_PASS: u32 = 100;

/// Why a decision was not made. Nothing was written for any of them but `Declined` (the
/// rail's refusal, kept with the decision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// Settled already, another way (automatically, or by another decision).
    Settled(Box<StoredItem>),
    /// Not an action this item offers a person.
    NotOffered(Vec<ItemAction>),
    /// Nothing the ledger does not hold to give back: why.
    NothingToRefund(String),
    /// A refund of this item is being asked; only its answer settles it.
    RefundAsked,
    /// The item's rail is not one this server settles on (any more).
    NoRail(String),
    /// The rail refused the refund: why. The item stays open.
    Declined(String),
    /// The rail gave no answer yet; the refund stays asked, under its key.
    NoAnswer,
}

/// Decide item `id` of `merchant` as `ask` says.
pub async fn decide(
    storage: &dyn Storage,
    rails: &Rails,
    actor: &Actor,
    merchant: i64,
    id: i64,
    ask: &ResolveItem,
    now: UnixMillis,
) -> Result<Result<StoredItem, Refusal>, StorageError> {
    let Some(item) = storage.reconciliation_item(merchant, id).await? else {
        return Ok(Err(Refusal::NotFound));
    };
    if item.status != "open" {
        // The same decision again (a double click, a retry after a lost answer): its result.
        return Ok(settled(item, ask.action));
    }
    let offered = ItemAction::offered(&item.suggested);
    if !offered.contains(&ask.action) {
        return Ok(Err(Refusal::NotOffered(offered)));
    }
    let decided = match ask.action {
        ItemAction::ManualReview => {
            storage.mark_reviewed(actor, merchant, id, &ask.note, now).await?
        }
        ItemAction::Refund => return refund(storage, rails, actor, merchant, item, ask, now).await,
    };
    Ok(match decided {
        Decided::Done(item) => Ok(item),
        Decided::Settled(item) => settled(item, ask.action),
        Decided::RefundAsked(_) => Err(Refusal::RefundAsked),
        Decided::NotFound => Err(Refusal::NotFound),
    })
}

/// An item settled while this decision was on its way: by the same decision (another click
/// of it), its result; otherwise a refusal.
fn settled(item: StoredItem, action: ItemAction) -> Result<StoredItem, Refusal> {
    if item.resolution.as_ref().is_some_and(|r| r.action == action && r.state == "done") {
        Ok(item)
    } else {
        Err(Refusal::Settled(Box::new(item)))
    }
}

async fn refund(
    storage: &dyn Storage,
    rails: &Rails,
    actor: &Actor,
    merchant: i64,
    item: StoredItem,
    ask: &ResolveItem,
    now: UnixMillis,
) -> Result<Result<StoredItem, Refusal>, StorageError> {
    // The rail refused this item's refund: asked again under its key it says the same.
    if let Some(r) = item.resolution.as_ref().filter(|r| r.state == "declined") {
        let reason = r.reason.clone().unwrap_or_else(|| "no reason given".into());
        return Ok(Err(Refusal::Declined(reason)));
    }
    let asked = item.resolution.as_ref().filter(|r| r.state == "asked").and_then(|r| r.refund);
    let amount = match asked {
        // Asked before: the same amount again (the store answers the first ask's).
        Some(amount) => amount,
        None => {
            let order = order_of(&item.key);
            let facts = storage.order_facts(&[order]).await?;
            let taken = storage.taken(&item.rail, &item.key).await?;
            match refund_due(&item.kind, taken, facts.get(order)) {
                Ok(amount) => amount,
                Err(why) => return Ok(Err(Refusal::NothingToRefund(why))),
            }
        }
    };
    let asked =
        match storage.ask_item_refund(actor, merchant, item.id, &ask.note, amount, now).await? {
            Decided::Done(asked) => asked,
            Decided::Settled(item) => return Ok(settled(item, ask.action)),
            Decided::RefundAsked(_) => return Ok(Err(Refusal::RefundAsked)),
            Decided::NotFound => return Ok(Err(Refusal::NotFound)),
        };
    let pending =
        AskedRefund { merchant, item: item.id, rail: item.rail, charge_key: item.key, asked };
    ask_rail(storage, rails, &pending, now).await
}

/// Ask the rail for an asked refund, under its key, and record a decided answer.
async fn ask_rail(
    storage: &dyn Storage,
    rails: &Rails,
    pending: &AskedRefund,
    now: UnixMillis,
) -> Result<Result<StoredItem, Refusal>, StorageError> {
    let Some(rail) = rails.get(&pending.rail) else {
        return Ok(Err(Refusal::NoRail(pending.rail.clone())));
    };
    let Asked { key, amount } = pending.asked.clone();
    let refund = Refund { key, charge_key: pending.charge_key.clone(), amount };
    let answer = match with_timeout(rail.refund(&refund, now)).await {
        Ok(Outcome::Approved { reference }) => Ok(reference),
        Ok(Outcome::Declined { reason }) => Err(reason),
        Ok(Outcome::Pending { .. }) => return Ok(Err(Refusal::NoAnswer)),
        Err(error) => {
            tracing::warn!(%error, key = %refund.key, "item refund not answered; asked again later");
            return Ok(Err(Refusal::NoAnswer));
        }
    };
    let (merchant, item) = (pending.merchant, pending.item);
    let recorded = storage.finish_item_refund(merchant, item, answer.clone(), now).await?;
    // Answered already (a concurrent click, the settler): read it as it stands.
    let recorded = match recorded {
        Some(item) => Some(item),
        None => storage.reconciliation_item(merchant, item).await?,
    };
    Ok(match (answer, recorded) {
        (Err(reason), _) => Err(Refusal::Declined(reason)),
        (Ok(_), Some(item)) => Ok(item),
        (Ok(_), None) => Err(Refusal::NotFound),
    })
}

/// Ask again every refund still asked (run by the settler each pass): nothing a person
/// decided is left waiting on a click.
pub async fn pass(
    storage: &dyn Storage,
    rails: &Rails,
    now: UnixMillis,
) -> Result<(), StorageError> {
    for pending in storage.asked_item_refunds(PER_PASS).await? {
        // One that cannot be recorded must not hold up the others.
        match ask_rail(storage, rails, &pending, now).await {
            Ok(Ok(_)) => {}
            Ok(Err(refusal)) => tracing::debug!(item = pending.item, ?refusal, "item refund open"),
            Err(error) => tracing::error!(%error, item = pending.item, "item refund not recorded"),
        }
    }
    Ok(())
}
