//! `sandbox-card`: a card processor's sandbox with its test cards, deterministic under a seed
//! and on its own [`SimClock`]. It keeps books like a processor does — one entry per
//! idempotency key, so a repeated call answers the first result — and reports what happened as
//! a processor's webhooks and daily settlement report would: authorized, captured, settled at
//! the next midnight (UTC, sandbox time), refunded, disputed days later.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use vitrine_protocol::{sandbox, Money, UnixMillis};

use super::{Attestation, Charge, Outcome, RailError, RailEvent, Refund, SettlementRail, SimClock};

const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Asked, not decided yet (the slow test card).
    Pending,
    Authorized,
    Captured,
    Declined(String),
    Voided,
}

#[derive(Debug, Clone)]
struct Entry {
    amount: Money,
    token: String,
    state: State,
    reference: String,
    refunded_minor: i64,
    /// Calls made with this key.
    calls: u32,
}

/// A report fault for a sandbox to make, as real processors' reports sometimes are: the
/// reconciliation tests and bench inject them and check each is surfaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The capture is reported twice.
    Duplicate,
    /// The capture takes another amount (by this many minor units), and its report and
    /// settlement line say so.
    Amount(i64),
    /// Neither the capture nor its settlement line is ever reported.
    Missing,
}

#[derive(Debug, Default)]
struct Books {
    /// Faults for the next captures, first to last.
    faults: std::collections::VecDeque<Fault>,
    charges: HashMap<String, Entry>,
    /// Refund key → (charge key, answer).
    refunds: HashMap<String, (String, Outcome)>,
    /// Reports not yet due on the sandbox's clock, in the order they were made.
    scheduled: Vec<(UnixMillis, String, RailEvent)>,
    published: Vec<Attestation>,
}

/// Sandbox card rail. `Default` is seed 0 on its own clock.
#[derive(Default)]
pub struct SandboxCard {
    seed: u64,
    clock: Arc<SimClock>,
    books: Mutex<Books>,
}

impl SandboxCard {
    /// Approves.
    pub const APPROVE: &'static str = sandbox::APPROVE;
    /// Declines.
    pub const DECLINE: &'static str = sandbox::DECLINE;
    /// Stays pending for [`Self::DELAY`], then approves.
    pub const APPROVE_AFTER_DELAY: &'static str = sandbox::APPROVE_AFTER_DELAY;
    pub const DELAY: Duration = Duration::from_secs(2);
    /// Approves; disputed [`Self::DISPUTE_AFTER`] after capture, lost [`Self::DISPUTE_LOST_AFTER`]
    /// after that.
    pub const DISPUTE: &'static str = sandbox::DISPUTE;
    pub const DISPUTE_AFTER: Duration = Duration::from_secs(3 * 24 * 3600);
    pub const DISPUTE_LOST_AFTER: Duration = Duration::from_secs(10 * 24 * 3600);
    /// The name intents use for this rail.
    pub const NAME: &'static str = sandbox::CARD_RAIL;

    /// A sandbox whose references derive from `seed`, on `clock` (shared with the other
    /// sandboxes, so one "three days later" moves them all).
    pub fn seeded(seed: u64, clock: Arc<SimClock>) -> Self {
        SandboxCard { seed, clock, books: Mutex::default() }
    }

    pub fn clock(&self) -> &Arc<SimClock> {
        &self.clock
    }

    /// Make the next capture's reports go wrong in this way.
    pub fn inject(&self, fault: Fault) {
        if let Ok(mut books) = self.books() {
            books.faults.push_back(fault);
        }
    }

    /// Report something about a key that is none of ours (an unknown report).
    pub fn report_stranger(&self, key: &str, amount: Money, now: UnixMillis) {
        let at = self.clock.at(now);
        if let Ok(mut books) = self.books() {
            books.report(at, key, RailEvent::Captured { amount });
        }
    }

    /// Money taken and not voided: authorized or captured charges, one per key.
    pub fn charges(&self) -> usize {
        self.books().map_or(0, |b| {
            b.charges
                .values()
                .filter(|e| matches!(e.state, State::Authorized | State::Captured))
                .count()
        })
    }

    /// How many times the rail was asked under `key`.
    pub fn calls(&self, key: &str) -> u32 {
        self.books().ok().and_then(|b| b.charges.get(key).map(|e| e.calls)).unwrap_or(0)
    }

    fn books(&self) -> Result<MutexGuard<'_, Books>, RailError> {
        self.books.lock().map_err(|_| RailError("sandbox books poisoned".into()))
    }

    /// A processor-style reference, the same for one key under one seed.
    fn reference(&self, prefix: &str, key: &str) -> String {
        let digest =
            Sha256::new().chain_update(self.seed.to_be_bytes()).chain_update(key).finalize();
        format!("{prefix}_{}", hex::encode(&digest[..8]))
    }

    fn decide(token: &str, accepted_at: UnixMillis, at: UnixMillis) -> State {
        match token {
            Self::APPROVE | Self::DISPUTE => State::Authorized,
            Self::DECLINE => State::Declined("the card was declined".into()),
            Self::APPROVE_AFTER_DELAY if at >= accepted_at.plus(ms(Self::DELAY)) => {
                State::Authorized
            }
            Self::APPROVE_AFTER_DELAY => State::Pending,
            _ => State::Declined("unknown test card".into()),
        }
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The first midnight (UTC) after `t`: when the day's settlement report lists a capture.
fn next_midnight(t: UnixMillis) -> UnixMillis {
    UnixMillis((t.0.div_euclid(DAY_MS) + 1).saturating_mul(DAY_MS))
}

impl Books {
    fn report(&mut self, at: UnixMillis, key: &str, event: RailEvent) {
        self.scheduled.push((at, key.to_owned(), event));
    }

    fn answer(entry: &Entry, accepted_at: UnixMillis, at: UnixMillis) -> Outcome {
        match &entry.state {
            State::Authorized | State::Captured => {
                Outcome::Approved { reference: entry.reference.clone() }
            }
            State::Declined(reason) => Outcome::Declined { reason: reason.clone() },
            State::Voided => Outcome::Declined { reason: "the charge was voided".into() },
            State::Pending => {
                let ready = accepted_at.plus(ms(SandboxCard::DELAY));
                let wait = u64::try_from(ready.0.saturating_sub(at.0)).unwrap_or(0);
                Outcome::Pending { retry_after: Duration::from_millis(wait) }
            }
        }
    }

    /// Move every report due by `at` to the published stream, in time order.
    fn publish(&mut self, at: UnixMillis) {
        let (mut due, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.scheduled).into_iter().partition(|(t, _, _)| *t <= at);
        self.scheduled = later;
        due.sort_by_key(|(t, _, _)| *t);
        for (t, key, event) in due {
            let seq = self.published.last().map_or(1, |a| a.seq + 1);
            self.published.push(Attestation { seq, key, event, at: t });
        }
    }
}

#[async_trait]
impl SettlementRail for SandboxCard {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn time(&self, now: UnixMillis) -> UnixMillis {
        self.clock.at(now)
    }

    async fn authorize(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError> {
        let at = self.clock.at(now);
        let reference = self.reference("ch", &charge.key);
        let mut books = self.books()?;
        let entry = books.charges.entry(charge.key.clone()).or_insert_with(|| Entry {
            amount: charge.amount,
            token: charge.token.clone(),
            state: State::Pending,
            reference,
            refunded_minor: 0,
            calls: 0,
        });
        entry.calls += 1;
        // A decided key answers its first result; a pending one is decided again.
        if entry.state != State::Pending {
            return Ok(Books::answer(entry, charge.accepted_at, at));
        }
        entry.state = Self::decide(&entry.token, charge.accepted_at, at);
        let (answer, amount, state) =
            (Books::answer(entry, charge.accepted_at, at), entry.amount, entry.state.clone());
        match state {
            State::Authorized => books.report(at, &charge.key, RailEvent::Authorized { amount }),
            State::Declined(_) => books.report(at, &charge.key, RailEvent::Declined),
            _ => {}
        }
        Ok(answer)
    }

    async fn capture(&self, charge_key: &str, now: UnixMillis) -> Result<Outcome, RailError> {
        let at = self.clock.at(now);
        let mut books = self.books()?;
        let Some(entry) = books.charges.get_mut(charge_key) else {
            return Ok(Outcome::Declined { reason: "no such authorization".into() });
        };
        entry.calls += 1;
        match entry.state {
            State::Captured => return Ok(Outcome::Approved { reference: entry.reference.clone() }),
            State::Authorized => entry.state = State::Captured,
            _ => return Ok(Outcome::Declined { reason: "nothing authorized to capture".into() }),
        }
        let (amount, reference, disputed) =
            (entry.amount, entry.reference.clone(), entry.token == Self::DISPUTE);
        match books.faults.pop_front() {
            None => {
                books.report(at, charge_key, RailEvent::Captured { amount });
                books.report(next_midnight(at), charge_key, RailEvent::Settled { amount });
            }
            Some(Fault::Duplicate) => {
                books.report(at, charge_key, RailEvent::Captured { amount });
                books.report(at, charge_key, RailEvent::Captured { amount });
                books.report(next_midnight(at), charge_key, RailEvent::Settled { amount });
            }
            Some(Fault::Amount(by)) => {
                // The processor really took another amount (a currency rounding, a tip added
                // on the terminal): what it may refund follows what it took.
                let amount = Money { amount_minor: amount.amount_minor + by, ..amount };
                if let Some(entry) = books.charges.get_mut(charge_key) {
                    entry.amount = amount;
                }
                books.report(at, charge_key, RailEvent::Captured { amount });
                books.report(next_midnight(at), charge_key, RailEvent::Settled { amount });
            }
            Some(Fault::Missing) => {}
        }
        if disputed {
            let opened = at.plus(ms(Self::DISPUTE_AFTER));
            books.report(opened, charge_key, RailEvent::Disputed { amount });
            let lost = opened.plus(ms(Self::DISPUTE_LOST_AFTER));
            books.report(lost, charge_key, RailEvent::DisputeLost { amount });
        }
        Ok(Outcome::Approved { reference })
    }

    async fn void(&self, charge_key: &str, now: UnixMillis) -> Result<(), RailError> {
        let at = self.clock.at(now);
        let mut books = self.books()?;
        let Some(entry) = books.charges.get_mut(charge_key) else {
            // Voided before it was charged: a late charge under this key is refused.
            books.charges.insert(
                charge_key.to_owned(),
                Entry {
                    amount: Money { amount_minor: 0, currency: vitrine_protocol::Currency::EUR },
                    token: String::new(),
                    state: State::Voided,
                    reference: String::new(),
                    refunded_minor: 0,
                    calls: 0,
                },
            );
            return Ok(());
        };
        let taken = matches!(entry.state, State::Authorized | State::Captured | State::Pending);
        entry.state = State::Voided;
        if taken {
            // A void reaches the processor before the day's report: nothing settles, nothing
            // can be disputed. What already happened is still reported.
            books.scheduled.retain(|(t, key, _)| key != charge_key || *t <= at);
            books.report(at, charge_key, RailEvent::Voided);
        }
        Ok(())
    }

    async fn refund(&self, refund: &Refund, now: UnixMillis) -> Result<Outcome, RailError> {
        let at = self.clock.at(now);
        let reference = self.reference("re", &refund.key);
        let mut books = self.books()?;
        if let Some((charge_key, answer)) = books.refunds.get(&refund.key) {
            if *charge_key == refund.charge_key {
                return Ok(answer.clone());
            }
            return Ok(Outcome::Declined {
                reason: "this refund key belongs to another charge".into(),
            });
        }
        let answer = match books.charges.get_mut(&refund.charge_key) {
            Some(e) if e.state != State::Captured => {
                Outcome::Declined { reason: "only a captured charge can be refunded".into() }
            }
            Some(e) if e.amount.currency != refund.amount.currency => {
                Outcome::Declined { reason: "the refund's currency is not the charge's".into() }
            }
            Some(e)
                if refund.amount.amount_minor <= 0
                    || e.refunded_minor + refund.amount.amount_minor > e.amount.amount_minor =>
            {
                Outcome::Declined { reason: "more than was captured".into() }
            }
            Some(e) => {
                e.refunded_minor += refund.amount.amount_minor;
                Outcome::Approved { reference }
            }
            None => Outcome::Declined { reason: "no such charge".into() },
        };
        if matches!(answer, Outcome::Approved { .. }) {
            books.report(at, &refund.key, RailEvent::Refunded { amount: refund.amount });
        }
        books.refunds.insert(refund.key.clone(), (refund.charge_key.clone(), answer.clone()));
        Ok(answer)
    }

    async fn attestations(
        &self,
        after: u64,
        limit: usize,
        now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError> {
        let at = self.clock.at(now);
        let mut books = self.books()?;
        books.publish(at);
        let start = books.published.partition_point(|a| a.seq <= after);
        Ok(books.published[start..].iter().take(limit).cloned().collect())
    }
}

#[cfg(test)]
#[path = "card_tests.rs"]
mod tests;
