//! The SLO samples in SQLite: reports by when they were stored (their wait on their rail's
//! own clock), payments by their capture in
//! the stock ledger, open reconciliation items by age, workers' replays by when they were
//! reported. SQL only.

use async_trait::async_trait;
use vitrine_protocol::UnixMillis;

use super::slo::SloStore;
use super::sqlite::SqliteStorage;
use super::StorageError;
use crate::domain::slo::Samples;

#[async_trait]
impl SloStore for SqliteStorage {
    async fn slo_samples(
        &self,
        from: UnixMillis,
        to: UnixMillis,
        stale_before: UnixMillis,
    ) -> Result<Samples, StorageError> {
        let reconcile_ms: Vec<i64> = sqlx::query_scalar(
            "SELECT reconciled_at - at FROM attestations WHERE received_at >= ? AND received_at < ?",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_all(&self.pool)
        .await?;
        let paid_ms: Vec<i64> = sqlx::query_scalar(
            "SELECT l.at - o.created_at FROM ledger l JOIN orders o ON o.id = l.order_id
             WHERE l.kind = 'capture' AND l.at >= ? AND l.at < ?",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_all(&self.pool)
        .await?;
        let stale: Vec<i64> = sqlx::query_scalar(
            "SELECT count(*) FROM reconciliation_items WHERE status = 'open' AND created_at < ?",
        )
        .bind(stale_before.0)
        .fetch_all(&self.pool)
        .await?;
        let replays: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT coalesce(sum(replays_answered), 0), coalesce(sum(replays_retried), 0)
             FROM worker_reports WHERE received_at >= ? AND received_at < ?",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_all(&self.pool)
        .await?;
        let (replays_answered, replays_retried) = replays.into_iter().next().unwrap_or((0, 0));
        Ok(Samples {
            reconcile_ms,
            paid_ms,
            stale_items: stale.into_iter().next().unwrap_or(0),
            replays_answered,
            replays_retried,
        })
    }
}
