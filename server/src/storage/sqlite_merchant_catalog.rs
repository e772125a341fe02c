//! `MerchantCatalogStore` on SQLite: a merchant's collections, each change through the write
//! gate with its audit entry in the same transaction.

use async_trait::async_trait;
use sqlx::{FromRow, Sqlite, Transaction};
use vitrine_protocol::merchant::{CollectionPatch, MerchantCollection, NewCollection};
use vitrine_protocol::{Slug, UnixMillis};

use super::merchants::{Actor, Created, MerchantCatalogStore};
use super::sqlite_merchants::{audit, json};
use super::{SqliteStorage, StorageError};

#[derive(FromRow)]
struct CollectionRow {
    slug: String,
    title: String,
    description: String,
    hidden: bool,
    item_count: i64,
}

impl TryFrom<CollectionRow> for MerchantCollection {
    type Error = StorageError;

    fn try_from(r: CollectionRow) -> Result<Self, StorageError> {
        Ok(MerchantCollection {
            slug: r.slug.parse().map_err(|e| StorageError::Corrupt(format!("slug: {e}")))?,
            title: r.title,
            description: r.description,
            hidden: r.hidden,
            item_count: u32::try_from(r.item_count)
                .map_err(|_| StorageError::Corrupt("item count".into()))?,
        })
    }
}

const COLLECTION_SELECT: &str = "
    SELECT c.slug, c.title, c.description, c.hidden,
           (SELECT count(*) FROM items i WHERE i.collection_id = c.id) AS item_count
    FROM collections c";

async fn merchant_collection(
    tx: &mut Transaction<'static, Sqlite>,
    merchant_id: i64,
    slug: &str,
) -> Result<Option<MerchantCollection>, StorageError> {
    let sql = format!("{COLLECTION_SELECT} WHERE c.merchant_id = ?1 AND c.slug = ?2");
    let row: Option<CollectionRow> = sqlx::query_as(&sql)
        .bind(merchant_id)
        .bind(slug)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .next();
    row.map(MerchantCollection::try_from).transpose()
}

#[async_trait]
impl MerchantCatalogStore for SqliteStorage {
    async fn merchant_collections(
        &self,
        merchant_id: i64,
    ) -> Result<Vec<MerchantCollection>, StorageError> {
        let sql = format!("{COLLECTION_SELECT} WHERE c.merchant_id = ?1 ORDER BY c.position, c.id");
        let rows: Vec<CollectionRow> =
            sqlx::query_as(&sql).bind(merchant_id).fetch_all(&self.pool).await?;
        rows.into_iter().map(MerchantCollection::try_from).collect()
    }

    async fn create_collection(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewCollection,
        now: UnixMillis,
    ) -> Result<Created<MerchantCollection>, StorageError> {
        let mut w = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO collections (slug, title, description, position, merchant_id)
             VALUES (?1, ?2, ?3, (SELECT coalesce(max(position), -1) + 1 FROM collections), ?4)
             ON CONFLICT (slug) DO NOTHING",
        )
        .bind(&new.slug)
        .bind(new.title.trim())
        .bind(new.description.trim())
        .bind(merchant_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            return Ok(Created::Taken);
        }
        let made = merchant_collection(&mut w.tx, merchant_id, &new.slug)
            .await?
            .ok_or_else(|| StorageError::Corrupt("the new collection vanished".into()))?;
        let subject = format!("collection {}", new.slug);
        audit(&mut w.tx, actor, "collection.create", &subject, None, Some(json(&made)?), now)
            .await?;
        w.commit().await?;
        Ok(Created::Created(made))
    }

    async fn update_collection(
        &self,
        actor: &Actor,
        merchant_id: i64,
        slug: &Slug,
        patch: &CollectionPatch,
        now: UnixMillis,
    ) -> Result<Option<MerchantCollection>, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(before) = merchant_collection(&mut w.tx, merchant_id, slug.as_str()).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE collections SET title = coalesce(?1, title),
                description = coalesce(?2, description), hidden = coalesce(?3, hidden)
             WHERE merchant_id = ?4 AND slug = ?5",
        )
        .bind(patch.title.as_deref().map(str::trim))
        .bind(patch.description.as_deref().map(str::trim))
        .bind(patch.hidden)
        .bind(merchant_id)
        .bind(slug.as_str())
        .execute(&mut *w.tx)
        .await?;
        let after = merchant_collection(&mut w.tx, merchant_id, slug.as_str())
            .await?
            .ok_or_else(|| StorageError::Corrupt("the collection vanished".into()))?;
        if after != before {
            let action = match (before.hidden, after.hidden) {
                (false, true) => "collection.hide",
                (true, false) => "collection.show",
                _ => "collection.edit",
            };
            let (b, a) = (Some(json(&before)?), Some(json(&after)?));
            audit(&mut w.tx, actor, action, &format!("collection {slug}"), b, a, now).await?;
        }
        w.commit().await?;
        Ok(Some(after))
    }
}
