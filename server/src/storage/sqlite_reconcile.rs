//! Reconciliation in SQLite (0014_reconciliation.sql). SQL only.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite, Transaction};
use vitrine_protocol::{Money, UnixMillis};

use super::merchants::Actor;
use super::reconcile::{ReconcileStore, Stamp};
use super::sqlite::{currency, SqliteStorage};
use super::sqlite_merchants::audit;
use super::sqlite_money as money;
use super::StorageError;
use crate::domain::order_flow::{Flow, Move};
use crate::domain::reconcile::{amount_of, kind_of, Item, OrderFacts, Verdict};
use crate::domain::settlement::{Attestation, RailEvent};

fn int(v: u64) -> Result<i64, StorageError> {
    i64::try_from(v).map_err(|_| StorageError::Corrupt(format!("{v} does not fit")))
}

fn json(actions: &[crate::domain::reconcile::Action]) -> String {
    let names: Vec<&str> = actions.iter().map(|a| a.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

async fn insert_items(
    tx: &mut Transaction<'static, Sqlite>,
    rail: &str,
    items: &[Item],
    now: UnixMillis,
) -> Result<(), StorageError> {
    for item in items {
        sqlx::query(
            "INSERT INTO reconciliation_items (kind, rail, key, order_id, detail, suggested,
                 status, applied, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, rail, key) DO NOTHING",
        )
        .bind(item.kind.as_str())
        .bind(rail)
        .bind(&item.key)
        .bind(&item.order)
        .bind(&item.detail)
        .bind(json(&item.suggested))
        .bind(if item.applied.is_some() { "applied" } else { "open" })
        .bind(item.applied.map(|a| a.as_str()))
        .bind(now.0)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl ReconcileStore for SqliteStorage {
    async fn rail_cursor(&self, rail: &str) -> Result<u64, StorageError> {
        let seq: Vec<i64> = sqlx::query_scalar("SELECT seq FROM rail_cursors WHERE rail = ?")
            .bind(rail)
            .fetch_all(&self.pool)
            .await?;
        Ok(seq.into_iter().next().and_then(|s| u64::try_from(s).ok()).unwrap_or(0))
    }

    async fn order_facts(
        &self,
        orders: &[&str],
    ) -> Result<HashMap<String, OrderFacts>, StorageError> {
        let mut facts = HashMap::new();
        for chunk in orders.chunks(500) {
            let mut q = QueryBuilder::new(
                "SELECT id, amount_minor, currency, state FROM orders WHERE id IN (",
            );
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            let rows: Vec<(String, i64, String, String)> =
                q.build_query_as().fetch_all(&self.pool).await?;
            for (id, amount_minor, cur, state) in rows {
                let total = Money { amount_minor, currency: currency(&cur)? };
                let (paid, settling) = (state == "paid", state == "held");
                facts.insert(id, OrderFacts { total, paid, settling });
            }
        }
        Ok(facts)
    }

    async fn flows(&self, orders: &[&str]) -> Result<HashMap<String, Flow>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        let mut flows = HashMap::new();
        for order in orders {
            if let Some(flow) = money::flow_of(&mut conn, order).await? {
                flows.insert((*order).to_owned(), flow);
            }
        }
        Ok(flows)
    }

    async fn reported(
        &self,
        rail: &str,
        pairs: &[(String, &'static str)],
    ) -> Result<HashSet<(String, String)>, StorageError> {
        let mut seen = HashSet::new();
        for chunk in pairs.chunks(400) {
            let mut q = QueryBuilder::new("SELECT key, kind FROM attestations WHERE rail = ");
            q.push_bind(rail);
            q.push(" AND (key, kind) IN (VALUES ");
            let mut list = q.separated(", ");
            for (key, kind) in chunk {
                list.push("(")
                    .push_bind_unseparated(key.as_str())
                    .push_unseparated(", ")
                    .push_bind_unseparated(*kind)
                    .push_unseparated(")");
            }
            q.push(")");
            let rows: Vec<(String, String)> = q.build_query_as().fetch_all(&self.pool).await?;
            seen.extend(rows);
        }
        Ok(seen)
    }

    async fn record_reports(
        &self,
        rail: &str,
        from: u64,
        reports: &[(Attestation, Verdict)],
        items: &[Item],
        moves: &[(String, Vec<Move>)],
        at: Stamp,
    ) -> Result<bool, StorageError> {
        let now = at.server;
        let Some(last) = reports.last().map(|(a, _)| a.seq) else { return Ok(true) };
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "INSERT INTO rail_cursors (rail, seq) VALUES (?1, ?3)
             ON CONFLICT (rail) DO UPDATE SET seq = ?3 WHERE seq = ?2",
        )
        .bind(rail)
        .bind(int(from)?)
        .bind(int(last)?)
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        if moved != 1 {
            // Another pass moved the cursor: it has these reports (the transaction rolls back).
            return Ok(false);
        }
        for chunk in reports.chunks(300) {
            let mut q = QueryBuilder::new(
                "INSERT INTO attestations (rail, seq, key, kind, amount_minor, currency, tx, at,
                     received_at, reconciled_at, verdict) ",
            );
            let mut rows = Vec::with_capacity(chunk.len());
            for (a, verdict) in chunk {
                let amount = amount_of(&a.event);
                let tx_hash = match &a.event {
                    RailEvent::MintIncluded { tx, .. }
                    | RailEvent::MintFinal { tx, .. }
                    | RailEvent::MintDropped { tx } => Some(tx.clone()),
                    _ => None,
                };
                rows.push((int(a.seq)?, a, amount, tx_hash, *verdict));
            }
            q.push_values(rows, |mut row, (seq, a, amount, tx_hash, verdict)| {
                row.push_bind(rail)
                    .push_bind(seq)
                    .push_bind(a.key.clone())
                    .push_bind(kind_of(&a.event))
                    .push_bind(amount.map(|m| m.amount_minor))
                    .push_bind(amount.map(|m| m.currency.code()))
                    .push_bind(tx_hash)
                    .push_bind(a.at.0)
                    .push_bind(now.0)
                    .push_bind(at.rail.0)
                    .push_bind(verdict.as_str());
            });
            q.build().execute(&mut *tx.tx).await?;
        }
        insert_items(&mut tx.tx, rail, items, now).await?;
        let mut accounts = money::Accounts::default();
        for (order, steps) in moves {
            for parties in money::parties(&mut tx.tx, &[order.as_str()]).await? {
                money::record(&mut tx.tx, &mut accounts, &parties, steps, now).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn unreported_captures(
        &self,
        rail: &str,
        before: UnixMillis,
        limit: u32,
    ) -> Result<Vec<(String, UnixMillis)>, StorageError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT o.id, o.updated_at FROM orders o
             WHERE o.state = 'paid' AND o.rail = ?1 AND o.amount_minor > 0 AND o.updated_at < ?2
               AND NOT EXISTS (SELECT 1 FROM attestations a WHERE a.rail = ?1
                               AND a.key = o.id || '/charge' AND a.kind = 'captured')
               AND NOT EXISTS (SELECT 1 FROM reconciliation_items r WHERE r.kind = 'missing'
                               AND r.rail = ?1 AND r.key = o.id || '/charge')
             ORDER BY o.updated_at LIMIT ?3",
        )
        .bind(rail)
        .bind(before.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, at)| (id, UnixMillis(at))).collect())
    }

    async fn captures_not_paid(
        &self,
        rail: &str,
        since: UnixMillis,
        before: UnixMillis,
        limit: u32,
    ) -> Result<Vec<(String, Money)>, StorageError> {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT a.key, max(a.amount_minor), a.currency FROM attestations a
             JOIN orders o ON o.id = substr(a.key, 1, instr(a.key, '/') - 1)
             WHERE a.rail = ?1 AND a.kind IN ('captured', 'settled') AND a.verdict = 'matched'
               AND a.received_at >= ?2 AND a.received_at < ?3
               AND a.amount_minor IS NOT NULL AND a.currency IS NOT NULL
               AND o.state != 'paid'
               -- Given back by a void the rail reported: nothing is owed.
               AND NOT EXISTS (SELECT 1 FROM attestations v WHERE v.rail = ?1 AND v.key = a.key
                               AND v.kind = 'voided')
               AND NOT EXISTS (SELECT 1 FROM reconciliation_items r WHERE r.kind = 'unknown'
                               AND r.rail = ?1 AND r.key = a.key)
             GROUP BY a.key ORDER BY min(a.received_at) LIMIT ?4",
        )
        .bind(rail)
        .bind(since.0)
        .bind(before.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(key, amount_minor, code)| {
                Ok((key, Money { amount_minor, currency: currency(&code)? }))
            })
            .collect()
    }

    async fn late_mints(
        &self,
        chain: &str,
        before: UnixMillis,
        limit: u32,
    ) -> Result<Vec<(String, UnixMillis)>, StorageError> {
        // Only open attempts (the `mints_open` index), so a window's cost follows what is in
        // flight, not every mint ever made.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT m.key, min(a.at) FROM mints m
             JOIN attestations a ON a.rail = ?1 AND a.key = m.key AND a.kind = 'mint_included'
             WHERE m.state IN ('submitting', 'pending', 'included') AND m.chain = ?1
               -- The minter may not have read the chain's last word yet; the reports have it.
               AND NOT EXISTS (SELECT 1 FROM attestations b WHERE b.rail = ?1 AND b.key = m.key
                               AND b.kind IN ('mint_final', 'mint_dropped'))
               AND NOT EXISTS (SELECT 1 FROM reconciliation_items r WHERE r.kind = 'late_finality'
                               AND r.rail = ?1 AND r.key = m.key)
             GROUP BY m.key HAVING min(a.at) < ?2 ORDER BY 2 LIMIT ?3",
        )
        .bind(chain)
        .bind(before.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(key, at)| (key, UnixMillis(at))).collect())
    }

    async fn close_late(&self, chain: &str, now: UnixMillis) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let closed: Vec<(i64,)> = sqlx::query_as(
            "UPDATE reconciliation_items SET status = 'applied', applied = 'wait_for_finality'
             WHERE kind = 'late_finality' AND status = 'open' AND rail = ?1
               AND EXISTS (SELECT 1 FROM attestations a WHERE a.rail = ?1
                           AND a.key = reconciliation_items.key AND a.kind = 'mint_final')
             RETURNING id",
        )
        .bind(chain)
        .fetch_all(&mut *tx.tx)
        .await?;
        let actor = Actor { merchant_id: None, label: "reconciler".to_owned() };
        for (id,) in closed {
            let (before, after) = (r#"{"status":"open"}"#, r#"{"status":"applied"}"#);
            let subject = format!("reconciliation item {id}");
            let (before, after) = (Some(before.to_owned()), Some(after.to_owned()));
            audit(&mut tx.tx, &actor, "reconciliation.close", &subject, before, after, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn raise_items(
        &self,
        rail: &str,
        items: &[Item],
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        insert_items(&mut tx.tx, rail, items, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
