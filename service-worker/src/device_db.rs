//! The device's IndexedDB (`vitrine`): its key and certificate, the outbox of unsent intents, and
//! the receipts. Records are stored as plain JS objects (readable in DevTools) converted through
//! JSON, so their shape is the protocol's serde shape.
//!
//! Rule from rexie #36: inside a transaction await only IndexedDB requests, never the network,
//! or the transaction commits early.

use rexie::{ObjectStore, Rexie, Transaction, TransactionMode, TransactionResult};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use vitrine_protocol::device::Receipt;
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{DeviceCertificate, IntentId};
use wasm_bindgen::JsValue;

pub const NAME: &str = "vitrine";
pub const DEVICE: &str = "device";
pub const OUTBOX: &str = "outbox";
pub const RECEIPTS: &str = "receipts";
/// Small records the worker keeps for itself: the image cache's counters.
pub const META: &str = "meta";
/// Outbox records that could not be read: kept (never deleted) for support, shown to the
/// buyer as needing attention, and never allowed to stop the rest of the outbox.
pub const QUARANTINE: &str = "quarantine";
/// A kiosk's downloaded vouchers, by short code (`batch-serial`), for typed codes offline.
pub const KIOSK_VOUCHERS: &str = "kiosk_vouchers";

/// The schema, one step per version: the stores each version adds. A step never removes or
/// renames a store: rexie deletes every store a build does not declare, so each build declares
/// the stores of *all* steps, and the outbox and receipts can never be dropped by an upgrade.
pub const STEPS: &[(u32, &[&str])] = &[
    (1, &[DEVICE, OUTBOX, RECEIPTS]),
    // 2: image cache counters (`meta`), written off the fetch path.
    (2, &[META]),
    // 3: unreadable outbox records, set aside.
    (3, &[QUARANTINE]),
    // 4: a kiosk's vouchers (its key is a second `device` record).
    (4, &[KIOSK_VOUCHERS]),
];
pub const VERSION: u32 = STEPS[STEPS.len() - 1].0;

fn stores() -> impl Iterator<Item = &'static str> {
    STEPS.iter().flat_map(|(_, stores)| stores.iter().copied())
}

const SELF_KEY: &str = "self";
/// The kiosk's own key and certificate (free claims only), apart from the collector's.
pub const KIOSK_KEY: &str = "kiosk";

/// The device's key and the server's grant for it. One record, key `"self"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub id: String,
    /// The ed25519 secret key, hex. Never leaves this database.
    pub secret: String,
    pub certificate: Option<Signed<DeviceCertificate>>,
}

/// An outbox record that did not parse, as set aside.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Quarantined {
    pub id: String,
    /// Why it could not be read.
    pub error: String,
    /// The record as it was, as JSON text.
    pub record: String,
}

#[derive(Debug)]
pub struct DbError(pub String);

impl From<rexie::Error> for DbError {
    fn from(e: rexie::Error) -> Self {
        DbError(format!("IndexedDB: {e}"))
    }
}

impl From<serde_json::Error> for DbError {
    fn from(e: serde_json::Error) -> Self {
        DbError(format!("a stored record has an unexpected shape: {e}"))
    }
}

impl From<JsValue> for DbError {
    fn from(e: JsValue) -> Self {
        DbError(format!("{e:?}"))
    }
}

/// Wait for the commit; an aborted transaction wrote nothing and is an error.
async fn commit(tx: Transaction) -> Result<(), DbError> {
    match tx.done().await? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(DbError("IndexedDB: the transaction was aborted".into())),
    }
}

/// An open connection, closed when dropped: an open connection blocks the next release's
/// upgrade (`versionchange`) until it goes away, and the worker may live for minutes.
pub struct Db(Option<Rexie>);

impl std::ops::Deref for Db {
    type Target = Rexie;

    fn deref(&self) -> &Rexie {
        // Only `drop` takes the connection out.
        self.0.as_ref().unwrap_or_else(|| unreachable!("Db used after drop"))
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(db) = self.0.take() {
            db.close();
        }
    }
}

/// Open at this build's version, upgrading through `STEPS`. A database already at a *newer*
/// version (the next release's worker installed while this one still runs) is opened as it
/// is: newer versions keep every store this one knows.
pub async fn open() -> Result<Db, DbError> {
    let builder = |version: Option<u32>| {
        let b = Rexie::builder(NAME);
        let b = match version {
            Some(v) => b.version(v),
            None => b,
        };
        stores().fold(b, |b, store| b.add_object_store(ObjectStore::new(store).key_path("id")))
    };
    let error = match builder(Some(VERSION)).build().await {
        Ok(db) => return Ok(Db(Some(db))),
        Err(e) => DbError::from(e),
    };
    // Opening without a version never upgrades an existing database.
    match builder(None).build().await {
        Ok(db) if db.version().is_ok_and(|v| v > VERSION) => Ok(Db(Some(db))),
        Ok(db) => {
            db.close();
            Err(error)
        }
        Err(_) => Err(error),
    }
}

pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, DbError> {
    Ok(js_sys::JSON::parse(&serde_json::to_string(value)?)?)
}

pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, DbError> {
    let text: String = js_sys::JSON::stringify(value)?.into();
    Ok(serde_json::from_str(&text)?)
}

async fn get<T: DeserializeOwned>(
    tx: &Transaction,
    store: &str,
    key: &str,
) -> Result<Option<T>, DbError> {
    match tx.store(store)?.get(JsValue::from_str(key)).await? {
        Some(value) => Ok(Some(from_js(&value)?)),
        None => Ok(None),
    }
}

async fn all<T: DeserializeOwned>(db: &Rexie, store: &str) -> Result<Vec<T>, DbError> {
    let tx = db.transaction(&[store], TransactionMode::ReadOnly)?;
    let values = tx.store(store)?.get_all(None, None).await?;
    values.iter().map(from_js).collect()
}

pub async fn device(db: &Rexie) -> Result<Option<DeviceRecord>, DbError> {
    device_named(db, SELF_KEY).await
}

/// The device record `"self"` (the collector's) or `KIOSK_KEY`.
pub async fn device_named(db: &Rexie, name: &str) -> Result<Option<DeviceRecord>, DbError> {
    let tx = db.transaction(&[DEVICE], TransactionMode::ReadOnly)?;
    get(&tx, DEVICE, name).await
}

/// Store a new key, unless another worker instance stored one first; returns the one kept.
pub async fn create_device(db: &Rexie, secret: String) -> Result<DeviceRecord, DbError> {
    create_device_named(db, SELF_KEY, secret).await
}

pub async fn create_device_named(
    db: &Rexie,
    name: &str,
    secret: String,
) -> Result<DeviceRecord, DbError> {
    let tx = db.transaction(&[DEVICE], TransactionMode::ReadWrite)?;
    if let Some(existing) = get::<DeviceRecord>(&tx, DEVICE, name).await? {
        commit(tx).await?;
        return Ok(existing);
    }
    let record = DeviceRecord { id: name.to_owned(), secret, certificate: None };
    tx.store(DEVICE)?.put(&to_js(&record)?, None).await?;
    commit(tx).await?;
    Ok(record)
}

/// Write one record to one store, in its own transaction.
async fn put<T: Serialize>(db: &Rexie, store: &str, value: &T) -> Result<(), DbError> {
    let tx = db.transaction(&[store], TransactionMode::ReadWrite)?;
    tx.store(store)?.put(&to_js(value)?, None).await?;
    commit(tx).await
}

pub async fn save_device(db: &Rexie, record: &DeviceRecord) -> Result<(), DbError> {
    put(db, DEVICE, record).await
}

/// Every readable outbox entry. A record that does not parse is moved to `quarantine` (in one
/// transaction with its removal) so one damaged record never stops the rest from replaying.
pub async fn outbox(db: &Rexie) -> Result<Vec<OutboxEntry>, DbError> {
    let tx = db.transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
    let values = tx.store(OUTBOX)?.get_all(None, None).await?;
    drop(tx);
    let mut entries = Vec::with_capacity(values.len());
    for value in values {
        match from_js::<OutboxEntry>(&value) {
            Ok(entry) => entries.push(entry),
            Err(error) => quarantine(db, &value, error).await?,
        }
    }
    Ok(entries)
}

async fn quarantine(db: &Rexie, value: &JsValue, error: DbError) -> Result<(), DbError> {
    let record: String = js_sys::JSON::stringify(value).map(String::from).unwrap_or_default();
    let key = js_sys::Reflect::get(value, &"id".into()).unwrap_or(JsValue::UNDEFINED);
    let id = key.as_string().unwrap_or_else(|| format!("unreadable-{}", crate::js::now().0));
    let kept = Quarantined { id, error: error.0, record };
    let tx = db.transaction(&[OUTBOX, QUARANTINE], TransactionMode::ReadWrite)?;
    tx.store(QUARANTINE)?.put(&to_js(&kept)?, None).await?;
    if !key.is_undefined() {
        tx.store(OUTBOX)?.delete(key).await?;
    }
    commit(tx).await?;
    crate::js::warn("an outbox record could not be read; set aside", &kept.id.clone().into());
    Ok(())
}

/// Records set aside because they could not be read.
pub async fn quarantined(db: &Rexie) -> Result<Vec<Quarantined>, DbError> {
    all(db, QUARANTINE).await
}

/// Checkout's one transaction: read this device's receipts, run `decide` on them (the budget
/// check, and signing), and store the intent and its receipt, all inside one IndexedDB
/// transaction, so two tabs buying at once can never both spend the same budget. `decide`
/// must not await anything but IndexedDB (it does not await at all).
pub async fn add_purchase_checked<R>(
    db: &Rexie,
    decide: impl FnOnce(&[Receipt]) -> Result<(OutboxEntry, Receipt), R>,
) -> Result<Result<Receipt, R>, DbError> {
    let tx = db.transaction(&[OUTBOX, RECEIPTS], TransactionMode::ReadWrite)?;
    let values = tx.store(RECEIPTS)?.get_all(None, None).await?;
    // A receipt that does not parse counts as nothing; it stays untouched.
    let receipts: Vec<Receipt> = values.iter().filter_map(|v| from_js(v).ok()).collect();
    let (entry, receipt) = match decide(&receipts) {
        Ok(pair) => pair,
        Err(refusal) => {
            commit(tx).await?;
            return Ok(Err(refusal));
        }
    };
    tx.store(OUTBOX)?.add(&to_js(&entry)?, None).await?;
    tx.store(RECEIPTS)?.add(&to_js(&receipt)?, None).await?;
    commit(tx).await?;
    Ok(Ok(receipt))
}

/// The receipt with this id, if any.
pub async fn receipt(db: &Rexie, id: IntentId) -> Result<Option<Receipt>, DbError> {
    let tx = db.transaction(&[RECEIPTS], TransactionMode::ReadOnly)?;
    get(&tx, RECEIPTS, &id.to_string()).await
}

/// The outbox entry with this id, if any (and readable).
pub async fn entry(db: &Rexie, id: IntentId) -> Result<Option<OutboxEntry>, DbError> {
    let tx = db.transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
    Ok(get(&tx, OUTBOX, &id.to_string()).await.unwrap_or(None))
}

/// Accepted, not final: the receipt takes the order's state and the entry stays, marked.
pub async fn accept(
    db: &Rexie,
    entry: &OutboxEntry,
    change: impl FnOnce(&mut Receipt),
) -> Result<(), DbError> {
    let tx = db.transaction(&[OUTBOX, RECEIPTS], TransactionMode::ReadWrite)?;
    let key = entry.id.to_string();
    if let Some(mut receipt) = get::<Receipt>(&tx, RECEIPTS, &key).await? {
        change(&mut receipt);
        tx.store(RECEIPTS)?.put(&to_js(&receipt)?, None).await?;
    }
    let kept = OutboxEntry { accepted: true, last_error: None, ..entry.clone() };
    tx.store(OUTBOX)?.put(&to_js(&kept)?, None).await?;
    commit(tx).await
}

pub async fn receipts(db: &Rexie) -> Result<Vec<Receipt>, DbError> {
    let mut receipts: Vec<Receipt> = all(db, RECEIPTS).await?;
    // UUID v7 ids sort by creation time.
    receipts.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(receipts)
}

pub async fn save_entry(db: &Rexie, entry: &OutboxEntry) -> Result<(), DbError> {
    put(db, OUTBOX, entry).await
}

/// A final answer: the intent leaves the outbox and its receipt changes, in one transaction.
/// `change` sees the stored receipt; a missing receipt (cleared by hand) is not recreated.
pub async fn settle(
    db: &Rexie,
    id: IntentId,
    change: impl FnOnce(&mut Receipt),
) -> Result<(), DbError> {
    let tx = db.transaction(&[OUTBOX, RECEIPTS], TransactionMode::ReadWrite)?;
    let key = id.to_string();
    if let Some(mut receipt) = get::<Receipt>(&tx, RECEIPTS, &key).await? {
        change(&mut receipt);
        tx.store(RECEIPTS)?.put(&to_js(&receipt)?, None).await?;
    }
    tx.store(OUTBOX)?.delete(JsValue::from_str(&key)).await?;
    commit(tx).await?;
    Ok(())
}

pub async fn save_receipt(db: &Rexie, receipt: &Receipt) -> Result<(), DbError> {
    put(db, RECEIPTS, receipt).await
}

/// Read-modify-write one `meta` record in one transaction (absent → `T::default()`).
pub async fn update_meta<T>(db: &Rexie, change: impl FnOnce(&mut T)) -> Result<T, DbError>
where
    T: Serialize + DeserializeOwned + Default + MetaRecord,
{
    let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
    let mut value: T = get(&tx, META, T::KEY).await?.unwrap_or_default();
    change(&mut value);
    tx.store(META)?.put(&to_js(&value)?, None).await?;
    commit(tx).await?;
    Ok(value)
}

pub async fn meta<T: DeserializeOwned + MetaRecord>(db: &Rexie) -> Result<Option<T>, DbError> {
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    get(&tx, META, T::KEY).await
}

/// A record of the `meta` store; its `id` field must equal `KEY`.
pub trait MetaRecord {
    const KEY: &'static str;
}

mod claims;
mod entry;
#[cfg(test)]
mod tests;

pub use claims::{
    add_claim, apply, kiosk_voucher, kiosk_voucher_count, save_kiosk_vouchers, Change,
};
pub use entry::{OutboxEntry, Outgoing};
