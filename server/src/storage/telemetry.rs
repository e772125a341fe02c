//! Service workers' reports, kept as received. SQL only; the route checks them.

use async_trait::async_trait;
use vitrine_protocol::telemetry::WorkerReport;
use vitrine_protocol::UnixMillis;

use super::StorageError;

#[async_trait]
pub trait TelemetryStore: Send + Sync + 'static {
    /// Keep one report, received at `at`.
    async fn record_worker_report(
        &self,
        report: &WorkerReport,
        at: UnixMillis,
    ) -> Result<(), StorageError>;
}
