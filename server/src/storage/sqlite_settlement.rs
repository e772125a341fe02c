//! Settlement in SQLite: attempts, transitions out of `held`, expiry, review. SQL only.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use sqlx::{Acquire, SqliteConnection};
use vitrine_protocol::{IntentId, Money, OrderState, UnixMillis};

use super::settlement::{
    AttemptKind, AttemptOutcome, HeldOrder, OpenVoid, Released, Resolution, Settled,
    SettlementStore, Unreadable,
};
use super::sqlite::{currency, SqliteStorage};
use super::sqlite_money as money;
use super::sqlite_orders::ledger;
use super::StorageError;
use crate::domain::order_flow::{Move, Pending};
use set_wide::{open_at_once, resolve_at_once};

/// The fast paths: a pass's attempts and approvals in a few set-wide statements.
mod set_wide;

/// Release a hold: the order leaves `held` (at most once), its stock returns, and so does the
/// voucher of a claim.
async fn release(
    conn: &mut SqliteConnection,
    id: &str,
    state: OrderState,
    reason: &str,
    now: UnixMillis,
) -> Result<bool, StorageError> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE orders SET state = ?, reason = ?, hold_expires_at = NULL, next_settle_at = NULL,
             updated_at = ?
         WHERE id = ? AND state = 'held' RETURNING item_id, quantity",
    )
    .bind(state.as_str())
    .bind(reason)
    .bind(now.0)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .next();
    let Some((item, quantity)) = row else { return Ok(false) };
    sqlx::query("UPDATE items SET stock = stock + ? WHERE id = ?")
        .bind(quantity)
        .bind(item)
        .execute(&mut *conn)
        .await?;
    ledger(&mut *conn, id, "release", item, quantity, now).await?;
    // Nothing was paid: a claim's voucher may be claimed again, with another card (once no
    // charge of it is left open at the rail).
    super::sqlite_claim_ingest::give_back(&mut *conn, id, now).await?;
    // An authorization not captured leaves its sale pending: the release voids it
    // (order_flow: Authorized + Expired or Declined → Void(Sale)).
    if money::open_sale(&mut *conn, id).await? {
        for parties in money::parties(&mut *conn, &[id]).await? {
            let void = [Move::Void(Pending::Sale)];
            money::record(&mut *conn, &mut money::Accounts::default(), &parties, &void, now)
                .await?;
        }
    }
    Ok(true)
}

/// Write a settled order's moves, in its transaction.
async fn record_moves(
    conn: &mut SqliteConnection,
    accounts: &mut money::Accounts,
    settled: &Settled,
    now: UnixMillis,
) -> Result<(), StorageError> {
    if settled.moves.is_empty() {
        return Ok(());
    }
    let id = settled.order.to_string();
    for parties in money::parties(&mut *conn, &[id.as_str()]).await? {
        money::record(&mut *conn, accounts, &parties, &settled.moves, now).await?;
    }
    Ok(())
}

async fn finish_attempt(
    conn: &mut SqliteConnection,
    key: &str,
    outcome: AttemptOutcome,
    reference: Option<&str>,
    now: UnixMillis,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE settlement_attempts SET finished_at = ?, outcome = ?, reference = ?
         WHERE key = ?",
    )
    .bind(now.0)
    .bind(outcome.as_str())
    .bind(reference)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

fn attempt_key(order: &str, kind: AttemptKind) -> String {
    format!("{order}/{}", kind.as_str())
}

/// One attempt of each kind per order: a charge stays open (and keeps its key) until the rail
/// decides, so there is never a second charge key to number. One statement to open or find it.
async fn open_attempt(
    conn: &mut SqliteConnection,
    order: &str,
    kind: AttemptKind,
    now: UnixMillis,
) -> Result<String, StorageError> {
    let key = attempt_key(order, kind);
    sqlx::query(
        "INSERT INTO settlement_attempts (key, order_id, kind, started_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(&key)
    .bind(order)
    .bind(kind.as_str())
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(key)
}

async fn resolve(
    conn: &mut SqliteConnection,
    settled: &Settled,
    now: UnixMillis,
) -> Result<bool, StorageError> {
    let id = settled.order.to_string();
    let changed = match &settled.resolution {
        Resolution::Paid { reference } => {
            finish_attempt(
                &mut *conn,
                &settled.attempt,
                AttemptOutcome::Approved,
                Some(reference),
                now,
            )
            .await?;
            let row: Option<(i64, i64)> = sqlx::query_as(
                "UPDATE orders SET state = 'paid', settlement_ref = ?, hold_expires_at = NULL,
                     next_settle_at = NULL, updated_at = ?
                 WHERE id = ? AND state = 'held' RETURNING item_id, quantity",
            )
            .bind(reference)
            .bind(now.0)
            .bind(&id)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .next();
            match row {
                Some((item, quantity)) => {
                    ledger(&mut *conn, &id, "capture", item, quantity, now).await?;
                    record_moves(&mut *conn, &mut money::Accounts::default(), settled, now).await?;
                    true
                }
                None => false,
            }
        }
        Resolution::Declined { reason } => {
            finish_attempt(&mut *conn, &settled.attempt, AttemptOutcome::Declined, None, now)
                .await?;
            release(&mut *conn, &id, OrderState::Declined, reason, now).await?
        }
        Resolution::RetryAt { at, outcome } => {
            sqlx::query("UPDATE settlement_attempts SET outcome = ? WHERE key = ?")
                .bind(outcome.as_str())
                .bind(&settled.attempt)
                .execute(&mut *conn)
                .await?;
            let still_held = sqlx::query(
                "UPDATE orders SET next_settle_at = ?, updated_at = ?
                 WHERE id = ? AND state = 'held'",
            )
            .bind(at.0)
            .bind(now.0)
            .bind(&id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
                == 1;
            if still_held {
                // Authorized, capture not yet: the sale is reserved until the hold runs out.
                record_moves(&mut *conn, &mut money::Accounts::default(), settled, now).await?;
            }
            still_held
        }
    };
    Ok(changed)
}

/// One item's work inside its savepoint.
type Step<'c, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'c>>;

/// Run `work` for every item in one `BEGIN IMMEDIATE` transaction (one commit, one fsync),
/// each item in its own savepoint: an item that fails is rolled back alone and its slot holds
/// the error, the others commit.
async fn each_in_savepoint<I, T>(
    storage: &SqliteStorage,
    items: &[I],
    work: impl for<'c> Fn(&'c mut SqliteConnection, &'c I) -> Step<'c, T>,
) -> Result<Vec<Result<T, StorageError>>, StorageError> {
    let mut tx = storage.begin_write().await?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut one = tx.tx.begin().await?;
        let result = work(&mut one, item).await;
        match result {
            Ok(value) => {
                one.commit().await?;
                out.push(Ok(value));
            }
            Err(error) => {
                one.rollback().await?;
                out.push(Err(error));
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

#[async_trait]
impl SettlementStore for SqliteStorage {
    async fn due_settlements(
        &self,
        now: UnixMillis,
        limit: u32,
    ) -> Result<Vec<Result<HeldOrder, Unreadable>>, StorageError> {
        let rows: Vec<(String, i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, amount_minor, currency, rail, payment_token, created_at, hold_expires_at
             FROM orders
             WHERE state = 'held' AND review_code IS NULL AND next_settle_at <= ?
             ORDER BY next_settle_at LIMIT ?",
        )
        .bind(now.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, amount, cur, rail, token, created, hold)| {
                let parsed = id.parse::<IntentId>().map_err(|e| e.to_string()).and_then(|order| {
                    let currency = currency(&cur).map_err(|e| e.to_string())?;
                    Ok(HeldOrder {
                        id: order,
                        total: Money { amount_minor: amount, currency },
                        rail,
                        token,
                        accepted_at: UnixMillis(created),
                        hold_until: UnixMillis(hold.unwrap_or(created)),
                    })
                });
                parsed.map_err(|error| Unreadable { id, error })
            })
            .collect())
    }

    async fn open_attempts(
        &self,
        orders: &[&str],
        kind: AttemptKind,
        now: UnixMillis,
    ) -> Result<Vec<Result<String, StorageError>>, StorageError> {
        // The whole batch in one statement; if that fails, each order alone.
        match open_at_once(self, orders, kind, now).await {
            Ok(keys) => Ok(keys.into_iter().map(Ok).collect()),
            Err(error) => {
                tracing::warn!(%error, "opening attempts together failed; one by one");
                each_in_savepoint(self, orders, |conn, order| {
                    Box::pin(open_attempt(conn, order, kind, now))
                })
                .await
            }
        }
    }

    async fn resolve_all(
        &self,
        outcomes: &[Settled],
        now: UnixMillis,
    ) -> Result<Vec<Result<bool, StorageError>>, StorageError> {
        match resolve_at_once(self, outcomes, now).await {
            Ok(changed) => Ok(changed.into_iter().map(Ok).collect()),
            Err(error) => {
                tracing::warn!(%error, "recording outcomes together failed; one by one");
                each_in_savepoint(self, outcomes, |conn, settled| {
                    Box::pin(resolve(conn, settled, now))
                })
                .await
            }
        }
    }

    async fn expire_holds(
        &self,
        now: UnixMillis,
        reason: &str,
    ) -> Result<Vec<Released>, StorageError> {
        let due: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, rail FROM orders
             WHERE state = 'held' AND review_code IS NULL AND hold_expires_at <= ?",
        )
        .bind(now.0)
        .fetch_all(&self.pool)
        .await?;
        let mut released = Vec::new();
        for (id, rail) in due {
            // One transaction per order: one that fails does not hold back the others.
            let mut tx = self.begin_write().await?;
            if !release(&mut tx.tx, &id, OrderState::Expired, reason, now).await? {
                continue;
            }
            let charge_key: Option<String> = sqlx::query_scalar(
                "SELECT key FROM settlement_attempts WHERE order_id = ? AND kind = 'charge'
                   AND (outcome IS NULL OR outcome != 'voided') ORDER BY started_at DESC LIMIT 1",
            )
            .bind(&id)
            .fetch_all(&mut *tx.tx)
            .await?
            .into_iter()
            .next();
            tx.commit().await?;
            released.push(Released { id, rail, charge_key });
        }
        Ok(released)
    }

    async fn open_voids(&self) -> Result<Vec<OpenVoid>, StorageError> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT v.order_id, o.rail, c.key, v.key FROM settlement_attempts v
             JOIN orders o ON o.id = v.order_id
             JOIN settlement_attempts c ON c.order_id = v.order_id AND c.kind = 'charge'
               AND (c.outcome IS NULL OR c.outcome != 'voided')
             WHERE v.kind = 'void' AND v.finished_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(order, rail, charge_key, void_key)| OpenVoid {
                order,
                rail,
                charge_key,
                void_key,
            })
            .collect())
    }

    async fn finish_void(&self, void: &OpenVoid, now: UnixMillis) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        finish_attempt(&mut tx.tx, &void.void_key, AttemptOutcome::Voided, None, now).await?;
        finish_attempt(&mut tx.tx, &void.charge_key, AttemptOutcome::Voided, None, now).await?;
        // The charge is undone at the rail: an expired claim's voucher may go back now.
        super::sqlite_claim_ingest::give_back(&mut tx.tx, &void.order, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn to_review(&self, id: &str, code: &str, now: UnixMillis) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE orders SET review_code = ?, next_settle_at = NULL, updated_at = ? WHERE id = ?",
        )
        .bind(code)
        .bind(now.0)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await
    }
}
