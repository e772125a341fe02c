use async_trait::async_trait;
use sqlx::{FromRow, SqliteConnection};
use vitrine_protocol::{IntentId, ItemId, Money, Order, OrderState, SuggestedAction, UnixMillis};

use super::orders::{HeldOrder, Ingested, NewOrder, OrderStore, Resolution, StoredAnswer};
use super::sqlite::{currency, SqliteStorage};
use super::StorageError;

const CONFLICT_REASON: &str =
    "Every edition was sold before this purchase reached us. Nothing was charged.";
const EXPIRED_REASON: &str = "The payment did not complete in time. Nothing was charged.";

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("{what}: {detail}"))
}

fn hash32(bytes: Vec<u8>) -> Result<[u8; 32], StorageError> {
    bytes.try_into().map_err(|_| corrupt("request hash", "not 32 bytes"))
}

#[derive(FromRow)]
struct AnswerRow {
    request_hash: Vec<u8>,
    response_status: i64,
    response_body: String,
}

impl TryFrom<AnswerRow> for StoredAnswer {
    type Error = StorageError;

    fn try_from(r: AnswerRow) -> Result<Self, StorageError> {
        Ok(StoredAnswer {
            request_hash: hash32(r.request_hash)?,
            status: u16::try_from(r.response_status).map_err(|e| corrupt("status", e))?,
            body: r.response_body,
        })
    }
}

#[derive(FromRow)]
struct OrderRow {
    id: String,
    state: String,
    item_id: i64,
    quantity: i64,
    amount_minor: i64,
    currency: String,
    hold_expires_at: Option<i64>,
    reason: Option<String>,
}

const ANSWER_SELECT: &str =
    "SELECT request_hash, response_status, response_body FROM orders WHERE id = ?";

async fn answer_in(
    conn: &mut SqliteConnection,
    id: IntentId,
) -> Result<Option<StoredAnswer>, StorageError> {
    let row: Option<AnswerRow> =
        sqlx::query_as(ANSWER_SELECT).bind(id.to_string()).fetch_optional(conn).await?;
    row.map(StoredAnswer::try_from).transpose()
}

/// What a buyer whose edition was taken could do instead.
async fn suggestions(
    conn: &mut SqliteConnection,
    item: i64,
    quantity: i64,
) -> Result<Vec<SuggestedAction>, StorageError> {
    let similar: Option<(i64, String)> = sqlx::query_as(
        "SELECT i.id, i.title FROM items i
         WHERE i.collection_id = (SELECT collection_id FROM items WHERE id = ?1)
           AND i.id != ?1 AND i.stock >= ?2
         ORDER BY i.position, i.id LIMIT 1",
    )
    .bind(item)
    .bind(quantity)
    .fetch_optional(conn)
    .await?;
    let mut actions = vec![SuggestedAction::NothingCharged];
    if let Some((id, title)) = similar {
        let item = ItemId::try_from(id).map_err(|e| corrupt("item id", e))?;
        actions.push(SuggestedAction::SimilarItem { item, title });
    }
    actions.push(SuggestedAction::JoinWaitlist);
    Ok(actions)
}

async fn order_from_row(conn: &mut SqliteConnection, r: OrderRow) -> Result<Order, StorageError> {
    let state = OrderState::parse(&r.state).ok_or_else(|| corrupt("state", &r.state))?;
    let suggested_actions = if state == OrderState::Conflict {
        suggestions(conn, r.item_id, r.quantity).await?
    } else {
        Vec::new()
    };
    Ok(Order {
        id: r.id.parse().map_err(|e| corrupt("order id", e))?,
        state,
        item: ItemId::try_from(r.item_id).map_err(|e| corrupt("item id", e))?,
        quantity: u32::try_from(r.quantity).map_err(|e| corrupt("quantity", e))?,
        total: Money { amount_minor: r.amount_minor, currency: currency(&r.currency)? },
        hold_expires_at: r.hold_expires_at.map(UnixMillis),
        reason: r.reason,
        suggested_actions,
    })
}

async fn ledger(
    conn: &mut SqliteConnection,
    order: &str,
    kind: &str,
    item: i64,
    quantity: i64,
    now: UnixMillis,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO ledger (order_id, kind, item_id, quantity, at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(order)
    .bind(kind)
    .bind(item)
    .bind(quantity)
    .bind(now.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// One order inside the batch transaction.
async fn ingest_one(
    conn: &mut SqliteConnection,
    o: &NewOrder,
    now: UnixMillis,
    hold_ms: i64,
) -> Result<Ingested, StorageError> {
    if let Some(existing) = answer_in(conn, o.id).await? {
        return Ok(Ingested::Existing(existing));
    }
    let item = o.item.get();
    let quantity = i64::from(o.quantity);
    let taken = sqlx::query("UPDATE items SET stock = stock - ?1 WHERE id = ?2 AND stock >= ?1")
        .bind(quantity)
        .bind(item)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if !taken {
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM items WHERE id = ?")
            .bind(item)
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Ok(Ingested::UnknownItem);
        }
    }
    let (state, hold_expires_at, reason, actions) = if taken {
        (OrderState::Held, Some(UnixMillis(now.0.saturating_add(hold_ms))), None, Vec::new())
    } else {
        let actions = suggestions(conn, item, quantity).await?;
        (OrderState::Conflict, None, Some(CONFLICT_REASON.to_owned()), actions)
    };
    let order = Order {
        id: o.id,
        state,
        item: o.item,
        quantity: o.quantity,
        total: o.total,
        hold_expires_at,
        reason: reason.clone(),
        suggested_actions: actions,
    };
    let body = serde_json::to_string(&order).map_err(|e| corrupt("order json", e))?;
    let id = o.id.to_string();
    sqlx::query(
        "INSERT INTO orders (id, request_hash, device_key, item_id, quantity, amount_minor,
            currency, rail, payment_token, buyer_wallet, buyer_email, device_time, state,
            hold_expires_at, next_settle_at, reason, response_status, response_body,
            created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 201, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&o.request_hash[..])
    .bind(&o.device_key.0[..])
    .bind(item)
    .bind(quantity)
    .bind(o.total.amount_minor)
    .bind(o.total.currency.code())
    .bind(&o.rail)
    .bind(&o.token)
    .bind(&o.buyer.wallet)
    .bind(&o.buyer.email)
    .bind(o.device_time.0)
    .bind(state.as_str())
    .bind(hold_expires_at.map(|t| t.0))
    .bind(taken.then_some(now.0))
    .bind(&reason)
    .bind(&body)
    .bind(now.0)
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    ledger(conn, &id, if taken { "hold" } else { "conflict" }, item, quantity, now).await?;
    Ok(Ingested::Created(StoredAnswer { request_hash: o.request_hash, status: 201, body }))
}

/// Release a hold: the order leaves `held` (at most once) and its stock returns.
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
    .fetch_optional(&mut *conn)
    .await?;
    let Some((item, quantity)) = row else { return Ok(false) };
    sqlx::query("UPDATE items SET stock = stock + ? WHERE id = ?")
        .bind(quantity)
        .bind(item)
        .execute(&mut *conn)
        .await?;
    ledger(conn, id, "release", item, quantity, now).await?;
    Ok(true)
}

#[async_trait]
impl OrderStore for SqliteStorage {
    async fn server_secret(&self, candidate: [u8; 32]) -> Result<[u8; 32], StorageError> {
        sqlx::query("INSERT OR IGNORE INTO server_key (id, secret, created_at) VALUES (1, ?, ?)")
            .bind(&candidate[..])
            .bind(crate::domain::clock::now().0)
            .execute(&self.pool)
            .await?;
        let (secret,): (Vec<u8>,) = sqlx::query_as("SELECT secret FROM server_key WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        secret.try_into().map_err(|_| corrupt("server key", "not 32 bytes"))
    }

    async fn ingest(
        &self,
        batch: &[NewOrder],
        now: UnixMillis,
        hold_ms: i64,
    ) -> Result<Vec<Ingested>, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut out = Vec::with_capacity(batch.len());
        for o in batch {
            out.push(ingest_one(&mut tx, o, now, hold_ms).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn order(&self, id: IntentId) -> Result<Option<Order>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        let row: Option<OrderRow> = sqlx::query_as(
            "SELECT id, state, item_id, quantity, amount_minor, currency, hold_expires_at, reason
             FROM orders WHERE id = ?",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            Some(row) => Ok(Some(order_from_row(&mut conn, row).await?)),
            None => Ok(None),
        }
    }

    async fn due_settlements(
        &self,
        now: UnixMillis,
        limit: u32,
    ) -> Result<Vec<HeldOrder>, StorageError> {
        let rows: Vec<(String, i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, amount_minor, currency, rail, payment_token, created_at FROM orders
             WHERE state = 'held' AND next_settle_at <= ? ORDER BY next_settle_at LIMIT ?",
        )
        .bind(now.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, amount, cur, rail, token, created)| {
                Ok(HeldOrder {
                    id: id.parse().map_err(|e| corrupt("order id", e))?,
                    total: Money { amount_minor: amount, currency: currency(&cur)? },
                    rail,
                    token,
                    accepted_at: UnixMillis(created),
                })
            })
            .collect()
    }

    async fn resolve(
        &self,
        id: IntentId,
        resolution: Resolution,
        now: UnixMillis,
    ) -> Result<bool, StorageError> {
        let id = id.to_string();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let changed = match resolution {
            Resolution::Paid { reference } => {
                let row: Option<(i64, i64)> = sqlx::query_as(
                    "UPDATE orders SET state = 'paid', settlement_ref = ?, hold_expires_at = NULL,
                         next_settle_at = NULL, updated_at = ?
                     WHERE id = ? AND state = 'held' RETURNING item_id, quantity",
                )
                .bind(&reference)
                .bind(now.0)
                .bind(&id)
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some((item, quantity)) => {
                        ledger(&mut tx, &id, "capture", item, quantity, now).await?;
                        true
                    }
                    None => false,
                }
            }
            Resolution::Declined { reason } => {
                release(&mut tx, &id, OrderState::Declined, &reason, now).await?
            }
            Resolution::RetryAt(at) => {
                sqlx::query(
                    "UPDATE orders SET next_settle_at = ?, updated_at = ?
                     WHERE id = ? AND state = 'held'",
                )
                .bind(at.0)
                .bind(now.0)
                .bind(&id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1
            }
        };
        tx.commit().await?;
        Ok(changed)
    }

    async fn expire_holds(&self, now: UnixMillis) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let due: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM orders WHERE state = 'held' AND hold_expires_at <= ?")
                .bind(now.0)
                .fetch_all(&mut *tx)
                .await?;
        let mut expired = 0;
        for (id,) in due {
            if release(&mut tx, &id, OrderState::Expired, EXPIRED_REASON, now).await? {
                expired += 1;
            }
        }
        tx.commit().await?;
        Ok(expired)
    }
}
