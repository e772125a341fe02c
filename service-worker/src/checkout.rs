//! Checkout on the device: check the offline budget, sign the intent, and store it with its
//! receipt in one IndexedDB transaction. Sending is the replayer's job.

use rexie::Rexie;
use uuid::Builder;
use vitrine_protocol::device::{
    check_purchase, DeviceStatus, Purchase, Receipt, ReceiptStatus, WorkerReply,
};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{Intent, IntentId, Money, Quote};

use crate::device_db::{self, DbError, OutboxEntry};
use crate::{device_key, js};

/// The page's question before enabling Buy: the same check `buy` makes.
pub async fn check(db: &Rexie, quote: &Quote, quantity: u32) -> Result<WorkerReply, DbError> {
    let record = device_key::ensure(db).await?;
    let status = DeviceStatus {
        certificate: record.certificate.map(|c| c.body),
        outstanding: outstanding(&device_db::receipts(db).await?),
    };
    let waiting = status.outstanding_in(quote.price.currency);
    Ok(match check_purchase(status.certificate.as_ref(), quote, quantity, waiting, js::now()) {
        Ok(total) => WorkerReply::Allowed { total },
        Err(refusal) => WorkerReply::Refused { reason: refusal.to_string() },
    })
}

/// Totals of receipts the server has not accepted yet, per currency.
fn outstanding(receipts: &[Receipt]) -> Vec<Money> {
    let mut sums: Vec<Money> = Vec::new();
    for r in receipts.iter().filter(|r| r.status == ReceiptStatus::Waiting) {
        match sums.iter_mut().find(|m| m.currency == r.total.currency) {
            Some(sum) => sum.amount_minor = sum.amount_minor.saturating_add(r.total.amount_minor),
            None => sums.push(r.total),
        }
    }
    sums
}

pub async fn buy(db: &Rexie, purchase: Purchase) -> Result<WorkerReply, DbError> {
    let record = device_key::ensure(db).await?;
    let waiting = outstanding(&device_db::receipts(db).await?);
    let status = DeviceStatus {
        certificate: record.certificate.clone().map(|c| c.body),
        outstanding: waiting,
    };
    let now = js::now();
    let currency = purchase.quote.body.price.currency;
    let total = match check_purchase(
        status.certificate.as_ref(),
        &purchase.quote.body,
        purchase.quantity,
        status.outstanding_in(currency),
        now,
    ) {
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
fn new_intent_id(now: vitrine_protocol::UnixMillis) -> Result<IntentId, DbError> {
    let random: [u8; 10] = js::random_bytes()?;
    let millis = u64::try_from(now.0).unwrap_or(0);
    IntentId::from_uuid(Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
        .map_err(|e| DbError(e.to_string()))
}
