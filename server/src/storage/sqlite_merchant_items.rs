//! `MerchantItemStore` on SQLite: a merchant's items, each change through the write gate with
//! its audit entry in the same transaction; and the image worker's outcome.

use async_trait::async_trait;
use sqlx::{FromRow, Sqlite, Transaction};
use vitrine_protocol::merchant::{ImageState, ItemPatch, MerchantItem, NewItem};
use vitrine_protocol::{ItemId, Money, Slug, UnixMillis};

use super::merchant_items::{ItemImages, MerchantItemStore};
use super::merchants::Actor;
use super::sqlite::currency;
use super::sqlite_merchants::{audit, json};
use super::{SqliteStorage, StorageError};

#[derive(FromRow)]
struct ItemRow {
    id: i64,
    collection: String,
    title: String,
    artist: String,
    description: String,
    alt: String,
    edition_size: i64,
    stock: i64,
    price_minor: i64,
    currency: String,
    hidden: bool,
    image_state: String,
    image_problem: Option<String>,
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("merchant item: {what}"))
}

impl TryFrom<ItemRow> for MerchantItem {
    type Error = StorageError;

    fn try_from(r: ItemRow) -> Result<Self, StorageError> {
        Ok(MerchantItem {
            id: ItemId::try_from(r.id).map_err(|_| corrupt("id"))?,
            collection: r.collection.parse::<Slug>().map_err(|_| corrupt("slug"))?,
            title: r.title,
            artist: r.artist,
            description: r.description,
            alt: r.alt,
            edition_size: u32::try_from(r.edition_size).map_err(|_| corrupt("edition"))?,
            stock: u32::try_from(r.stock).map_err(|_| corrupt("stock"))?,
            price: Money { amount_minor: r.price_minor, currency: currency(&r.currency)? },
            hidden: r.hidden,
            image: ImageState::parse(&r.image_state).ok_or_else(|| corrupt("image state"))?,
            image_problem: r.image_problem,
        })
    }
}

const ITEM_SELECT: &str = "
    SELECT i.id, c.slug AS collection, i.title, i.artist, i.description, i.alt,
           i.edition_size, i.stock, i.price_minor, i.currency, i.hidden, i.image_state,
           i.image_problem
    FROM items i JOIN collections c ON c.id = i.collection_id";

async fn item_in(
    tx: &mut Transaction<'static, Sqlite>,
    merchant_id: i64,
    id: i64,
) -> Result<Option<MerchantItem>, StorageError> {
    let sql = format!("{ITEM_SELECT} WHERE c.merchant_id = ?1 AND i.id = ?2");
    let rows: Vec<ItemRow> =
        sqlx::query_as(&sql).bind(merchant_id).bind(id).fetch_all(&mut **tx).await?;
    rows.into_iter().next().map(MerchantItem::try_from).transpose()
}

#[async_trait]
impl MerchantItemStore for SqliteStorage {
    async fn create_item(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewItem,
        now: UnixMillis,
    ) -> Result<Option<MerchantItem>, StorageError> {
        let mut w = self.begin_write().await?;
        let collection: Option<i64> =
            sqlx::query_scalar("SELECT id FROM collections WHERE merchant_id = ?1 AND slug = ?2")
                .bind(merchant_id)
                .bind(&new.collection)
                .fetch_all(&mut *w.tx)
                .await?
                .into_iter()
                .next();
        let Some(collection) = collection else { return Ok(None) };
        // No picture yet: the image columns stay empty until the worker fills them, and the
        // storefront shows only items whose image is ready.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO items (collection_id, position, title, artist, description, alt,
                price_minor, currency, edition_size, stock, thumb_url, thumb_width, thumb_height,
                original_url, original_width, original_height, hidden, image_state)
             VALUES (?1, (SELECT coalesce(max(position), -1) + 1 FROM items
                          WHERE collection_id = ?1),
                     ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, '', 0, 0, '', 0, 0, ?9, 'awaiting')
             RETURNING id",
        )
        .bind(collection)
        .bind(new.title.trim())
        .bind(new.artist.trim())
        .bind(new.description.trim())
        .bind(new.alt.trim())
        .bind(new.price.amount_minor)
        .bind(new.price.currency.code())
        .bind(i64::from(new.edition_size))
        .bind(new.hidden)
        .fetch_all(&mut *w.tx)
        .await?
        .into_iter()
        .next()
        .ok_or(sqlx::Error::RowNotFound)?;
        let made = item_in(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let subject = format!("item {id}");
        audit(&mut w.tx, actor, "item.create", &subject, None, Some(json(&made)?), now).await?;
        w.commit().await?;
        Ok(Some(made))
    }

    async fn merchant_item(
        &self,
        merchant_id: i64,
        id: ItemId,
    ) -> Result<Option<MerchantItem>, StorageError> {
        let sql = format!("{ITEM_SELECT} WHERE c.merchant_id = ?1 AND i.id = ?2");
        let rows: Vec<ItemRow> =
            sqlx::query_as(&sql).bind(merchant_id).bind(id.get()).fetch_all(&self.pool).await?;
        rows.into_iter().next().map(MerchantItem::try_from).transpose()
    }

    async fn merchant_items(
        &self,
        merchant_id: i64,
        collection: &Slug,
    ) -> Result<Option<Vec<MerchantItem>>, StorageError> {
        let owned: Vec<i64> =
            sqlx::query_scalar("SELECT 1 FROM collections WHERE merchant_id = ?1 AND slug = ?2")
                .bind(merchant_id)
                .bind(collection.as_str())
                .fetch_all(&self.pool)
                .await?;
        if owned.is_empty() {
            return Ok(None);
        }
        let sql = format!(
            "{ITEM_SELECT} WHERE c.merchant_id = ?1 AND c.slug = ?2 ORDER BY i.position, i.id"
        );
        let rows: Vec<ItemRow> = sqlx::query_as(&sql)
            .bind(merchant_id)
            .bind(collection.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(MerchantItem::try_from).collect::<Result<_, _>>().map(Some)
    }

    async fn update_item(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: ItemId,
        patch: &ItemPatch,
        now: UnixMillis,
    ) -> Result<Option<MerchantItem>, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(before) = item_in(&mut w.tx, merchant_id, id.get()).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE items SET title = coalesce(?1, title), artist = coalesce(?2, artist),
                description = coalesce(?3, description), alt = coalesce(?4, alt),
                price_minor = coalesce(?5, price_minor), currency = coalesce(?6, currency),
                hidden = coalesce(?7, hidden)
             WHERE id = ?8",
        )
        .bind(patch.title.as_deref().map(str::trim))
        .bind(patch.artist.as_deref().map(str::trim))
        .bind(patch.description.as_deref().map(str::trim))
        .bind(patch.alt.as_deref().map(str::trim))
        .bind(patch.price.map(|p| p.amount_minor))
        .bind(patch.price.map(|p| p.currency.code()))
        .bind(patch.hidden)
        .bind(id.get())
        .execute(&mut *w.tx)
        .await?;
        let after =
            item_in(&mut w.tx, merchant_id, id.get()).await?.ok_or_else(|| corrupt("vanished"))?;
        if after != before {
            let action = match (before.hidden, after.hidden) {
                (false, true) => "item.hide",
                (true, false) => "item.show",
                _ => "item.edit",
            };
            let (b, a) = (Some(json(&before)?), Some(json(&after)?));
            audit(&mut w.tx, actor, action, &format!("item {id}"), b, a, now).await?;
        }
        w.commit().await?;
        Ok(Some(after))
    }

    async fn original_uploaded(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: ItemId,
        upload: &serde_json::Value,
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut w = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE items SET image_state = 'processing', image_problem = NULL
             WHERE id = ?1
               AND collection_id IN (SELECT id FROM collections WHERE merchant_id = ?2)",
        )
        .bind(id.get())
        .bind(merchant_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(corrupt("uploaded to an item that is not the merchant's"));
        }
        let after = Some(json(upload)?);
        audit(&mut w.tx, actor, "item.upload", &format!("item {id}"), None, after, now).await?;
        w.commit().await
    }

    async fn image_processed(
        &self,
        id: ItemId,
        outcome: Result<ItemImages, String>,
    ) -> Result<(), StorageError> {
        let mut w = self.begin_write().await?;
        match outcome {
            Ok(images) => {
                sqlx::query(
                    "UPDATE items SET image_state = 'ready', image_problem = NULL,
                        thumb_url = ?1, thumb_width = ?2, thumb_height = ?3,
                        original_url = ?4, original_width = ?5, original_height = ?6
                     WHERE id = ?7",
                )
                .bind(&images.thumb.url)
                .bind(i64::from(images.thumb.width))
                .bind(i64::from(images.thumb.height))
                .bind(&images.original.url)
                .bind(i64::from(images.original.width))
                .bind(i64::from(images.original.height))
                .bind(id.get())
                .execute(&mut *w.tx)
                .await?;
            }
            Err(problem) => {
                sqlx::query(
                    "UPDATE items SET image_state = 'failed', image_problem = ?1 WHERE id = ?2",
                )
                .bind(problem)
                .bind(id.get())
                .execute(&mut *w.tx)
                .await?;
            }
        }
        w.commit().await
    }
}
