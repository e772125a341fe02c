//! Checkout on the device: check the offline budget, sign the intent, and store it with its
//! receipt, all in one IndexedDB transaction. Sending is the replayer's job.

use rexie::Rexie;
use vitrine_protocol::device::{check_purchase, Purchase, Receipt, Refusal, WorkerReply};
use vitrine_protocol::drops::{self, allowlist, DropInfo};
use vitrine_protocol::merchant::AllowlistProof;
use vitrine_protocol::signing::{SecretKey, Signed};
use vitrine_protocol::{paths, Buyer};
use vitrine_protocol::{Currency, Format, Intent, Quote, UnixMillis};

use crate::device_db::{self, DbError, DeviceRecord, OutboxEntry, Outgoing};
use crate::{device_key, js};

/// What this device has not seen through yet in `currency`: receipts waiting to be sent or
/// held on the server. The server counts its held orders the same way.
pub fn outstanding(receipts: &[Receipt], currency: Currency) -> i64 {
    receipts
        .iter()
        .filter(|r| !r.status.is_final() && r.total.currency == currency)
        .fold(0i64, |sum, r| sum.saturating_add(r.total.amount_minor))
}

/// The page's question before enabling Buy: the same check `buy` makes, at `now` (this
/// device's clock corrected to the server's).
pub async fn check(
    db: &Rexie,
    quote: &Quote,
    quantity: u32,
    drop: Option<&DropInfo>,
    now: UnixMillis,
) -> Result<WorkerReply, DbError> {
    // First, so a device that waits for a drop's start gets its certificate while online.
    let record = device_key::ensure(db).await?;
    if let Some(Err(reason)) = drop.map(|d| drops::check_before_signing(d, quote, now)) {
        return Ok(WorkerReply::Refused { reason });
    }
    let receipts = device_db::receipts(db).await?;
    let waiting = outstanding(&receipts, quote.price.currency);
    let certificate = record.certificate.as_ref().map(|c| &c.body);
    Ok(match check_purchase(certificate, quote, quantity, waiting, now) {
        Ok(total) => WorkerReply::Allowed { total },
        Err(refusal) => WorkerReply::Refused { reason: refusal.to_string() },
    })
}

/// Make, sign and store the intent for `purchase`. The page names the purchase (its id) when
/// the buyer first presses Buy; asked again with the same id (a retry after a timeout), this
/// answers the receipt already stored instead of making a second order.
pub async fn buy(db: &Rexie, purchase: Purchase) -> Result<WorkerReply, DbError> {
    if let Some(existing) = device_db::receipt(db, purchase.id).await? {
        return Ok(WorkerReply::Bought(Box::new(existing)));
    }
    if purchase.quote.body.item != purchase.item {
        return Ok(WorkerReply::Refused { reason: "The price shown is for another item.".into() });
    }
    // Dated on the server's clock as the page knows it: "during the drop" means the same here
    // and there.
    let now = drops::corrected(js::now(), purchase.clock_offset_ms);
    if let Some(Err(reason)) =
        purchase.drop.as_ref().map(|d| drops::check_before_signing(d, &purchase.quote.body, now))
    {
        return Ok(WorkerReply::Refused { reason });
    }
    // A drop for listed collectors: the proof is fetched now, while the page is online, and
    // kept with the intent for every send.
    let proof = match purchase.drop.as_ref().filter(|d| d.allowlist_root.is_some()) {
        None => Vec::new(),
        Some(drop) => match allowlist_proof(drop.id, &purchase.buyer).await {
            Ok(Some(proof)) => proof,
            Ok(None) => {
                return Ok(WorkerReply::Refused {
                    reason: "This drop is for collectors on its list, and this email is not on it. Nothing was saved.".into(),
                })
            }
            Err(()) => {
                return Ok(WorkerReply::Refused {
                    reason: "This drop is for collectors on its list: connect to the internet so this phone can fetch your proof, then try again.".into(),
                })
            }
        },
    };
    let record = device_key::ensure(db).await?;
    let key = device_key::secret(&record)?;
    let stored = device_db::add_purchase_checked(db, |receipts| {
        sign_purchase(&record, &key, purchase, receipts, now, proof.clone())
    })
    .await?;
    Ok(match stored {
        Ok(receipt) => WorkerReply::Bought(Box::new(receipt)),
        Err(refusal) => WorkerReply::Refused { reason: refusal.to_string() },
    })
}

/// The buyer's allowlist proof for `drop`, by their email or wallet: `Ok(None)` when neither is
/// listed, `Err` when the shop cannot be asked.
async fn allowlist_proof(drop: i64, buyer: &Buyer) -> Result<Option<Vec<String>>, ()> {
    for entry in [buyer.email.as_deref(), buyer.wallet.as_deref()].into_iter().flatten() {
        let leaf = allowlist::to_hex(&allowlist::leaf(entry));
        let response = js::get_fresh(&paths::allowlist_proof(drop, &leaf)).await.map_err(|_| ())?;
        match response.status() {
            200 => {
                let text = js::text(&response).await.map_err(|_| ())?;
                let proof: AllowlistProof = serde_json::from_str(&text).map_err(|_| ())?;
                return Ok(Some(proof.proof));
            }
            404 => {}
            _ => return Err(()),
        }
    }
    Ok(None)
}

/// The budget check against the receipts read in the same transaction, then the signed
/// intent and its receipt. Pure: no awaiting, so the transaction stays open.
fn sign_purchase(
    record: &DeviceRecord,
    key: &SecretKey,
    purchase: Purchase,
    receipts: &[Receipt],
    now: UnixMillis,
    allowlist_proof: Vec<String>,
) -> Result<(OutboxEntry, Receipt), Refusal> {
    let certificate = record.certificate.clone().ok_or(Refusal::NotRegistered)?;
    let waiting = outstanding(receipts, purchase.quote.body.price.currency);
    let total = check_purchase(
        Some(&certificate.body),
        &purchase.quote.body,
        purchase.quantity,
        waiting,
        now,
    )?;
    let id = purchase.id;
    let intent = Signed::sign(
        Intent {
            format: Format::CURRENT,
            id,
            item: purchase.item,
            quantity: purchase.quantity,
            quote: purchase.quote,
            certificate,
            device_time: now,
            payment: purchase.payment,
            buyer: purchase.buyer,
        },
        key,
    );
    let receipt = Receipt {
        intent: Some(intent.clone()),
        ..Receipt::waiting(
            id,
            (purchase.item, purchase.title, purchase.quantity),
            total,
            intent.signature,
            now,
        )
    };
    let entry = OutboxEntry::new(id, Outgoing::Intent { intent }, now, allowlist_proof);
    Ok((entry, receipt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitrine_protocol::device::ReceiptStatus;
    use vitrine_protocol::{ItemId, Money};

    fn receipt(status: ReceiptStatus, amount_minor: i64, currency: Currency) -> Receipt {
        Receipt {
            id: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
            item: ItemId::try_from(1).unwrap(),
            title: String::new(),
            quantity: 1,
            total: Money { amount_minor, currency },
            created_at: UnixMillis(0),
            status,
            reason: None,
            suggested_actions: Vec::new(),
            signature: vitrine_protocol::signing::Signature([0; 64]),
            updated_at: None,
            steps: Vec::new(),
            intent: None,
            answer: None,
            claim_code: None,
        }
    }

    #[test]
    fn waiting_and_held_count_against_the_budget_final_ones_do_not() {
        let receipts = [
            receipt(ReceiptStatus::Waiting, 100, Currency::EUR),
            receipt(ReceiptStatus::Held, 20, Currency::EUR),
            receipt(ReceiptStatus::Paid, 4, Currency::EUR),
            receipt(ReceiptStatus::Conflict, 8, Currency::EUR),
            receipt(ReceiptStatus::Waiting, 1_000, Currency::USD),
        ];
        assert_eq!(outstanding(&receipts, Currency::EUR), 120);
        assert_eq!(outstanding(&receipts, Currency::JPY), 0);
    }
}
