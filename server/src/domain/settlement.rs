//! Settlement rails: how a held order becomes paid. Every rail — a card processor, a chain
//! adapter — implements [`SettlementRail`]; this build ships only `sandbox-card`, a sandbox with
//! deterministic test cards, never a real processor.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use vitrine_protocol::{sandbox, IntentId, Money, UnixMillis};

/// What a rail needs to know to settle one order.
#[derive(Debug, Clone)]
pub struct Charge {
    pub order: IntentId,
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
    /// Not decided yet; ask again later.
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
    /// Try to capture the charge. Must be idempotent per `charge.order`: asked twice, a real
    /// processor must not charge twice (the order id is its idempotency key).
    async fn settle(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError>;
}

/// The rails a server settles on, by name.
#[derive(Clone, Default)]
pub struct Rails(HashMap<&'static str, Arc<dyn SettlementRail>>);

impl Rails {
    pub fn with(mut self, rail: impl SettlementRail) -> Self {
        self.0.insert(rail.name(), Arc::new(rail));
        self
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn SettlementRail>> {
        self.0.get(name)
    }
}

/// Sandbox card rail with the test cards of card processors' sandboxes.
pub struct SandboxCard;

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
}

#[async_trait]
impl SettlementRail for SandboxCard {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    async fn settle(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError> {
        let reference = format!("sandbox_{}", charge.order);
        Ok(match charge.token.as_str() {
            Self::APPROVE => Outcome::Approved { reference },
            Self::DECLINE => Outcome::Declined { reason: "the card was declined".into() },
            Self::APPROVE_AFTER_DELAY => {
                let ready = charge.accepted_at.0 + Self::DELAY.as_millis() as i64;
                if now.0 >= ready {
                    Outcome::Approved { reference }
                } else {
                    Outcome::Pending { retry_after: Duration::from_millis((ready - now.0) as u64) }
                }
            }
            _ => Outcome::Declined { reason: "unknown test card".into() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(token: &str) -> Charge {
        Charge {
            order: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
            amount: Money { amount_minor: 100, currency: vitrine_protocol::Currency::EUR },
            token: token.into(),
            accepted_at: UnixMillis(1_000_000),
        }
    }

    #[tokio::test]
    async fn test_cards_are_deterministic() {
        let rail = SandboxCard;
        let at = UnixMillis(1_000_000);
        assert!(matches!(
            rail.settle(&charge(SandboxCard::APPROVE), at).await.unwrap(),
            Outcome::Approved { .. }
        ));
        assert!(matches!(
            rail.settle(&charge(SandboxCard::DECLINE), at).await.unwrap(),
            Outcome::Declined { .. }
        ));
        let slow = charge(SandboxCard::APPROVE_AFTER_DELAY);
        assert_eq!(
            rail.settle(&slow, at).await.unwrap(),
            Outcome::Pending { retry_after: SandboxCard::DELAY }
        );
        let later = UnixMillis(at.0 + 2_000);
        assert!(matches!(rail.settle(&slow, later).await.unwrap(), Outcome::Approved { .. }));
    }
}
