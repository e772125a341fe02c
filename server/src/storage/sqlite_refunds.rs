//! Refunds in SQLite (0015_refunds.sql). SQL only.

use async_trait::async_trait;
use vitrine_protocol::{Money, UnixMillis};

use super::merchants::Actor;
use super::refunds::{Opened, RefundAsk, RefundRefusal, RefundRow, RefundStore};
use super::sqlite::{currency, SqliteStorage};
use super::sqlite_merchants::audit;
use super::sqlite_money as money;
use super::StorageError;
use crate::domain::order_flow::{Move, Payment};

type Row = (String, String, i64, String, String, String, i64);

fn row((key, order, amount_minor, cur, state, rail, at): Row) -> Result<RefundRow, StorageError> {
    Ok(RefundRow {
        key,
        order: order.parse().map_err(|_| StorageError::Corrupt(format!("refund of {order}")))?,
        amount: Money { amount_minor, currency: currency(&cur)? },
        state,
        rail,
        created_at: UnixMillis(at),
    })
}

/// One refund by its key, read in the transaction that wrote or found it.
async fn one(tx: &mut sqlx::SqliteConnection, key: &str) -> Result<RefundRow, StorageError> {
    let sql = format!("{SELECT} WHERE r.key = ?");
    let rows: Vec<Row> = sqlx::query_as(&sql).bind(key).fetch_all(&mut *tx).await?;
    let found = rows.into_iter().next();
    row(found.ok_or_else(|| StorageError::Corrupt(format!("refund {key} vanished")))?)
}

const SELECT: &str = "SELECT r.key, r.order_id, r.amount_minor, o.currency, r.state, o.rail,
        r.created_at FROM refunds r JOIN orders o ON o.id = r.order_id";

#[async_trait]
impl RefundStore for SqliteStorage {
    async fn open_refund(
        &self,
        actor: &Actor,
        ask: RefundAsk<'_>,
        now: UnixMillis,
    ) -> Result<Result<Opened, RefundRefusal>, StorageError> {
        let id = ask.order.to_string();
        let mut tx = self.begin_write().await?;
        // The key first: a retry must find its refund even when nothing is left to give back.
        let before: Vec<(String, String, Option<i64>)> = sqlx::query_as(
            "SELECT key, order_id, asked_minor FROM refunds
             WHERE merchant_id = ? AND request_key = ?",
        )
        .bind(ask.merchant_id)
        .bind(ask.request_key)
        .fetch_all(&mut *tx.tx)
        .await?;
        if let Some((key, order, asked)) = before.into_iter().next() {
            if order != id || asked != ask.amount_minor {
                return Ok(Err(RefundRefusal::KeyReused));
            }
            let refund = one(&mut tx.tx, &key).await?;
            return Ok(Ok(Opened { refund, replayed: true }));
        }
        let found: Vec<(i64,)> = sqlx::query_as(
            "SELECT o.amount_minor FROM orders o JOIN items i ON i.id = o.item_id
             JOIN collections c ON c.id = i.collection_id WHERE o.id = ? AND c.merchant_id = ?",
        )
        .bind(&id)
        .bind(ask.merchant_id)
        .fetch_all(&mut *tx.tx)
        .await?;
        let Some((total,)) = found.into_iter().next() else {
            return Ok(Err(RefundRefusal::NotFound));
        };
        // Only a captured payment, not disputed or charged back, can be refunded.
        let flow = money::flow_of(&mut tx.tx, &id).await?;
        if total == 0 || flow.map(|f| f.payment) != Some(Payment::Captured) {
            return Ok(Err(RefundRefusal::NotPaid));
        }
        let (asked, n): (i64, i64) = sqlx::query_as(
            "SELECT coalesce(sum(CASE WHEN state != 'declined' THEN amount_minor END), 0), count(*)
             FROM refunds WHERE order_id = ?",
        )
        .bind(&id)
        .fetch_all(&mut *tx.tx)
        .await?
        .into_iter()
        .next()
        .unwrap_or((0, 0));
        let left = total - asked;
        let amount = ask.amount_minor.unwrap_or(left);
        if amount <= 0 || amount > left {
            return Ok(Err(RefundRefusal::TooMuch { left_minor: left }));
        }
        let key = format!("{id}/refund/{n}");
        sqlx::query(
            "INSERT INTO refunds (key, order_id, n, amount_minor, state, actor, merchant_id,
                                  request_key, asked_minor, created_at)
             VALUES (?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?)",
        )
        .bind(&key)
        .bind(&id)
        .bind(n)
        .bind(amount)
        .bind(&actor.label)
        .bind(ask.merchant_id)
        .bind(ask.request_key)
        .bind(ask.amount_minor)
        .bind(now.0)
        .execute(&mut *tx.tx)
        .await?;
        let after = format!(r#"{{"key":"{key}","amount_minor":{amount}}}"#);
        audit(&mut tx.tx, actor, "refund.request", &id, None, Some(after), now).await?;
        let refund = one(&mut tx.tx, &key).await?;
        tx.commit().await?;
        Ok(Ok(Opened { refund, replayed: false }))
    }

    async fn open_refunds(&self, limit: u32) -> Result<Vec<RefundRow>, StorageError> {
        let sql = format!("{SELECT} WHERE r.state = 'requested' ORDER BY r.created_at LIMIT ?");
        let rows: Vec<Row> =
            sqlx::query_as(&sql).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.into_iter().map(row).collect()
    }

    async fn finish_refund(
        &self,
        key: &str,
        approved: Result<String, String>,
        moves: &[Move],
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let (state, reference, reason) = match &approved {
            Ok(reference) => ("approved", Some(reference.as_str()), None),
            Err(reason) => ("declined", None, Some(reason.as_str())),
        };
        let order: Vec<String> = sqlx::query_scalar(
            "UPDATE refunds SET state = ?, reference = ?, reason = ?, finished_at = ?
             WHERE key = ? AND state = 'requested' RETURNING order_id",
        )
        .bind(state)
        .bind(reference)
        .bind(reason)
        .bind(now.0)
        .bind(key)
        .fetch_all(&mut *tx.tx)
        .await?;
        if let (Some(order), true) = (order.first(), approved.is_ok()) {
            let mut accounts = money::Accounts::default();
            for parties in money::parties(&mut tx.tx, &[order.as_str()]).await? {
                money::record(&mut tx.tx, &mut accounts, &parties, moves, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
