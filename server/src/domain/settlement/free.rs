//! The rail of free claims: it settles zero and nothing else. It moves no money, so it is no
//! sandbox of anything; every server has it, and purchases may not use it.

use async_trait::async_trait;
use vitrine_protocol::UnixMillis;

use super::{Attestation, Charge, Outcome, RailError, Refund, SettlementRail};

pub struct NoCharge;

#[async_trait]
impl SettlementRail for NoCharge {
    fn name(&self) -> &'static str {
        vitrine_protocol::claims::FREE_RAIL
    }

    async fn authorize(&self, charge: &Charge, _now: UnixMillis) -> Result<Outcome, RailError> {
        Ok(if charge.amount.amount_minor == 0 {
            Outcome::Approved { reference: format!("free-{}", charge.key) }
        } else {
            Outcome::Declined { reason: "the free rail takes no money".into() }
        })
    }

    async fn capture(&self, charge_key: &str, _now: UnixMillis) -> Result<Outcome, RailError> {
        Ok(Outcome::Approved { reference: format!("free-{charge_key}") })
    }

    async fn void(&self, _charge_key: &str, _now: UnixMillis) -> Result<(), RailError> {
        Ok(())
    }

    async fn refund(&self, _refund: &Refund, _now: UnixMillis) -> Result<Outcome, RailError> {
        Ok(Outcome::Declined { reason: "nothing was paid".into() })
    }

    /// Nothing happens on this rail that reconciliation could miss: it reports nothing.
    async fn attestations(
        &self,
        _after: u64,
        _limit: usize,
        _now: UnixMillis,
    ) -> Result<Vec<Attestation>, RailError> {
        Ok(Vec::new())
    }
}
