//! Checkout on the device: check the offline budget, sign the intent, and store it with its
//! receipt in one IndexedDB transaction. Sending is the replayer's job.

use rexie::Rexie;
use uuid::Builder;
use vitrine_protocol::device::{
    check_purchase, Purchase, Receipt, ReceiptStatus, Refusal, WorkerReply,
};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{Intent, IntentId, Money, Quote, UnixMillis};

use crate::device_db::{self, DbError, DeviceRecord, OutboxEntry};
use crate::{device_key, js};

/// The page's question before enabling Buy: the same check `buy` makes.
pub async fn check(db: &Rexie, quote: &Quote, quantity: u32) -> Result<WorkerReply, DbError> {
    let record = device_key::ensure(db).await?;
    Ok(match allowed(db, &record, quote, quantity, js::now()).await? {
        Ok(total) => WorkerReply::Allowed { total },
        Err(refusal) => WorkerReply::Refused { reason: refusal.to_string() },
    })
}

/// The offline budget rule against this device's certificate and its waiting receipts.
async fn allowed(
    db: &Rexie,
    record: &DeviceRecord,
    quote: &Quote,
    quantity: u32,
    now: UnixMillis,
) -> Result<Result<Money, Refusal>, DbError> {
    let receipts = device_db::receipts(db).await?;
    let currency = quote.price.currency;
    // Receipts the server has not accepted yet count against the outstanding limit.
    let waiting = receipts
        .iter()
        .filter(|r| r.status == ReceiptStatus::Waiting && r.total.currency == currency)
        .fold(0i64, |sum, r| sum.saturating_add(r.total.amount_minor));
    let certificate = record.certificate.as_ref().map(|c| &c.body);
    Ok(check_purchase(certificate, quote, quantity, waiting, now))
}

pub async fn buy(db: &Rexie, purchase: Purchase) -> Result<WorkerReply, DbError> {
    let record = device_key::ensure(db).await?;
    let now = js::now();
    let total = match allowed(db, &record, &purchase.quote.body, purchase.quantity, now).await? {
        Ok(total) => total,
        Err(refusal) => return Ok(WorkerReply::Refused { reason: refusal.to_string() }),
    };
    if purchase.quote.body.item != purchase.item {
        return Ok(WorkerReply::Refused { reason: "The price shown is for another item.".into() });
    }
    let Some(certificate) = record.certificate.clone() else {
        return Ok(WorkerReply::Refused { reason: "This device is not set up yet.".into() });
    };
    let key = device_key::secret(&record)?;
    let id = new_intent_id(now)?;
    let intent = Signed::sign(
        Intent {
            id,
            item: purchase.item,
            quantity: purchase.quantity,
            quote: purchase.quote,
            certificate,
            device_time: now,
            payment: purchase.payment,
            buyer: purchase.buyer,
        },
        &key,
    );
    let receipt = Receipt {
        id,
        item: purchase.item,
        title: purchase.title,
        quantity: purchase.quantity,
        total,
        created_at: now,
        status: ReceiptStatus::Waiting,
        reason: None,
        suggested_actions: Vec::new(),
        signature: intent.signature,
        updated_at: None,
    };
    let entry = OutboxEntry { id, intent, attempts: 0, next_attempt_at: now, last_error: None };
    device_db::add_purchase(db, &entry, &receipt).await?;
    Ok(WorkerReply::Bought(receipt))
}

/// A UUID v7: the time orders receipts, 74 random bits keep devices apart.
fn new_intent_id(now: UnixMillis) -> Result<IntentId, DbError> {
    let random: [u8; 10] = js::random_bytes()?;
    let millis = u64::try_from(now.0).unwrap_or(0);
    IntentId::from_uuid(Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
        .map_err(|e| DbError(e.to_string()))
}
