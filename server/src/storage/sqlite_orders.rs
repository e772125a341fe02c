//! The order tables in SQLite: SQL only; the rules live in `domain::orders`.

use async_trait::async_trait;
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};
use vitrine_protocol::drops::DropId;
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::{Currency, IntentId, ItemId, KeyId, Money, OrderState, UnixMillis};

use super::orders::{
    ClaimHolder, ClaimedVoucher, ConflictKind, DropBuyer, DropRow, IngestTx, NewOrderRow,
    OrderRecord, OrderStore, StoredAnswer, StoredKey,
};
use super::sqlite::{currency, SqliteStorage, WriteTx};
use super::StorageError;

pub(super) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("{what}: {detail}"))
}

pub(super) fn bytes32(what: &str, bytes: Vec<u8>) -> Result<[u8; 32], StorageError> {
    bytes.try_into().map_err(|_| corrupt(what, "not 32 bytes"))
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
            request_hash: bytes32("request hash", r.request_hash)?,
            status: u16::try_from(r.response_status).map_err(|e| corrupt("status", e))?,
            body: r.response_body,
        })
    }
}

#[derive(FromRow)]
struct OrderRow {
    id: String,
    request_hash: Vec<u8>,
    device_key: Vec<u8>,
    item_id: i64,
    quantity: i64,
    amount_minor: i64,
    currency: String,
    rail: String,
    payment_token: String,
    buyer_wallet: Option<String>,
    buyer_email: Option<String>,
    device_time: i64,
    state: String,
    conflict: Option<String>,
    hold_expires_at: Option<i64>,
    reason: Option<String>,
}

impl TryFrom<OrderRow> for OrderRecord {
    type Error = StorageError;

    fn try_from(r: OrderRow) -> Result<Self, StorageError> {
        let conflict = match r.conflict {
            Some(kind) => {
                Some(ConflictKind::parse(&kind).ok_or_else(|| corrupt("conflict", kind))?)
            }
            None => None,
        };
        Ok(OrderRecord {
            id: r.id.parse().map_err(|e| corrupt("order id", e))?,
            request_hash: bytes32("request hash", r.request_hash)?,
            device_key: PublicKey(bytes32("device key", r.device_key)?),
            item: ItemId::try_from(r.item_id).map_err(|e| corrupt("item id", e))?,
            quantity: u32::try_from(r.quantity).map_err(|e| corrupt("quantity", e))?,
            total: Money { amount_minor: r.amount_minor, currency: currency(&r.currency)? },
            rail: r.rail,
            token: r.payment_token,
            wallet: r.buyer_wallet,
            email: r.buyer_email,
            device_time: UnixMillis(r.device_time),
            state: OrderState::parse(&r.state).ok_or_else(|| corrupt("state", &r.state))?,
            conflict,
            hold_expires_at: r.hold_expires_at.map(UnixMillis),
            reason: r.reason,
        })
    }
}

const ANSWER_SELECT: &str =
    "SELECT request_hash, response_status, response_body FROM orders WHERE id = ?";

async fn answer_in(
    conn: &mut SqliteConnection,
    id: IntentId,
) -> Result<Option<StoredAnswer>, StorageError> {
    let row: Option<AnswerRow> = sqlx::query_as(ANSWER_SELECT)
        .bind(id.to_string())
        .fetch_all(conn)
        .await?
        .into_iter()
        .next();
    row.map(StoredAnswer::try_from).transpose()
}

async fn similar_in(
    conn: &mut SqliteConnection,
    item: ItemId,
    quantity: u32,
) -> Result<Option<(ItemId, String)>, StorageError> {
    let similar: Option<(i64, String)> = sqlx::query_as(
        "SELECT i.id, i.title FROM items i
         WHERE i.collection_id = (SELECT collection_id FROM items WHERE id = ?1)
           AND i.id != ?1 AND i.stock >= ?2 AND i.hidden = 0 AND i.original_url != ''
           AND NOT EXISTS (SELECT 1 FROM drop_items di JOIN drops d ON d.id = di.drop_id
                           WHERE di.item_id = i.id AND d.state = 'approved')
         ORDER BY i.position, i.id LIMIT 1",
    )
    .bind(item.get())
    .bind(i64::from(quantity))
    .fetch_all(conn)
    .await?
    .into_iter()
    .next();
    similar
        .map(|(id, title)| Ok((ItemId::try_from(id).map_err(|e| corrupt("item id", e))?, title)))
        .transpose()
}

pub(super) async fn ledger(
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

/// The writer's batch: one `BEGIN IMMEDIATE` transaction.
struct SqliteIngest(WriteTx);

/// `head` followed by ` (?, ?, …)` with each of `values` bound.
pub(super) fn in_list<'a, T>(
    head: &str,
    values: impl Iterator<Item = T>,
) -> QueryBuilder<'a, Sqlite>
where
    T: 'a + sqlx::Encode<'a, Sqlite> + sqlx::Type<Sqlite> + Send,
{
    let mut q = QueryBuilder::new(head);
    q.push(" (");
    let mut list = q.separated(", ");
    for value in values {
        list.push_bind(value);
    }
    list.push_unseparated(")");
    q
}

#[async_trait]
impl IngestTx for SqliteIngest {
    async fn answers(
        &mut self,
        ids: &[IntentId],
    ) -> Result<Vec<(IntentId, StoredAnswer)>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = in_list(
            "SELECT id, request_hash, response_status, response_body FROM orders WHERE id IN",
            ids.iter().map(IntentId::to_string),
        );
        let rows: Vec<(String, Vec<u8>, i64, String)> =
            q.build_query_as().fetch_all(&mut *self.0.tx).await?;
        rows.into_iter()
            .map(|(id, request_hash, response_status, response_body)| {
                let id = id.parse().map_err(|e| corrupt("order id", e))?;
                let answer = AnswerRow { request_hash, response_status, response_body };
                Ok((id, StoredAnswer::try_from(answer)?))
            })
            .collect()
    }

    async fn outstanding(
        &mut self,
        devices: &[PublicKey],
    ) -> Result<Vec<(PublicKey, Currency, i64)>, StorageError> {
        if devices.is_empty() {
            return Ok(Vec::new());
        }
        // Kept by the triggers of migration 0004.
        let mut q = in_list(
            "SELECT device_key, currency, amount_minor FROM device_outstanding
             WHERE device_key IN",
            devices.iter().map(|d| d.0.to_vec()),
        );
        let rows: Vec<(Vec<u8>, String, i64)> =
            q.build_query_as().fetch_all(&mut *self.0.tx).await?;
        rows.into_iter()
            .map(|(key, code, amount)| {
                Ok((PublicKey(bytes32("device key", key)?), currency(&code)?, amount))
            })
            .collect()
    }

    async fn stock(&mut self, items: &[ItemId]) -> Result<Vec<(ItemId, i64)>, StorageError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        // A work its merchant hid (or whose collection it hid) is not for sale: no stock, so an
        // intent for it becomes a conflict with nothing charged, even with a valid quote.
        let mut q = in_list(
            "SELECT i.id, CASE WHEN i.hidden = 1 OR c.hidden = 1 OR i.original_url = ''
                          THEN 0 ELSE i.stock END
             FROM items i JOIN collections c ON c.id = i.collection_id WHERE i.id IN",
            items.iter().map(|i| i.get()),
        );
        let rows: Vec<(i64, i64)> = q.build_query_as().fetch_all(&mut *self.0.tx).await?;
        rows.into_iter()
            .map(|(id, stock)| {
                Ok((ItemId::try_from(id).map_err(|e| corrupt("item id", e))?, stock))
            })
            .collect()
    }

    async fn drops(&mut self, items: &[ItemId]) -> Result<Vec<DropRow>, StorageError> {
        super::sqlite_drop_ingest::drops_of(&mut self.0.tx, items).await
    }

    async fn drop_buyers(&mut self, drops: &[DropId]) -> Result<Vec<DropBuyer>, StorageError> {
        super::sqlite_drop_ingest::buyers_of(&mut self.0.tx, drops).await
    }

    async fn claim_figures(
        &mut self,
        vouchers: &[(i64, u16)],
    ) -> Result<(Vec<ClaimedVoucher>, Vec<ClaimHolder>), StorageError> {
        super::sqlite_claim_ingest::figures(&mut self.0.tx, vouchers).await
    }

    async fn claim_vouchers(
        &mut self,
        claims: &[(i64, u16, IntentId)],
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        super::sqlite_claim_ingest::claim(&mut self.0.tx, claims, now).await
    }

    async fn take_stock(&mut self, item: ItemId, quantity: i64) -> Result<bool, StorageError> {
        let taken =
            sqlx::query("UPDATE items SET stock = stock - ?1 WHERE id = ?2 AND stock >= ?1")
                .bind(quantity)
                .bind(item.get())
                .execute(&mut *self.0.tx)
                .await?
                .rows_affected();
        Ok(taken == 1)
    }

    async fn similar_in_stock(
        &mut self,
        item: ItemId,
        quantity: u32,
    ) -> Result<Option<(ItemId, String)>, StorageError> {
        similar_in(&mut self.0.tx, item, quantity).await
    }

    async fn insert(&mut self, rows: &[NewOrderRow], now: UnixMillis) -> Result<(), StorageError> {
        // A batch is at most `ingest::MAX_BATCH` orders; chunks keep each statement far below
        // SQLite's 32,766 bound parameters.
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::new(
                "INSERT INTO orders (id, request_hash, device_key, item_id, quantity,
                    amount_minor, currency, rail, payment_token, buyer_wallet, buyer_email,
                    device_time, state, conflict, hold_expires_at, next_settle_at, reason,
                    response_status, response_body, created_at, updated_at, drop_id) ",
            );
            q.push_values(chunk, |mut row, new| {
                let o = &new.record;
                row.push_bind(o.id.to_string())
                    .push_bind(o.request_hash.to_vec())
                    .push_bind(o.device_key.0.to_vec())
                    .push_bind(o.item.get())
                    .push_bind(i64::from(o.quantity))
                    .push_bind(o.total.amount_minor)
                    .push_bind(o.total.currency.code())
                    .push_bind(o.rail.clone())
                    .push_bind(o.token.clone())
                    .push_bind(o.wallet.clone())
                    .push_bind(o.email.clone())
                    .push_bind(o.device_time.0)
                    .push_bind(o.state.as_str())
                    .push_bind(o.conflict.map(ConflictKind::as_str))
                    .push_bind(o.hold_expires_at.map(|t| t.0))
                    .push_bind(new.next_settle_at.map(|t| t.0))
                    .push_bind(o.reason.clone())
                    .push_bind(i64::from(new.answer.status))
                    .push_bind(new.answer.body.clone())
                    .push_bind(now.0)
                    .push_bind(now.0)
                    .push_bind(new.drop_id);
            });
            q.build().execute(&mut *self.0.tx).await?;

            let mut q =
                QueryBuilder::new("INSERT INTO ledger (order_id, kind, item_id, quantity, at) ");
            q.push_values(chunk, |mut row, new| {
                let o = &new.record;
                let kind = if o.state == OrderState::Held { "hold" } else { "conflict" };
                row.push_bind(o.id.to_string())
                    .push_bind(kind)
                    .push_bind(o.item.get())
                    .push_bind(i64::from(o.quantity))
                    .push_bind(now.0);
            });
            q.build().execute(&mut *self.0.tx).await?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StorageError> {
        self.0.commit().await?;
        Ok(())
    }
}

/// Orders per INSERT statement: 22 parameters each.
const INSERT_CHUNK: usize = 500;

#[async_trait]
impl OrderStore for SqliteStorage {
    async fn key_ring(
        &self,
        candidate: [u8; 32],
        now: UnixMillis,
    ) -> Result<Vec<StoredKey>, StorageError> {
        super::sqlite_keys::key_ring(&self.pool, candidate, now).await
    }

    async fn rotate_key(&self, secret: [u8; 32], now: UnixMillis) -> Result<KeyId, StorageError> {
        super::sqlite_keys::rotate(self, secret, now).await
    }

    async fn answer(&self, id: IntentId) -> Result<Option<StoredAnswer>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        answer_in(&mut conn, id).await
    }

    async fn begin_ingest(&self) -> Result<Box<dyn IngestTx>, StorageError> {
        Ok(Box::new(SqliteIngest(self.begin_write().await?)))
    }

    async fn order(&self, id: IntentId) -> Result<Option<OrderRecord>, StorageError> {
        let row: Option<OrderRow> = sqlx::query_as(
            "SELECT id, request_hash, device_key, item_id, quantity, amount_minor, currency, rail,
                    payment_token, buyer_wallet, buyer_email, device_time, state, conflict,
                    hold_expires_at, reason
             FROM orders WHERE id = ?",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .next();
        row.map(OrderRecord::try_from).transpose()
    }

    async fn similar_in_stock(
        &self,
        item: ItemId,
        quantity: u32,
    ) -> Result<Option<(ItemId, String)>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        similar_in(&mut conn, item, quantity).await
    }
}
