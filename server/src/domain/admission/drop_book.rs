//! The batch's drop figures: which approved drops the batch's works are in, what each has
//! left, and what each buyer (device, email) already holds or owns in it. Kept up to date as
//! the batch is decided, like the stock.

use std::collections::HashMap;

use vitrine_protocol::drops::{self, allowlist, DropId, DropRefusal};
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::waitlist::normalise_email;
use vitrine_protocol::{ItemId, UnixMillis};

use crate::domain::orders::NewOrder;
use crate::storage::orders::{DropBuyer, DropRow};

#[derive(Debug, Default)]
pub struct DropBook {
    by_item: HashMap<ItemId, Vec<DropRow>>,
    taken: HashMap<(DropId, ItemId), i64>,
    by_device: HashMap<(DropId, PublicKey), i64>,
    by_email: HashMap<(DropId, String), i64>,
}

impl DropBook {
    pub fn new(rows: Vec<DropRow>, buyers: Vec<DropBuyer>) -> Self {
        let mut book = DropBook::default();
        for b in buyers {
            *book.by_device.entry((b.drop, b.device_key)).or_insert(0) += b.quantity;
            if let Some(email) = b.email {
                *book.by_email.entry((b.drop, email)).or_insert(0) += b.quantity;
            }
        }
        for row in rows {
            book.taken.insert((row.id, row.item), row.taken);
            book.by_item.entry(row.item).or_default().push(row);
        }
        book
    }

    /// The drop `o` is bought in (`None`: its work is not in any drop), or why the drop
    /// refuses it. A work in a drop is sold only through its drops: an intent priced by any
    /// other quote is judged against the drop nearest `now`, so it gets "not started",
    /// "ended" or "not the drop's price", never a sale.
    pub fn admit(&self, o: &NewOrder, now: UnixMillis) -> Result<Option<DropId>, DropRefusal> {
        let Some(rows) = self.by_item.get(&o.item) else { return Ok(None) };
        let Some(row) = rows.iter().find(|r| r.terms.is_quote(&o.quote)) else {
            let nearest = drops::nearest(rows, now, |r| (r.terms.starts_at, r.terms.ends_at))
                .ok_or(DropRefusal::NotDropQuote)?;
            drops::admit(&nearest.terms, &o.quote, o.device_time, now)?;
            return Err(DropRefusal::NotDropQuote);
        };
        drops::admit(&row.terms, &o.quote, o.device_time, now)?;
        if let Some(root) = &row.allowlist_root {
            let entries = [o.buyer.email.as_deref(), o.buyer.wallet.as_deref()];
            let listed = entries
                .into_iter()
                .flatten()
                .any(|entry| allowlist::verify(root, &allowlist::leaf(entry), &o.allowlist_proof));
            if !listed {
                return Err(DropRefusal::NotAllowlisted);
            }
        }
        let by_device = self.by_device.get(&(row.id, o.device_key)).copied().unwrap_or(0);
        let by_email =
            email_key(row.id, o).and_then(|key| self.by_email.get(&key).copied()).unwrap_or(0);
        let bought = u32::try_from(by_device.max(by_email)).unwrap_or(u32::MAX);
        drops::within_limit(&row.terms, bought, o.quantity)?;
        Ok(Some(row.id))
    }

    /// Editions of `item` the drop has not sold.
    pub fn left(&self, drop: DropId, item: ItemId) -> i64 {
        let supply = self
            .by_item
            .get(&item)
            .and_then(|rows| rows.iter().find(|r| r.id == drop))
            .map_or(0, |r| r.supply);
        supply - self.taken.get(&(drop, item)).copied().unwrap_or(0)
    }

    /// `o` took `quantity` editions in `drop`.
    pub fn take(&mut self, drop: DropId, o: &NewOrder, quantity: i64) {
        *self.taken.entry((drop, o.item)).or_insert(0) += quantity;
        *self.by_device.entry((drop, o.device_key)).or_insert(0) += quantity;
        if let Some(key) = email_key(drop, o) {
            *self.by_email.entry(key).or_insert(0) += quantity;
        }
    }
}

fn email_key(drop: DropId, o: &NewOrder) -> Option<(DropId, String)> {
    o.buyer.email.as_deref().map(|e| (drop, normalise_email(e))).filter(|(_, e)| !e.is_empty())
}
