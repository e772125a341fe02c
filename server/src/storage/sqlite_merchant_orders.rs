//! `MerchantOrderStore` on SQLite: read-only; the search is bound, never spliced.

use async_trait::async_trait;
use sqlx::FromRow;
use vitrine_protocol::merchant::{
    MerchantOrder, OrderEvent, OrderHistory, OrderSearch, Resolution, Resolve, ResolveAction,
    Waiting,
};
use vitrine_protocol::{IntentId, ItemId, Money, OrderState, UnixMillis};

use super::merchant_orders::{MerchantOrderStore, Resolved};
use super::merchants::Actor;
use super::sqlite::currency;
use super::{SqliteStorage, StorageError};

#[derive(FromRow)]
pub(super) struct Row {
    id: String,
    item_id: i64,
    title: String,
    quantity: i64,
    amount_minor: i64,
    currency: String,
    state: String,
    buyer_email: Option<String>,
    reason: Option<String>,
    created_at: i64,
    updated_at: i64,
    resolved_action: Option<String>,
    offered_item: Option<i64>,
    resolved_note: Option<String>,
    resolved_at: Option<i64>,
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("merchant order: {what}"))
}

impl TryFrom<Row> for MerchantOrder {
    type Error = StorageError;

    fn try_from(r: Row) -> Result<Self, StorageError> {
        Ok(MerchantOrder {
            id: r.id.parse().map_err(|_| corrupt("id"))?,
            item: ItemId::try_from(r.item_id).map_err(|_| corrupt("item"))?,
            title: r.title,
            quantity: u32::try_from(r.quantity).map_err(|_| corrupt("quantity"))?,
            total: Money { amount_minor: r.amount_minor, currency: currency(&r.currency)? },
            state: OrderState::parse(&r.state).ok_or_else(|| corrupt("state"))?,
            email: r.buyer_email,
            reason: r.reason,
            created_at: UnixMillis(r.created_at),
            updated_at: UnixMillis(r.updated_at),
            resolution: match (r.resolved_action, r.resolved_at) {
                (Some(action), Some(at)) => Some(Resolution {
                    action: ResolveAction::parse(&action).ok_or_else(|| corrupt("action"))?,
                    item: r
                        .offered_item
                        .map(ItemId::try_from)
                        .transpose()
                        .map_err(|_| corrupt("offer"))?,
                    note: r.resolved_note.unwrap_or_default(),
                    at: UnixMillis(at),
                }),
                _ => None,
            },
        })
    }
}

pub(super) const ORDER_SELECT: &str = "
    SELECT o.id, o.item_id, i.title, o.quantity, o.amount_minor, o.currency, o.state,
           o.buyer_email, o.reason, o.created_at, o.updated_at,
           r.action AS resolved_action, r.offered_item, r.note AS resolved_note,
           r.at AS resolved_at
    FROM orders o JOIN items i ON i.id = o.item_id JOIN collections c ON c.id = i.collection_id
    LEFT JOIN conflict_resolutions r ON r.order_id = o.id
    WHERE c.merchant_id = ?1";

#[async_trait]
impl MerchantOrderStore for SqliteStorage {
    async fn resolve_conflict(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: IntentId,
        resolve: &Resolve,
        now: UnixMillis,
    ) -> Result<Resolved, StorageError> {
        self.resolve_conflict_in(actor, merchant_id, id, resolve, now).await
    }

    async fn merchant_orders(
        &self,
        merchant_id: i64,
        search: &OrderSearch,
        state: Option<OrderState>,
        limit: u32,
    ) -> Result<Vec<MerchantOrder>, StorageError> {
        let (clause, value) = match search {
            OrderSearch::All => ("", None),
            OrderSearch::Item(item) => (" AND o.item_id = ?2", Some(item.to_string())),
            // The column's integer affinity reads the digits as the work's number.
            OrderSearch::ItemOrReceipt(_, digits) => {
                (" AND (o.item_id = ?2 OR instr(o.id, ?2) > 0)", Some(digits.clone()))
            }
            OrderSearch::Email(email) => (" AND lower(o.buyer_email) = ?2", Some(email.clone())),
            OrderSearch::Receipt(part) => (" AND instr(o.id, ?2) > 0", Some(part.clone())),
        };
        let sql = format!(
            "{ORDER_SELECT}{clause} AND (?3 IS NULL OR o.state = ?3)
             ORDER BY o.created_at DESC, o.id LIMIT ?4"
        );
        let rows: Vec<Row> = sqlx::query_as(&sql)
            .bind(merchant_id)
            .bind(value)
            .bind(state.map(OrderState::as_str))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(MerchantOrder::try_from).collect()
    }

    async fn merchant_order(
        &self,
        merchant_id: i64,
        id: IntentId,
    ) -> Result<Option<OrderHistory>, StorageError> {
        let sql = format!("{ORDER_SELECT} AND o.id = ?2");
        let rows: Vec<Row> = sqlx::query_as(&sql)
            .bind(merchant_id)
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?;
        let Some(order) = rows.into_iter().next().map(MerchantOrder::try_from).transpose()? else {
            return Ok(None);
        };
        let events: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT kind, quantity, at FROM ledger WHERE order_id = ?1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let events = events
            .into_iter()
            .map(|(kind, quantity, at)| OrderEvent { kind, quantity, at: UnixMillis(at) })
            .collect();
        Ok(Some(OrderHistory { order, events }))
    }

    async fn merchant_waitlist(
        &self,
        merchant_id: i64,
        item: ItemId,
    ) -> Result<Option<Vec<Waiting>>, StorageError> {
        let owned: Vec<i64> = sqlx::query_scalar(
            "SELECT 1 FROM items i JOIN collections c ON c.id = i.collection_id
             WHERE i.id = ?1 AND c.merchant_id = ?2",
        )
        .bind(item.get())
        .bind(merchant_id)
        .fetch_all(&self.pool)
        .await?;
        if owned.is_empty() {
            return Ok(None);
        }
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT email, joined_at FROM waitlist WHERE item_id = ?1 ORDER BY joined_at, email",
        )
        .bind(item.get())
        .fetch_all(&self.pool)
        .await?;
        let list = rows
            .into_iter()
            .map(|(email, at)| Waiting { email, joined_at: UnixMillis(at) })
            .collect();
        Ok(Some(list))
    }
}
