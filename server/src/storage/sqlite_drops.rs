//! `DropStore` on SQLite: each change through the write gate, with its audit entry in the
//! same transaction. Reads are in `sqlite_drops_read`.

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite, Transaction};
use vitrine_protocol::drops::allowlist::Hash;
use vitrine_protocol::drops::schedule::{Plan, ShopRules, Window};
use vitrine_protocol::drops::{DropId, DropInfo};
use vitrine_protocol::merchant::{DropState, MerchantDrop, NewDrop};
use vitrine_protocol::{FieldProblem, ItemId, UnixMillis};

use super::drops::{ApprovalRule, DropChange, DropStore};
use super::merchants::Actor;
use super::sqlite_drops_read::{self as read, corrupt};
use super::sqlite_merchants::{audit, json};
use super::{SqliteStorage, StorageError};

type Tx = Transaction<'static, Sqlite>;

async fn one(
    tx: &mut Tx,
    merchant_id: i64,
    id: DropId,
) -> Result<Option<MerchantDrop>, StorageError> {
    Ok(read::merchant_drops(tx, merchant_id, Some(id)).await?.into_iter().next())
}

/// Whether a drop's terms may still change at `now`: a draft, or approved and not started.
fn changeable(d: &MerchantDrop, now: UnixMillis) -> bool {
    match d.state {
        DropState::Draft => true,
        DropState::Approved => now < d.starts_at,
        DropState::Cancelled => false,
    }
}

/// What is wrong with `new`'s works: not the merchant's, or in another drop (not cancelled)
/// that overlaps in time.
async fn item_problems(
    tx: &mut Tx,
    merchant_id: i64,
    new: &NewDrop,
    except: Option<DropId>,
) -> Result<Vec<FieldProblem>, StorageError> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT i.id FROM items i JOIN collections c ON c.id = i.collection_id
         WHERE c.merchant_id = ",
    );
    q.push_bind(merchant_id).push(" AND i.id IN (");
    let mut sep = q.separated(", ");
    for it in &new.items {
        sep.push_bind(it.item.get());
    }
    q.push(")");
    let mine: Vec<i64> = q.build_query_scalar().fetch_all(&mut **tx).await?;
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT DISTINCT di.item_id FROM drop_items di JOIN drops d ON d.id = di.drop_id
         WHERE d.state != 'cancelled' AND d.id != ",
    );
    q.push_bind(except.unwrap_or(0))
        .push(" AND d.starts_at <= ")
        .push_bind(new.ends_at.0)
        .push(" AND d.ends_at >= ")
        .push_bind(new.starts_at.0)
        .push(" AND di.item_id IN (");
    let mut sep = q.separated(", ");
    for it in &new.items {
        sep.push_bind(it.item.get());
    }
    q.push(")");
    let busy: Vec<i64> = q.build_query_scalar().fetch_all(&mut **tx).await?;
    let mut out = Vec::new();
    for (i, it) in new.items.iter().enumerate() {
        let field = format!("items[{i}].item");
        if !mine.contains(&it.item.get()) {
            out.push(FieldProblem::new(&field, format!("you have no work {}", it.item)));
        } else if busy.contains(&it.item.get()) {
            out.push(FieldProblem::new(&field, "already in another drop at that time"));
        }
    }
    Ok(out)
}

async fn write_items(tx: &mut Tx, id: DropId, new: &NewDrop) -> Result<(), StorageError> {
    sqlx::query("DELETE FROM drop_items WHERE drop_id = ?").bind(id).execute(&mut **tx).await?;
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO drop_items (drop_id, item_id, supply, price_minor, currency) ",
    );
    q.push_values(&new.items, |mut row, it| {
        row.push_bind(id)
            .push_bind(it.item.get())
            .push_bind(i64::from(it.supply))
            .push_bind(it.price.amount_minor)
            .push_bind(it.price.currency.code());
    });
    q.build().execute(&mut **tx).await?;
    Ok(())
}

#[async_trait]
impl DropStore for SqliteStorage {
    async fn create_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewDrop,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError> {
        let mut w = self.begin_write().await?;
        let problems = item_problems(&mut w.tx, merchant_id, new, None).await?;
        if !problems.is_empty() {
            return Ok(DropChange::Problems(problems));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO drops (merchant_id, title, starts_at, ends_at, per_buyer_limit,
                allowlist, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(merchant_id)
        .bind(new.title.trim())
        .bind(new.starts_at.0)
        .bind(new.ends_at.0)
        .bind(i64::from(new.per_buyer_limit))
        .bind(new.allowlist)
        .bind(now.0)
        .fetch_all(&mut *w.tx)
        .await?
        .into_iter()
        .next()
        .ok_or(sqlx::Error::RowNotFound)?;
        write_items(&mut w.tx, id, new).await?;
        let made = one(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let subject = format!("drop {id}");
        audit(&mut w.tx, actor, "drop.create", &subject, None, Some(json(&made)?), now).await?;
        w.commit().await?;
        Ok(DropChange::Done(made))
    }

    async fn replace_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        new: &NewDrop,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(before) = one(&mut w.tx, merchant_id, id).await? else {
            return Ok(DropChange::NotFound);
        };
        if !changeable(&before, now) {
            return Ok(DropChange::Fixed);
        }
        let problems = item_problems(&mut w.tx, merchant_id, new, Some(id)).await?;
        if !problems.is_empty() {
            return Ok(DropChange::Problems(problems));
        }
        // Any change needs a new approval: the safety rules judged the old terms.
        sqlx::query(
            "UPDATE drops SET title = ?, starts_at = ?, ends_at = ?, per_buyer_limit = ?,
                allowlist = ?, allowlist_root = CASE WHEN ? THEN allowlist_root END,
                state = 'draft', approved_at = NULL
             WHERE id = ?",
        )
        .bind(new.title.trim())
        .bind(new.starts_at.0)
        .bind(new.ends_at.0)
        .bind(i64::from(new.per_buyer_limit))
        .bind(new.allowlist)
        .bind(new.allowlist)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        if !new.allowlist {
            sqlx::query("DELETE FROM drop_allowlist WHERE drop_id = ?")
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
        }
        write_items(&mut w.tx, id, new).await?;
        let after = one(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let (b, a) = (Some(json(&before)?), Some(json(&after)?));
        audit(&mut w.tx, actor, "drop.edit", &format!("drop {id}"), b, a, now).await?;
        w.commit().await?;
        Ok(DropChange::Done(after))
    }

    async fn merchant_drop(
        &self,
        merchant_id: i64,
        id: DropId,
    ) -> Result<Option<MerchantDrop>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        Ok(read::merchant_drops(&mut conn, merchant_id, Some(id)).await?.into_iter().next())
    }

    async fn merchant_drops(&self, merchant_id: i64) -> Result<Vec<MerchantDrop>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        read::merchant_drops(&mut conn, merchant_id, None).await
    }

    async fn set_allowlist(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        leaves: &[Hash],
        root: Hash,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(before) = one(&mut w.tx, merchant_id, id).await? else {
            return Ok(DropChange::NotFound);
        };
        // Committed before approval: an approved drop's list is what buyers hold proofs for.
        if before.state != DropState::Draft {
            return Ok(DropChange::Fixed);
        }
        if !before.allowlist {
            return Ok(DropChange::Problems(vec![FieldProblem::new(
                "allowlist",
                "this drop is open to everyone; edit it with \"allowlist\": true first",
            )]));
        }
        sqlx::query("DELETE FROM drop_allowlist WHERE drop_id = ?")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let mut distinct = leaves.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        for chunk in distinct.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO drop_allowlist (drop_id, leaf) ");
            q.push_values(chunk, |mut row, leaf| {
                row.push_bind(id).push_bind(leaf.to_vec());
            });
            q.build().execute(&mut *w.tx).await?;
        }
        sqlx::query("UPDATE drops SET allowlist_root = ? WHERE id = ?")
            .bind(root.to_vec())
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let after = one(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let (b, a) = (Some(json(&before)?), Some(json(&after)?));
        audit(&mut w.tx, actor, "drop.allowlist", &format!("drop {id}"), b, a, now).await?;
        w.commit().await?;
        Ok(DropChange::Done(after))
    }

    async fn approve_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        rule: ApprovalRule<'_>,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(before) = one(&mut w.tx, merchant_id, id).await? else {
            return Ok(DropChange::NotFound);
        };
        match before.state {
            DropState::Approved => return Ok(DropChange::Done(before)),
            DropState::Cancelled => return Ok(DropChange::Fixed),
            DropState::Draft => {}
        }
        let (plan, others, rules) = read::facts(&mut w.tx, merchant_id, &before).await?;
        let vetoes = rule(&plan, &others, &rules);
        if !vetoes.is_empty() {
            return Ok(DropChange::Vetoed(vetoes));
        }
        sqlx::query("UPDATE drops SET state = 'approved', approved_at = ? WHERE id = ?")
            .bind(now.0)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let after = one(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let (b, a) = (Some(json(&before)?), Some(json(&after)?));
        audit(&mut w.tx, actor, "drop.approve", &format!("drop {id}"), b, a, now).await?;
        w.commit().await?;
        Ok(DropChange::Done(after))
    }

    async fn cancel_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(before) = one(&mut w.tx, merchant_id, id).await? else {
            return Ok(DropChange::NotFound);
        };
        if before.state == DropState::Cancelled {
            return Ok(DropChange::Done(before));
        }
        if !changeable(&before, now) {
            return Ok(DropChange::Fixed);
        }
        sqlx::query("UPDATE drops SET state = 'cancelled' WHERE id = ?")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let after = one(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let (b, a) = (Some(json(&before)?), Some(json(&after)?));
        audit(&mut w.tx, actor, "drop.cancel", &format!("drop {id}"), b, a, now).await?;
        w.commit().await?;
        Ok(DropChange::Done(after))
    }

    async fn schedule_facts(
        &self,
        merchant_id: i64,
        id: DropId,
    ) -> Result<Option<(Plan, Vec<Window>, ShopRules)>, StorageError> {
        let mut w = self.pool.begin().await?;
        let Some(drop) = one(&mut w, merchant_id, id).await? else { return Ok(None) };
        Ok(Some(read::facts(&mut w, merchant_id, &drop).await?))
    }

    async fn shop_rules(&self, merchant_id: i64) -> Result<ShopRules, StorageError> {
        let mut conn = self.pool.acquire().await?;
        read::shop_rules(&mut conn, merchant_id).await
    }

    async fn set_shop_rules(
        &self,
        actor: &Actor,
        merchant_id: i64,
        rules: &ShopRules,
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut w = self.begin_write().await?;
        let before = read::shop_rules(&mut w.tx, merchant_id).await?;
        sqlx::query(
            "INSERT INTO shop_rules (merchant_id, rules) VALUES (?1, ?2)
             ON CONFLICT (merchant_id) DO UPDATE SET rules = excluded.rules",
        )
        .bind(merchant_id)
        .bind(json(rules)?)
        .execute(&mut *w.tx)
        .await?;
        let (b, a) = (Some(json(&before)?), Some(json(rules)?));
        audit(&mut w.tx, actor, "schedule_rules.set", "schedule rules", b, a, now).await?;
        w.commit().await
    }

    async fn item_drops(&self, items: &[ItemId]) -> Result<Vec<(ItemId, DropInfo)>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        read::item_drops(&mut conn, items).await
    }

    async fn allowlist(&self, id: DropId) -> Result<Option<(Hash, Vec<Hash>)>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        read::allowlist_of(&mut conn, id).await
    }

    async fn record_visits(&self, hour: i64, visits: i64) -> Result<(), StorageError> {
        let mut w = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO traffic_hours (hour, visits) VALUES (?1, ?2)
             ON CONFLICT (hour) DO UPDATE SET visits = visits + excluded.visits",
        )
        .bind(hour)
        .bind(visits)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    async fn traffic(
        &self,
        merchant_id: i64,
        since: UnixMillis,
    ) -> Result<Vec<(i64, u64, u64)>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        read::traffic(&mut conn, merchant_id, since).await
    }
}
