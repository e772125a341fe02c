//! The outbox's claims: stored once per voucher and device, and answered a request's worth at
//! a time (a kiosk sends hundreds), each group of answers in one transaction. And the
//! kiosk's vouchers, for codes typed by their short form.

use rexie::{Rexie, TransactionMode};
use vitrine_protocol::device::{KioskVoucher, Receipt};
use vitrine_protocol::IntentId;
use wasm_bindgen::JsValue;

use super::{commit, get, to_js, DbError, OutboxEntry, KIOSK_VOUCHERS, OUTBOX, RECEIPTS};

/// Store a claim and its receipt, unless this device has a receipt under the same id (the
/// same voucher scanned again): then nothing is written and that receipt is returned as
/// `Err`. One transaction, so two tabs scanning at once store one claim.
pub async fn add_claim(
    db: &Rexie,
    entry: &OutboxEntry,
    receipt: &Receipt,
) -> Result<Result<(), Receipt>, DbError> {
    let tx = db.transaction(&[OUTBOX, RECEIPTS], TransactionMode::ReadWrite)?;
    if let Some(existing) = get::<Receipt>(&tx, RECEIPTS, &receipt.id.to_string()).await? {
        commit(tx).await?;
        return Ok(Err(existing));
    }
    tx.store(OUTBOX)?.put(&to_js(entry)?, None).await?;
    tx.store(RECEIPTS)?.put(&to_js(receipt)?, None).await?;
    commit(tx).await?;
    Ok(Ok(()))
}

/// What one answer does to an outbox entry and its receipt.
pub enum Change {
    /// Final: the entry leaves the outbox and the receipt changes.
    Settle(IntentId, Box<dyn FnOnce(&mut Receipt)>),
    /// Accepted, not final: the receipt changes and the entry stays, marked accepted.
    Accept(OutboxEntry, Box<dyn FnOnce(&mut Receipt)>),
    /// Not answered: the entry is kept with its new schedule.
    Retry(OutboxEntry),
}

/// Every change in one transaction.
pub async fn apply(db: &Rexie, changes: Vec<Change>) -> Result<(), DbError> {
    let tx = db.transaction(&[OUTBOX, RECEIPTS], TransactionMode::ReadWrite)?;
    let outbox = tx.store(OUTBOX)?;
    let receipts = tx.store(RECEIPTS)?;
    for change in changes {
        let (id, receipt_change) = match change {
            Change::Settle(id, f) => {
                outbox.delete(JsValue::from_str(&id.to_string())).await?;
                (id, f)
            }
            Change::Accept(entry, f) => {
                let kept = OutboxEntry { accepted: true, last_error: None, ..entry };
                outbox.put(&to_js(&kept)?, None).await?;
                (kept.id, f)
            }
            Change::Retry(entry) => {
                outbox.put(&to_js(&entry)?, None).await?;
                continue;
            }
        };
        if let Some(mut receipt) = get::<Receipt>(&tx, RECEIPTS, &id.to_string()).await? {
            receipt_change(&mut receipt);
            receipts.put(&to_js(&receipt)?, None).await?;
        }
    }
    commit(tx).await
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    /// The short code.
    id: String,
    code: String,
}

/// Keep `vouchers` (new ones added, known ones rewritten), in one transaction.
pub async fn save_kiosk_vouchers(db: &Rexie, vouchers: &[KioskVoucher]) -> Result<(), DbError> {
    let tx = db.transaction(&[KIOSK_VOUCHERS], TransactionMode::ReadWrite)?;
    let store = tx.store(KIOSK_VOUCHERS)?;
    for v in vouchers {
        let stored = Stored { id: v.short_code.clone(), code: v.code.clone() };
        store.put(&to_js(&stored)?, None).await?;
    }
    commit(tx).await
}

/// The full code of a short one, when the kiosk downloaded it.
pub async fn kiosk_voucher(db: &Rexie, short_code: &str) -> Result<Option<String>, DbError> {
    let tx = db.transaction(&[KIOSK_VOUCHERS], TransactionMode::ReadOnly)?;
    Ok(get::<Stored>(&tx, KIOSK_VOUCHERS, short_code).await?.map(|s| s.code))
}

pub async fn kiosk_voucher_count(db: &Rexie) -> Result<u32, DbError> {
    let tx = db.transaction(&[KIOSK_VOUCHERS], TransactionMode::ReadOnly)?;
    let n = tx.store(KIOSK_VOUCHERS)?.count(None).await?;
    Ok(n)
}
