//! What the USDC rail knows — its charges, refunds, the transfers they sent and its report
//! stream — and how it catches up with its chain: every call first follows the live
//! transfers to the chain's now, re-broadcasting a dropped one, sending a voided payment's
//! transfer back once it is final, and reporting what landed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::MutexGuard;

use vitrine_protocol::{Money, UnixMillis};

use super::SandboxUsdc;
use crate::domain::settlement::{Attestation, RailError, RailEvent, TxStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum State {
    /// The payment is sent; taken once it is final and captured.
    Sent,
    Captured,
    Declined(String),
    Voided,
}

/// One of our transfers on the chain, as last seen there.
#[derive(Debug, Clone)]
pub(super) struct Transfer {
    pub(super) tx: String,
    /// The block holding it now.
    pub(super) block: Option<u64>,
    pub(super) is_final: bool,
    /// Seen in a block at least once: its report, if any, is made.
    pub(super) landed: bool,
    /// Dropped and not to be sent again (a voided payment): it is over.
    pub(super) gone: bool,
    /// Broadcasts of its one signed authorization.
    pub(super) broadcasts: u32,
}

impl Transfer {
    pub(super) fn settled(&self) -> bool {
        self.is_final || self.gone
    }
}

#[derive(Debug)]
pub(super) struct Entry {
    pub(super) amount: Money,
    pub(super) payer: String,
    pub(super) state: State,
    /// None when declined, or voided before anything was sent.
    pub(super) payment: Option<Transfer>,
    /// Given back so far (refunds and a void's transfer back), in cents.
    pub(super) returned_minor: i64,
    /// A void's transfer back, owed until the payment is final, then sent.
    pub(super) back_owed_minor: i64,
    pub(super) back: Option<Transfer>,
    /// Authorize and capture calls made with this key.
    pub(super) calls: u32,
}

#[derive(Debug)]
pub(super) struct RefundEntry {
    pub(super) charge_key: String,
    pub(super) amount: Money,
    /// Its transfer, or why it was declined.
    pub(super) transfer: Result<Transfer, String>,
}

#[derive(Debug, Default)]
pub(super) struct Books {
    pub(super) charges: BTreeMap<String, Entry>,
    pub(super) refunds: BTreeMap<String, RefundEntry>,
    /// Charges and refunds with a transfer not settled yet; ordered, so the reports a catch-up
    /// makes come in the same order however the rail is asked.
    pub(super) live_charges: BTreeSet<String>,
    pub(super) live_refunds: BTreeSet<String>,
    pub(super) published: Vec<Attestation>,
}

impl Books {
    pub(super) fn report(&mut self, at: UnixMillis, key: &str, event: RailEvent) {
        let seq = self.published.last().map_or(1, |a| a.seq + 1);
        self.published.push(Attestation { seq, key: key.to_owned(), event, at });
    }
}

impl Entry {
    pub(super) fn new(
        amount: Money,
        payer: &str,
        state: State,
        payment: Option<Transfer>,
    ) -> Entry {
        let payer = payer.to_owned();
        Entry {
            amount,
            payer,
            state,
            payment,
            returned_minor: 0,
            back_owed_minor: 0,
            back: None,
            calls: 0,
        }
    }
}

pub(super) fn back_key(charge_key: &str) -> String {
    format!("{charge_key}/back")
}

impl SandboxUsdc {
    pub(super) fn books(&self) -> Result<MutexGuard<'_, Books>, RailError> {
        self.books.lock().map_err(|_| RailError("sandbox USDC books poisoned".into()))
    }

    /// Send the transfer signed under `key`.
    pub(super) fn send(&self, key: &str, now: UnixMillis) -> Result<Transfer, RailError> {
        let tx = self.chain.send_transfer(key, now)?;
        Ok(Transfer { tx, block: None, is_final: false, landed: false, gone: false, broadcasts: 1 })
    }

    /// Read where `t` stands; a dropped one is broadcast again if `resend`, else it is gone.
    /// Answers when it first landed in a block, the first time it is seen there.
    fn follow(
        &self,
        t: &mut Transfer,
        key: &str,
        resend: bool,
        now: UnixMillis,
    ) -> Result<Option<UnixMillis>, RailError> {
        let status = self.chain.transfer_status(&t.tx, now)?;
        match status {
            TxStatus::Included { block, .. } | TxStatus::Final { block } => {
                t.block = Some(block);
                t.is_final = matches!(status, TxStatus::Final { .. });
                if !t.landed {
                    t.landed = true;
                    return Ok(Some(self.chain.block_at(block)));
                }
            }
            TxStatus::Pending => t.block = None,
            TxStatus::Dropped | TxStatus::Unknown => {
                t.block = None;
                if resend {
                    // The same signed transfer again, under its key: the same transaction.
                    self.chain.send_transfer(key, now)?;
                    t.broadcasts += 1;
                } else {
                    t.gone = true;
                }
            }
        }
        Ok(None)
    }

    /// Send a voided charge's transfer back once its payment is final.
    pub(super) fn pay_back(
        &self,
        key: &str,
        c: &mut Entry,
        now: UnixMillis,
    ) -> Result<(), RailError> {
        let payment_final = c.payment.as_ref().is_some_and(|p| p.is_final);
        if c.state == State::Voided && payment_final && c.back.is_none() && c.back_owed_minor > 0 {
            c.back = Some(self.send(&back_key(key), now)?);
        }
        Ok(())
    }

    /// The books, with every live transfer followed to the chain's now and its reports made.
    pub(super) fn caught_up(&self, now: UnixMillis) -> Result<MutexGuard<'_, Books>, RailError> {
        let mut books = self.books()?;
        let mut reports = Vec::new();
        let followed = self.follow_all(&mut books, &mut reports, now);
        // What was seen is reported even if the chain failed halfway: a transfer is marked
        // landed when seen, so a report not made now would never be.
        // In the order it happened on the chain; a stable sort keeps ties in key order.
        reports.sort_by_key(|(at, _, _)| *at);
        for (at, key, event) in reports {
            books.report(at, &key, event);
        }
        followed?;
        Ok(books)
    }

    fn follow_all(
        &self,
        books: &mut Books,
        reports: &mut Vec<(UnixMillis, String, RailEvent)>,
        now: UnixMillis,
    ) -> Result<(), RailError> {
        for key in books.live_charges.clone() {
            let Some(c) = books.charges.get_mut(&key) else { continue };
            let resend = c.state != State::Voided;
            if let Some(p) = c.payment.as_mut().filter(|p| !p.settled()) {
                if let Some(at) = self.follow(p, &key, resend, now)? {
                    reports.push((at, key.clone(), RailEvent::Authorized { amount: c.amount }));
                }
            }
            if c.payment.as_ref().is_some_and(|p| p.gone) {
                // Dropped after its void, and not sent again: nothing landed to give back.
                c.back_owed_minor = 0;
            }
            self.pay_back(&key, c, now)?;
            if let Some(b) = c.back.as_mut().filter(|b| !b.settled()) {
                self.follow(b, &back_key(&key), true, now)?;
            }
            let owes = c.state == State::Voided && c.back.is_none() && c.back_owed_minor > 0;
            let done = c.payment.as_ref().is_none_or(Transfer::settled)
                && c.back.as_ref().is_none_or(Transfer::settled)
                && !owes;
            if done {
                books.live_charges.remove(&key);
            }
        }
        for key in books.live_refunds.clone() {
            let Some(r) = books.refunds.get_mut(&key) else { continue };
            let Ok(t) = r.transfer.as_mut() else { continue };
            if let Some(at) = self.follow(t, &key, true, now)? {
                reports.push((at, key.clone(), RailEvent::Refunded { amount: r.amount }));
            }
            if t.settled() {
                books.live_refunds.remove(&key);
            }
        }
        Ok(())
    }
}
