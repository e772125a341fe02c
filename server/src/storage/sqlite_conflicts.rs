//! Resolving a conflict on SQLite: once, through the write gate, with its effect and its
//! audit entry in the same transaction.

use vitrine_protocol::merchant::{MerchantOrder, Resolve, ResolveAction};
use vitrine_protocol::waitlist::normalise_email;
use vitrine_protocol::{FieldProblem, IntentId, OrderState, UnixMillis};

use super::merchant_orders::Resolved;
use super::merchants::Actor;
use super::sqlite::WriteTx;
use super::sqlite_merchant_orders::{Row, ORDER_SELECT};
use super::sqlite_merchants::{audit, json};
use super::{SqliteStorage, StorageError};

async fn order_in(
    w: &mut WriteTx,
    merchant_id: i64,
    id: IntentId,
) -> Result<Option<MerchantOrder>, StorageError> {
    let sql = format!("{ORDER_SELECT} AND o.id = ?2");
    let rows: Vec<Row> =
        sqlx::query_as(&sql).bind(merchant_id).bind(id.to_string()).fetch_all(&mut *w.tx).await?;
    rows.into_iter().next().map(MerchantOrder::try_from).transpose()
}

impl SqliteStorage {
    pub(super) async fn resolve_conflict_in(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: IntentId,
        resolve: &Resolve,
        now: UnixMillis,
    ) -> Result<Resolved, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(order) = order_in(&mut w, merchant_id, id).await? else {
            return Ok(Resolved::NotFound);
        };
        if order.state != OrderState::Conflict {
            return Ok(Resolved::NotConflict);
        }
        if let Some(done) = &order.resolution {
            let same = done.action == resolve.action
                && (resolve.action != ResolveAction::OfferEdition
                    || resolve.item.is_none_or(|i| Some(i) == done.item));
            return Ok(if same { Resolved::Done(order) } else { Resolved::AlreadyResolved(order) });
        }
        let mut offered = None;
        match resolve.action {
            ResolveAction::OfferEdition => {
                let item = resolve.item.unwrap_or(order.item);
                // The merchant's own work, on show and with the editions in stock.
                let ok: Vec<i64> = sqlx::query_scalar(
                    "SELECT i.id FROM items i JOIN collections c ON c.id = i.collection_id
                     WHERE i.id = ?1 AND c.merchant_id = ?2 AND i.hidden = 0 AND c.hidden = 0
                       AND i.original_url != '' AND i.stock >= ?3",
                )
                .bind(item.get())
                .bind(merchant_id)
                .bind(i64::from(order.quantity))
                .fetch_all(&mut *w.tx)
                .await?;
                if ok.is_empty() {
                    return Ok(Resolved::Problems(vec![FieldProblem::new(
                        "item",
                        format!(
                            "none of your works on show has {} in stock with number {item}",
                            order.quantity
                        ),
                    )]));
                }
                offered = Some(item);
            }
            ResolveAction::Waitlist => {
                let Some(email) = order.email.as_deref() else {
                    return Ok(Resolved::Problems(vec![FieldProblem::new(
                        "action",
                        "the buyer left no email to put on the waitlist",
                    )]));
                };
                sqlx::query(
                    "INSERT INTO waitlist (item_id, email, joined_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (item_id, email) DO NOTHING",
                )
                .bind(order.item.get())
                .bind(normalise_email(email))
                .bind(now.0)
                .execute(&mut *w.tx)
                .await?;
            }
            ResolveAction::Refund | ResolveAction::ManualReview => {}
        }
        sqlx::query(
            "INSERT INTO conflict_resolutions (order_id, action, offered_item, note, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(id.to_string())
        .bind(resolve.action.as_str())
        .bind(offered.map(|i| i.get()))
        .bind(resolve.note.trim())
        .bind(now.0)
        .execute(&mut *w.tx)
        .await?;
        let after = order_in(&mut w, merchant_id, id).await?.ok_or(sqlx::Error::RowNotFound)?;
        let subject = format!("order {id}");
        let (b, a) = (Some(json(&order)?), Some(json(&after)?));
        audit(&mut w.tx, actor, "conflict.resolve", &subject, b, a, now).await?;
        w.commit().await?;
        Ok(Resolved::Done(after))
    }
}
