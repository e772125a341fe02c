//! Reconciliation items and people's decisions on them in SQLite
//! (0014_reconciliation.sql, 0017_reconciliation_resolutions.sql). SQL only.

use async_trait::async_trait;
use sqlx::{FromRow, Sqlite, SqliteConnection, Transaction};
use vitrine_protocol::merchant::{ItemAction, ItemResolution};
use vitrine_protocol::{Money, UnixMillis};

use super::item_decisions::{Asked, AskedRefund, Decided, ItemDecisionStore};
use super::merchants::Actor;
use super::reconcile::StoredItem;
use super::sqlite::{currency, SqliteStorage};
use super::sqlite_merchants::audit;
use super::sqlite_money as money;
use super::StorageError;

/// Each item with its live decision, or else its last declined one.
const SELECT: &str = "SELECT r.id, r.kind, r.rail, r.key, r.order_id, r.detail, r.suggested,
        r.status, r.applied, r.created_at, d.action, d.state, d.note, d.actor, d.at AS decided,
        d.amount_minor, d.currency, d.reference, d.reason
    FROM reconciliation_items r LEFT JOIN reconciliation_resolutions d ON d.id = (
        SELECT x.id FROM reconciliation_resolutions x WHERE x.item_id = r.id
        ORDER BY x.state = 'declined', x.id DESC LIMIT 1)";

/// The item's order is one of the merchant's (`?` binds the merchant's id).
const OF_MERCHANT: &str = "r.order_id IN (SELECT o.id FROM orders o
    JOIN items i ON i.id = o.item_id JOIN collections c ON c.id = i.collection_id
    WHERE c.merchant_id = ?)";

#[derive(FromRow)]
struct Row {
    id: i64,
    kind: String,
    rail: String,
    key: String,
    order_id: Option<String>,
    detail: String,
    suggested: String,
    status: String,
    applied: Option<String>,
    created_at: i64,
    action: Option<String>,
    state: Option<String>,
    note: Option<String>,
    actor: Option<String>,
    decided: Option<i64>,
    amount_minor: Option<i64>,
    currency: Option<String>,
    reference: Option<String>,
    reason: Option<String>,
}

impl Row {
    fn item(self) -> Result<StoredItem, StorageError> {
        let id = self.id;
        let corrupt = |what: String| StorageError::Corrupt(format!("item {id}: {what}"));
        let suggested =
            serde_json::from_str(&self.suggested).map_err(|e| corrupt(e.to_string()))?;
        let resolution = match (self.action, self.state, self.note, self.actor, self.decided) {
            (Some(action), Some(state), Some(note), Some(by), Some(at)) => {
                let action = ItemAction::ALL
                    .into_iter()
                    .find(|a| a.as_str() == action)
                    .ok_or_else(|| corrupt(format!("decision {action}")))?;
                let refund = match (self.amount_minor, self.currency) {
                    (Some(amount_minor), Some(code)) => {
                        Some(Money { amount_minor, currency: currency(&code)? })
                    }
                    _ => None,
                };
                let (reference, reason) = (self.reference, self.reason);
                let at = UnixMillis(at);
                Some(ItemResolution { action, state, note, by, at, refund, reference, reason })
            }
            _ => None,
        };
        Ok(StoredItem {
            id,
            kind: self.kind,
            rail: self.rail,
            key: self.key,
            order: self.order_id,
            detail: self.detail,
            suggested,
            status: self.status,
            applied: self.applied,
            created_at: UnixMillis(self.created_at),
            resolution,
        })
    }
}

async fn one(
    conn: &mut SqliteConnection,
    merchant: i64,
    id: i64,
) -> Result<Option<StoredItem>, StorageError> {
    let sql = format!("{SELECT} WHERE r.id = ? AND {OF_MERCHANT}");
    let rows: Vec<Row> = sqlx::query_as(&sql).bind(id).bind(merchant).fetch_all(conn).await?;
    rows.into_iter().next().map(Row::item).transpose()
}

/// The item, if it is the merchant's and open with no live decision; else why not.
async fn open_item<T>(
    conn: &mut SqliteConnection,
    merchant: i64,
    id: i64,
) -> Result<Result<StoredItem, Decided<T>>, StorageError> {
    let Some(item) = one(conn, merchant, id).await? else { return Ok(Err(Decided::NotFound)) };
    let live = item.resolution.as_ref().filter(|r| r.state != "declined");
    Ok(match live {
        _ if item.status != "open" => Err(Decided::Settled(item)),
        Some(r) if r.state == "asked" => Err(Decided::RefundAsked(item)),
        Some(_) => Err(Decided::Settled(item)),
        None => Ok(item),
    })
}

async fn close(
    tx: &mut Transaction<'static, Sqlite>,
    item: i64,
    action: ItemAction,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE reconciliation_items SET status = 'applied', applied = ?
         WHERE id = ? AND status = 'open'",
    )
    .bind(action.as_str())
    .bind(item)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn subject(item: i64) -> String {
    format!("reconciliation item {item}")
}

#[async_trait]
impl ItemDecisionStore for SqliteStorage {
    async fn reconciliation_items(
        &self,
        merchant: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredItem>, StorageError> {
        let sql = format!(
            "{SELECT} WHERE ?1 IS NULL OR {} ORDER BY r.status != 'open', r.id DESC LIMIT ?2",
            OF_MERCHANT.replace('?', "?1")
        );
        let rows: Vec<Row> = sqlx::query_as(&sql)
            .bind(merchant)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(Row::item).collect()
    }

    async fn reconciliation_item(
        &self,
        merchant: i64,
        id: i64,
    ) -> Result<Option<StoredItem>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        one(&mut conn, merchant, id).await
    }

    async fn taken(&self, rail: &str, key: &str) -> Result<Option<Money>, StorageError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT amount_minor, currency FROM attestations
             WHERE rail = ? AND key = ? AND kind IN ('captured', 'settled')
               AND amount_minor IS NOT NULL AND currency IS NOT NULL
             ORDER BY kind = 'settled', seq LIMIT 1",
        )
        .bind(rail)
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .next()
            .map(|(amount_minor, code)| Ok(Money { amount_minor, currency: currency(&code)? }))
            .transpose()
    }

    async fn mark_reviewed(
        &self,
        actor: &Actor,
        merchant: i64,
        item: i64,
        note: &str,
        now: UnixMillis,
    ) -> Result<Decided<StoredItem>, StorageError> {
        let mut tx = self.begin_write().await?;
        if let Err(why) = open_item(&mut tx.tx, merchant, item).await? {
            return Ok(why);
        }
        sqlx::query(
            "INSERT INTO reconciliation_resolutions (item_id, action, state, note, merchant_id,
                 actor, at, decided_at)
             VALUES (?, 'manual_review', 'done', ?, ?, ?, ?, ?)",
        )
        .bind(item)
        .bind(note)
        .bind(merchant)
        .bind(&actor.label)
        .bind(now.0)
        .bind(now.0)
        .execute(&mut *tx.tx)
        .await?;
        close(&mut tx.tx, item, ItemAction::ManualReview).await?;
        let after =
            serde_json::json!({ "status": "applied", "applied": "manual_review", "note": note });
        let (before, after) = (Some(r#"{"status":"open"}"#.to_owned()), Some(after.to_string()));
        audit(&mut tx.tx, actor, "reconciliation.review", &subject(item), before, after, now)
            .await?;
        let done = one(&mut tx.tx, merchant, item).await?;
        tx.commit().await?;
        Ok(done.map_or(Decided::NotFound, Decided::Done))
    }

    async fn ask_item_refund(
        &self,
        actor: &Actor,
        merchant: i64,
        item: i64,
        note: &str,
        amount: Money,
        now: UnixMillis,
    ) -> Result<Decided<Asked>, StorageError> {
        let mut tx = self.begin_write().await?;
        let open = match open_item(&mut tx.tx, merchant, item).await? {
            Ok(open) => open,
            // Asked before (a retry, a second click): ask again, as it was first asked.
            Err(Decided::RefundAsked(asked)) => {
                let refund = asked.resolution.and_then(|r| r.refund);
                let key = asked.order.map(|o| format!("{o}/recon/{item}"));
                return Ok(match (key, refund) {
                    (Some(key), Some(amount)) => Decided::Done(Asked { key, amount }),
                    _ => Decided::NotFound,
                });
            }
            Err(why) => return Ok(why),
        };
        let Some(order) = open.order else { return Ok(Decided::NotFound) };
        let key = format!("{order}/recon/{item}");
        sqlx::query(
            "INSERT INTO reconciliation_resolutions (item_id, action, state, note, merchant_id,
                 actor, refund_key, amount_minor, currency, at)
             VALUES (?, 'refund', 'asked', ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(item)
        .bind(note)
        .bind(merchant)
        .bind(&actor.label)
        .bind(&key)
        .bind(amount.amount_minor)
        .bind(amount.currency.code())
        .bind(now.0)
        .execute(&mut *tx.tx)
        .await?;
        let after = serde_json::json!({ "refund": amount.to_string(), "key": key, "note": note });
        let after = Some(after.to_string());
        audit(&mut tx.tx, actor, "reconciliation.refund_asked", &subject(item), None, after, now)
            .await?;
        tx.commit().await?;
        Ok(Decided::Done(Asked { key, amount }))
    }

    async fn asked_item_refunds(&self, limit: u32) -> Result<Vec<AskedRefund>, StorageError> {
        let rows: Vec<(i64, i64, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT d.merchant_id, d.item_id, r.rail, r.key, d.refund_key, d.amount_minor,
                    d.currency
             FROM reconciliation_resolutions d JOIN reconciliation_items r ON r.id = d.item_id
             WHERE d.state = 'asked' ORDER BY d.id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(merchant, item, rail, charge_key, key, amount_minor, code)| {
                let amount = Money { amount_minor, currency: currency(&code)? };
                Ok(AskedRefund { merchant, item, rail, charge_key, asked: Asked { key, amount } })
            })
            .collect()
    }

    async fn finish_item_refund(
        &self,
        merchant: i64,
        item: i64,
        answer: Result<String, String>,
        now: UnixMillis,
    ) -> Result<Option<StoredItem>, StorageError> {
        let mut tx = self.begin_write().await?;
        let (state, reference, reason) = match &answer {
            Ok(reference) => ("done", Some(reference.as_str()), None),
            Err(reason) => ("declined", None, Some(reason.as_str())),
        };
        let asked: Vec<(i64, String, String)> = sqlx::query_as(
            "UPDATE reconciliation_resolutions
             SET state = ?, reference = ?, reason = ?, decided_at = ?
             WHERE item_id = ? AND merchant_id = ? AND action = 'refund' AND state = 'asked'
             RETURNING amount_minor, actor, refund_key",
        )
        .bind(state)
        .bind(reference)
        .bind(reason)
        .bind(now.0)
        .bind(item)
        .bind(merchant)
        .fetch_all(&mut *tx.tx)
        .await?;
        let Some((amount, label, key)) = asked.into_iter().next() else { return Ok(None) };
        let order = key.split('/').next().unwrap_or_default().to_owned();
        if answer.is_ok() {
            close(&mut tx.tx, item, ItemAction::Refund).await?;
            let parties = money::parties(&mut tx.tx, &[order.as_str()]).await?;
            let parties = parties
                .first()
                .ok_or_else(|| StorageError::Corrupt(format!("item {item}: no order {order}")))?;
            money::give_back_untracked(&mut tx.tx, parties, item, amount, now).await?;
        }
        let actor = Actor { merchant_id: Some(merchant), label };
        let after =
            serde_json::json!({ "refund": state, "reference": reference, "reason": reason });
        let after = Some(after.to_string());
        audit(&mut tx.tx, &actor, "reconciliation.refund", &subject(item), None, after, now)
            .await?;
        let done = one(&mut tx.tx, merchant, item).await?;
        tx.commit().await?;
        Ok(done)
    }
}
