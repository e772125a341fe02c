//! `sandbox-l2-usdc` and `sandbox-l1-usdc`: paying a USD price in USDC on a sandbox chain, the
//! rollup ([`SandboxL2`]) or the L1 ([`SandboxL1`]); one rail, named after the chain it pays
//! on ([`TransferChain`]). The charge's token is the buyer's paying wallet; the payment is a
//! USDC transfer from it to the shop's wallet, a transaction on that chain that rides the same
//! blocks as a mint: on the L1 a reorg of its block drops it; on the rollup it rides the same
//! batches too, so a reverted batch, a reorg of the batch's post or a halted batcher happens to
//! it. docs/rails.md ("Paying on a chain") maps it onto [`SettlementRail`]:
//!
//! - authorize: the first call sends the transfer; pending until a block holds it, then
//!   approved with its hash as the reference.
//! - capture: pending until that block is final; then the money is taken.
//! - void: a transfer no block holds yet is withdrawn and never lands; one in a block is sent
//!   back whole once it is final (sent sooner, a revert could un-take the payment after the
//!   buyer had the money back).
//! - refund: a transfer back, approved once a block holds it.
//!
//! A transfer dropped before it is final (its block reorged away, its batch reverted) is
//! broadcast again under its key, and the answer goes back to pending: the buyer signed one
//! authorization (EIP-3009 style, one nonce), so however often it is sent it moves the money
//! once.
//!
//! Reports, under our keys: authorized when the payment is first in a block (not again after
//! a re-broadcast: no money moved twice), captured when our capture finds it final (the capture
//! is ours, as a processor reports the capture we asked for, so a payment that ends final for
//! an order that expired here reads as authorized and voided, not as a capture the ledger
//! lacks), voided, refunded when the refund is in a block; a drop says nothing about money.
//! No clock of its own and nothing in the background: every call first follows its live
//! transfers on the chain, as of the chain's now.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use vitrine_protocol::wallet::is_address;
use vitrine_protocol::{sandbox, Currency, Money, UnixMillis};

use super::transfer_chain::TransferChain;
use super::{
    Attestation, Charge, Outcome, RailError, RailEvent, Refund, SandboxL1, SandboxL2,
    SettlementRail,
};
use books::{back_key, Books, Entry, RefundEntry, State, Transfer};

/// Its books, and how they catch up with the chain.
mod books;

/// USDC has 6 decimals and is worth a dollar: a cent is 10⁴ of its units.
const UNITS_PER_CENT: u128 = 10_000;

/// A USDC transfer the rail sent, as last seen on its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsdcTransfer {
    /// Ours: the charge's key for a payment, `{charge key}/back` for a void's transfer back,
    /// the refund's key for a refund.
    pub key: String,
    pub tx: String,
    pub from: String,
    pub to: String,
    /// In USDC's units (6 decimals).
    pub units: u128,
    /// In a block now (the money moved unless a revert takes the block away).
    pub in_block: bool,
    /// How often it was broadcast: more than once after a drop, always the same transaction.
    pub broadcasts: u32,
}

/// The sandbox USDC rail, on the chain it pays on.
pub struct SandboxUsdc {
    chain: Arc<dyn TransferChain>,
    books: Mutex<Books>,
}

impl SandboxUsdc {
    /// Pays, on either chain (an address is the same wallet on both).
    pub const PAYS: &'static str = sandbox::USDC_PAYS;
    /// Declines: "insufficient USDC".
    pub const DECLINES: &'static str = sandbox::USDC_DECLINES;
    /// Where the payments go ("vitrine-usdc-shop-01" in hex), on either chain.
    pub const SHOP_WALLET: &'static str = "0x76697472696e652d757364632d73686f702d3031";

    /// `sandbox-l2-usdc`: paying by transfers on the rollup.
    pub fn on_l2(l2: Arc<SandboxL2>) -> Self {
        Self::on(l2)
    }

    /// `sandbox-l1-usdc`: paying by transfers on the L1.
    pub fn on_l1(l1: Arc<SandboxL1>) -> Self {
        Self::on(l1)
    }

    fn on(chain: Arc<dyn TransferChain>) -> Self {
        SandboxUsdc { chain, books: Mutex::default() }
    }

    /// How many times the rail was asked to authorize or capture under `key`.
    pub fn calls(&self, key: &str) -> u32 {
        self.books().ok().and_then(|b| b.charges.get(key).map(|c| c.calls)).unwrap_or(0)
    }

    /// Every transfer sent, as of `now`: each payment and its transfer back, then refunds.
    pub fn transfers(&self, now: UnixMillis) -> Result<Vec<UsdcTransfer>, RailError> {
        let books = self.caught_up(now)?;
        let seen = |key: &str, t: &Transfer, from: &str, to: &str, minor: i64| UsdcTransfer {
            key: key.to_owned(),
            tx: t.tx.clone(),
            from: from.to_owned(),
            to: to.to_owned(),
            units: units(minor),
            in_block: t.block.is_some(),
            broadcasts: t.broadcasts,
        };
        let mut all = Vec::new();
        for (key, c) in &books.charges {
            if let Some(p) = &c.payment {
                all.push(seen(key, p, &c.payer, Self::SHOP_WALLET, c.amount.amount_minor));
            }
            if let Some(b) = &c.back {
                all.push(seen(&back_key(key), b, Self::SHOP_WALLET, &c.payer, c.back_owed_minor));
            }
        }
        for (key, r) in &books.refunds {
            let payer = books.charges.get(&r.charge_key).map_or("", |c| c.payer.as_str());
            if let Ok(t) = &r.transfer {
                all.push(seen(key, t, Self::SHOP_WALLET, payer, r.amount.amount_minor));
            }
        }
        Ok(all)
    }

    fn pending(&self) -> Outcome {
        Outcome::Pending { retry_after: self.chain.block_time() }
    }

    /// Why a charge cannot be paid here, if it cannot.
    fn refusal(charge: &Charge) -> Option<String> {
        if charge.amount.currency != Currency::USD {
            return Some(format!(
                "USDC pays US dollars only; this price is in {}",
                charge.amount.currency.code()
            ));
        }
        if charge.amount.amount_minor <= 0 {
            return Some("nothing to pay".into());
        }
        // An address's case is only a checksum.
        match charge.token.as_str() {
            t if !is_address(t) => Some("the paying wallet is not a wallet address".into()),
            t if t.eq_ignore_ascii_case(Self::PAYS) => None,
            t if t.eq_ignore_ascii_case(Self::DECLINES) => Some("insufficient USDC".into()),
            _ => Some("not a sandbox test wallet: it holds no USDC".into()),
        }
    }

    fn answer(&self, c: &Entry) -> Outcome {
        match (&c.state, &c.payment) {
            (State::Declined(reason), _) => Outcome::Declined { reason: reason.clone() },
            (State::Voided, _) => Outcome::Declined { reason: "the charge was voided".into() },
            (_, Some(p)) if p.block.is_some() => Outcome::Approved { reference: p.tx.clone() },
            _ => self.pending(),
        }
    }
}

fn units(minor: i64) -> u128 {
    u128::try_from(minor).unwrap_or(0).saturating_mul(UNITS_PER_CENT)
}

#[async_trait]
impl SettlementRail for SandboxUsdc {
    fn name(&self) -> &'static str {
        self.chain.usdc_rail()
    }

    fn time(&self, now: UnixMillis) -> UnixMillis {
        self.chain.chain_time(now)
    }

    async fn authorize(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError> {
        let at = self.chain.chain_time(now);
        let mut books = self.caught_up(now)?;
        if let Some(c) = books.charges.get_mut(&charge.key) {
            c.calls += 1;
            return Ok(self.answer(c));
        }
        let (state, payment) = match Self::refusal(charge) {
            Some(reason) => (State::Declined(reason), None),
            None => (State::Sent, Some(self.send(&charge.key, now)?)),
        };
        let c = Entry { calls: 1, ..Entry::new(charge.amount, &charge.token, state, payment) };
        let answer = self.answer(&c);
        if matches!(c.state, State::Declined(_)) {
            books.report(at, &charge.key, RailEvent::Declined);
        } else {
            books.live_charges.insert(charge.key.clone());
        }
        books.charges.insert(charge.key.clone(), c);
        Ok(answer)
    }

    async fn capture(&self, charge_key: &str, now: UnixMillis) -> Result<Outcome, RailError> {
        let at = self.chain.chain_time(now);
        let mut books = self.caught_up(now)?;
        let Some(c) = books.charges.get_mut(charge_key) else {
            return Ok(Outcome::Declined { reason: "no such authorization".into() });
        };
        c.calls += 1;
        let Some(p) = c.payment.as_ref().filter(|_| c.state != State::Voided) else {
            return Ok(Outcome::Declined { reason: "nothing authorized to capture".into() });
        };
        let reference = p.tx.clone();
        match c.state {
            State::Captured => Ok(Outcome::Approved { reference }),
            State::Sent if p.is_final => {
                c.state = State::Captured;
                let amount = c.amount;
                books.report(at, charge_key, RailEvent::Captured { amount });
                Ok(Outcome::Approved { reference })
            }
            State::Sent => Ok(self.pending()),
            _ => Ok(Outcome::Declined { reason: "nothing authorized to capture".into() }),
        }
    }

    async fn void(&self, charge_key: &str, now: UnixMillis) -> Result<(), RailError> {
        let at = self.chain.chain_time(now);
        let mut books = self.caught_up(now)?;
        let Some(c) = books.charges.get_mut(charge_key) else {
            // Voided before it was charged: a late charge under this key is refused.
            let nothing = Money { amount_minor: 0, currency: Currency::USD };
            let c = Entry::new(nothing, "", State::Voided, None);
            books.charges.insert(charge_key.to_owned(), c);
            return Ok(());
        };
        // A decided decline stays what it was; a second void changes nothing.
        if !matches!(c.state, State::Sent | State::Captured) {
            return Ok(());
        }
        let withdrawn = match &c.payment {
            Some(p) => self.chain.cancel_transfer(&p.tx, now)?,
            None => true,
        };
        c.state = State::Voided;
        if withdrawn {
            // No block holds it: it never lands.
            if let Some(p) = c.payment.as_mut() {
                (p.gone, p.block) = (true, None);
            }
        } else {
            // It landed: whatever was not refunded yet goes back once it is final.
            c.back_owed_minor = c.amount.amount_minor - c.returned_minor;
            c.returned_minor = c.amount.amount_minor;
        }
        // A captured payment was done with; its transfer back is followed from now on.
        books.live_charges.insert(charge_key.to_owned());
        books.report(at, charge_key, RailEvent::Voided);
        if let Some(c) = books.charges.get_mut(charge_key) {
            // Already final: sent back now (else a later call sends it).
            self.pay_back(charge_key, c, now)?;
        }
        Ok(())
    }

    async fn refund(&self, refund: &Refund, now: UnixMillis) -> Result<Outcome, RailError> {
        let mut books = self.caught_up(now)?;
        if let Some(r) = books.refunds.get(&refund.key) {
            return Ok(match &r.transfer {
                _ if r.charge_key != refund.charge_key => {
                    Outcome::Declined { reason: "this refund key belongs to another charge".into() }
                }
                Err(reason) => Outcome::Declined { reason: reason.clone() },
                Ok(t) if t.block.is_some() => Outcome::Approved { reference: t.tx.clone() },
                Ok(_) => self.pending(),
            });
        }
        let amount = refund.amount.amount_minor;
        let refused = match books.charges.get(&refund.charge_key) {
            None => Some("no such charge"),
            Some(c) if c.state != State::Captured => Some("only a captured charge can be refunded"),
            Some(c) if c.amount.currency != refund.amount.currency => {
                Some("the refund's currency is not the charge's")
            }
            Some(c) if amount <= 0 || c.returned_minor + amount > c.amount.amount_minor => {
                Some("more than was captured")
            }
            Some(_) => None,
        };
        let transfer = match refused {
            Some(reason) => Err(reason.to_owned()),
            None => Ok(self.send(&refund.key, now)?),
        };
        let answer = match &transfer {
            Err(reason) => Outcome::Declined { reason: reason.clone() },
            Ok(_) => self.pending(),
        };
        if transfer.is_ok() {
            // Counted once it is sent: an outage before that leaves the key free to ask again.
            if let Some(c) = books.charges.get_mut(&refund.charge_key) {
                c.returned_minor += amount;
            }
            books.live_refunds.insert(refund.key.clone());
        }
        let entry =
            RefundEntry { charge_key: refund.charge_key.clone(), amount: refund.amount, transfer };
        books.refunds.insert(refund.key.clone(), entry);
        Ok(answer)
    }

    async fn attestations(
        &self,
        after: u64,
        limit: usize,
        now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError> {
        let books = self.caught_up(now)?;
        let start = books.published.partition_point(|a| a.seq <= after);
        Ok(books.published[start..].iter().take(limit).cloned().collect())
    }
}

#[cfg(test)]
#[path = "usdc_tests.rs"]
mod tests;
