//! Service workers' reports in SQLite (0016_worker_reports.sql). SQL only.

use async_trait::async_trait;
use vitrine_protocol::telemetry::WorkerReport;
use vitrine_protocol::UnixMillis;

use super::sqlite::SqliteStorage;
use super::telemetry::TelemetryStore;
use super::StorageError;

#[async_trait]
impl TelemetryStore for SqliteStorage {
    async fn record_worker_report(
        &self,
        report: &WorkerReport,
        at: UnixMillis,
    ) -> Result<(), StorageError> {
        // Through the write gate like every write here, so it never makes the order writer
        // wait in SQLite's busy handler.
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO worker_reports (received_at, cache_hits, cache_misses, replays_answered,
                                         replays_retried) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(at.0)
        .bind(report.cache_hits)
        .bind(report.cache_misses)
        .bind(report.replays_answered)
        .bind(report.replays_retried)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
