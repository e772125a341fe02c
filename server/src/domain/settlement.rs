//! Settlement rails: how a held order becomes paid. Every rail — a card processor, a chain
//! adapter — implements [`SettlementRail`]; this build ships only `sandbox-card`, a sandbox with
//! deterministic test cards, never a real processor.
//!
//! Every call carries our idempotency key (the settlement attempt's, written before the call):
//! asked twice with one key, a rail must answer the first result and never charge twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use vitrine_protocol::{sandbox, IntentId, Money, UnixMillis};

/// What a rail needs to know to settle one order.
#[derive(Debug, Clone)]
pub struct Charge {
    pub order: IntentId,
    /// Our idempotency key for this charge: the same on every retry, also after a crash.
    pub key: String,
    pub amount: Money,
    pub token: String,
    /// When the server accepted the order.
    pub accepted_at: UnixMillis,
}

/// A rail's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Approved {
        reference: String,
    },
    Declined {
        reason: String,
    },
    /// Not decided yet; ask again later (with the same key).
    Pending {
        retry_after: Duration,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("rail unavailable: {0}")]
pub struct RailError(pub String);

#[async_trait]
pub trait SettlementRail: Send + Sync + 'static {
    /// The name intents use in `payment.rail`.
    fn name(&self) -> &'static str;
    /// Authorize and capture the charge. Idempotent per `charge.key`.
    async fn settle(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError>;
    /// Cancel the charge made (or pending) under `charge_key`: nothing stays taken. Idempotent;
    /// voiding an unknown key is not an error (the charge never reached the rail).
    async fn void(&self, charge_key: &str, now: UnixMillis) -> Result<(), RailError>;
}

/// The rails a server settles on, by name.
#[derive(Clone, Default)]
pub struct Rails(HashMap<&'static str, Arc<dyn SettlementRail>>);

impl Rails {
    pub fn with(self, rail: impl SettlementRail) -> Self {
        self.with_shared(Arc::new(rail))
    }

    /// Add a rail the caller keeps a handle on (tests read the sandbox's books).
    pub fn with_shared(mut self, rail: Arc<dyn SettlementRail>) -> Self {
        self.0.insert(rail.name(), rail);
        self
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn SettlementRail>> {
        self.0.get(name)
    }
}

/// What the sandbox has done under one key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    outcome: Outcome,
    /// Calls made with this key.
    calls: u32,
    voided: bool,
}

/// Sandbox card rail with the test cards of card processors' sandboxes. It keeps books like a
/// processor does: one entry per idempotency key, so a repeated call answers the first result.
#[derive(Default)]
pub struct SandboxCard {
    books: Mutex<HashMap<String, Entry>>,
}

impl SandboxCard {
    /// Approves.
    pub const APPROVE: &'static str = sandbox::APPROVE;
    /// Declines.
    pub const DECLINE: &'static str = sandbox::DECLINE;
    /// Stays pending for [`Self::DELAY`], then approves.
    pub const APPROVE_AFTER_DELAY: &'static str = sandbox::APPROVE_AFTER_DELAY;
    pub const DELAY: Duration = Duration::from_secs(2);
    /// The name intents use for this rail.
    pub const NAME: &'static str = sandbox::CARD_RAIL;

    /// Money taken and not voided: approved charges, one per key.
    pub fn charges(&self) -> usize {
        self.books.lock().map_or(0, |b| {
            b.values()
                .filter(|e| matches!(e.outcome, Outcome::Approved { .. }) && !e.voided)
                .count()
        })
    }

    /// How many times the rail was asked under `key`.
    pub fn calls(&self, key: &str) -> u32 {
        self.books.lock().ok().and_then(|b| b.get(key).map(|e| e.calls)).unwrap_or(0)
    }

    fn decide(charge: &Charge, now: UnixMillis) -> Outcome {
        let reference = format!("sandbox_{}", charge.key);
        match charge.token.as_str() {
            Self::APPROVE => Outcome::Approved { reference },
            Self::DECLINE => Outcome::Declined { reason: "the card was declined".into() },
            Self::APPROVE_AFTER_DELAY => {
                let delay = i64::try_from(Self::DELAY.as_millis()).unwrap_or(i64::MAX);
                let ready = charge.accepted_at.plus(delay);
                if now >= ready {
                    Outcome::Approved { reference }
                } else {
                    let wait = u64::try_from(ready.0 - now.0).unwrap_or(0);
                    Outcome::Pending { retry_after: Duration::from_millis(wait) }
                }
            }
            _ => Outcome::Declined { reason: "unknown test card".into() },
        }
    }
}

#[async_trait]
impl SettlementRail for SandboxCard {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    async fn settle(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError> {
        let mut books =
            self.books.lock().map_err(|_| RailError("sandbox books poisoned".into()))?;
        let entry = books.entry(charge.key.clone()).or_insert_with(|| Entry {
            outcome: Outcome::Pending { retry_after: Duration::ZERO },
            calls: 0,
            voided: false,
        });
        entry.calls += 1;
        if entry.voided {
            return Ok(Outcome::Declined { reason: "the charge was voided".into() });
        }
        // A decided key answers its first result; a pending one is decided again.
        if matches!(entry.outcome, Outcome::Pending { .. }) {
            entry.outcome = Self::decide(charge, now);
        }
        Ok(entry.outcome.clone())
    }

    async fn void(&self, charge_key: &str, _now: UnixMillis) -> Result<(), RailError> {
        let mut books =
            self.books.lock().map_err(|_| RailError("sandbox books poisoned".into()))?;
        let entry = books.entry(charge_key.to_owned()).or_insert_with(|| Entry {
            outcome: Outcome::Declined { reason: "voided before it was charged".into() },
            calls: 0,
            voided: false,
        });
        entry.voided = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(token: &str, key: &str) -> Charge {
        Charge {
            order: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
            key: key.into(),
            amount: Money { amount_minor: 100, currency: vitrine_protocol::Currency::EUR },
            token: token.into(),
            accepted_at: UnixMillis(1_000_000),
        }
    }

    #[tokio::test]
    async fn test_cards_are_deterministic() {
        let rail = SandboxCard::default();
        let at = UnixMillis(1_000_000);
        assert!(matches!(
            rail.settle(&charge(SandboxCard::APPROVE, "a"), at).await.unwrap(),
            Outcome::Approved { .. }
        ));
        assert!(matches!(
            rail.settle(&charge(SandboxCard::DECLINE, "b"), at).await.unwrap(),
            Outcome::Declined { .. }
        ));
        let slow = charge(SandboxCard::APPROVE_AFTER_DELAY, "c");
        assert_eq!(
            rail.settle(&slow, at).await.unwrap(),
            Outcome::Pending { retry_after: SandboxCard::DELAY }
        );
        let later = UnixMillis(at.0 + 2_000);
        assert!(matches!(rail.settle(&slow, later).await.unwrap(), Outcome::Approved { .. }));
    }

    #[tokio::test]
    async fn one_key_is_one_charge_and_a_void_gives_it_back() {
        let rail = SandboxCard::default();
        let at = UnixMillis(1_000_000);
        for _ in 0..3 {
            rail.settle(&charge(SandboxCard::APPROVE, "k"), at).await.unwrap();
        }
        assert_eq!((rail.charges(), rail.calls("k")), (1, 3));
        rail.void("k", at).await.unwrap();
        assert_eq!(rail.charges(), 0);
        // Voided before the charge arrived: the late charge is refused, nothing taken.
        rail.void("early", at).await.unwrap();
        let late = rail.settle(&charge(SandboxCard::APPROVE, "early"), at).await.unwrap();
        assert!(matches!(late, Outcome::Declined { .. }));
        assert_eq!(rail.charges(), 0);
    }
}
