//! What `vitrine slo` reads: the samples of a time range. SQL only; `domain::slo` judges.

use async_trait::async_trait;
use vitrine_protocol::UnixMillis;

use super::StorageError;
use crate::domain::slo::Samples;

#[async_trait]
pub trait SloStore: Send + Sync + 'static {
    /// What was recorded in `[from, to)`; items count as stale if raised before `stale_before`
    /// and still open.
    async fn slo_samples(
        &self,
        from: UnixMillis,
        to: UnixMillis,
        stale_before: UnixMillis,
    ) -> Result<Samples, StorageError>;
}
