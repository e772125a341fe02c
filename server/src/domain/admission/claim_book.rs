//! The batch's claim figures: which of the batch's vouchers are claimed already (and when),
//! and how many orders each person (device key, email) holds from each claim batch. Kept up to
//! date as the batch is decided, so two claims of one voucher in one batch are one claim. A
//! kiosk's claims are counted by email only: the kiosk is many people's device.

use std::collections::HashMap;

use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::waitlist::normalise_email;
use vitrine_protocol::UnixMillis;

use crate::domain::orders::{ClaimTicket, NewOrder, Refusal};
use crate::storage::orders::{ClaimHolder, ClaimedVoucher};

#[derive(Debug, Default)]
pub struct ClaimBook {
    claimed: HashMap<(i64, u16), UnixMillis>,
    by_device: HashMap<(i64, PublicKey), u32>,
    by_email: HashMap<(i64, String), u32>,
}

impl ClaimBook {
    pub fn new(claimed: Vec<ClaimedVoucher>, holders: Vec<ClaimHolder>) -> Self {
        let mut book = ClaimBook::default();
        for c in claimed {
            book.claimed.insert((c.batch, c.serial), c.at);
        }
        for h in holders {
            *book.by_device.entry((h.batch, h.device_key)).or_insert(0) += 1;
            if let Some(email) = h.email {
                *book.by_email.entry((h.batch, email)).or_insert(0) += 1;
            }
        }
        book
    }

    /// Whether `o` may claim its voucher: not claimed before, and its person under the limit.
    pub fn admit(&self, t: &ClaimTicket, o: &NewOrder) -> Result<(), Refusal> {
        if let Some(at) = self.claimed.get(&(t.batch, t.serial)) {
            return Err(Refusal::AlreadyClaimed { at: *at });
        }
        let device = if t.kiosk {
            0
        } else {
            self.by_device.get(&(t.batch, o.device_key)).copied().unwrap_or(0)
        };
        let email = o
            .buyer
            .email
            .as_deref()
            .map(normalise_email)
            .and_then(|e| self.by_email.get(&(t.batch, e)).copied())
            .unwrap_or(0);
        if device.max(email) >= t.per_person_limit {
            return Err(Refusal::ClaimLimit { limit: t.per_person_limit });
        }
        Ok(())
    }

    /// The voucher is `o`'s from now on, whatever its order comes to (held or a conflict),
    /// unless its payment fails: the settlement then gives it back (`give_back` in storage).
    pub fn take(&mut self, t: &ClaimTicket, now: UnixMillis) {
        self.claimed.insert((t.batch, t.serial), now);
    }

    /// `o` holds an edition from the batch: it counts towards its person's limit.
    pub fn hold(&mut self, t: &ClaimTicket, o: &NewOrder) {
        if !t.kiosk {
            *self.by_device.entry((t.batch, o.device_key)).or_insert(0) += 1;
        }
        if let Some(email) = o.buyer.email.as_deref() {
            *self.by_email.entry((t.batch, normalise_email(email))).or_insert(0) += 1;
        }
    }
}
