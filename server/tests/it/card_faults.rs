//! The sandbox card with one fault a test injects: a test's type says which card it wraps and
//! overrides only the call it breaks (`CardFault`); `Faulty` makes it a rail, passing every
//! other call through to the card.

use async_trait::async_trait;
use vitrine_protocol::UnixMillis;
use vitrine_server::domain::settlement::{
    Attestation, Charge, Outcome, RailError, Refund, SandboxCard, SettlementRail,
};

#[async_trait]
pub(crate) trait CardFault: Send + Sync + 'static {
    /// The card every call not overridden goes to.
    fn card(&self) -> &SandboxCard;

    async fn authorize(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError> {
        self.card().authorize(charge, now).await
    }

    async fn capture(&self, key: &str, now: UnixMillis) -> Result<Outcome, RailError> {
        self.card().capture(key, now).await
    }

    async fn refund(&self, refund: &Refund, now: UnixMillis) -> Result<Outcome, RailError> {
        self.card().refund(refund, now).await
    }

    async fn void(&self, key: &str, now: UnixMillis) -> Result<(), RailError> {
        self.card().void(key, now).await
    }
}

/// A [`CardFault`] as the `sandbox-card` rail.
pub(crate) struct Faulty<T>(pub T);

#[async_trait]
impl<T: CardFault> SettlementRail for Faulty<T> {
    fn name(&self) -> &'static str {
        SandboxCard::NAME
    }

    async fn authorize(&self, charge: &Charge, now: UnixMillis) -> Result<Outcome, RailError> {
        self.0.authorize(charge, now).await
    }

    async fn capture(&self, key: &str, now: UnixMillis) -> Result<Outcome, RailError> {
        self.0.capture(key, now).await
    }

    async fn void(&self, key: &str, now: UnixMillis) -> Result<(), RailError> {
        self.0.void(key, now).await
    }

    async fn refund(&self, refund: &Refund, now: UnixMillis) -> Result<Outcome, RailError> {
        self.0.refund(refund, now).await
    }

    fn time(&self, now: UnixMillis) -> UnixMillis {
        self.0.card().time(now)
    }

    async fn attestations(
        &self,
        after: u64,
        limit: usize,
        now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError> {
        self.0.card().attestations(after, limit, now).await
    }
}
