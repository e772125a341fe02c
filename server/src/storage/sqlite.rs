use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};
use vitrine_protocol::{
    Collection, CollectionDetail, Currency, ImageRef, Item, ItemId, ItemSummary, Money, Slug,
};

use super::{CatalogStore, StorageError};
use crate::demo::NewCatalog;

/// SQLite in WAL mode through sqlx.
#[derive(Clone)]
pub struct SqliteStorage {
    pub(super) pool: SqlitePool,
    /// One write transaction at a time for the order writer and the settler (every write of
    /// theirs goes through `begin_write`; start-up and catalog seeding do not need it).
    /// SQLite allows one anyway, but a connection that finds the lock taken waits in its busy
    /// handler with growing sleeps (1, 2, 5, 10, 15… ms): that put tens of milliseconds into
    /// ingest's p99 whenever the settler held the lock. This queue hands the lock over the
    /// moment it is free, in turn.
    write_gate: Arc<Mutex<()>>,
}

/// A `BEGIN IMMEDIATE` transaction holding the write gate.
pub(super) struct WriteTx {
    // Fields drop in order: the transaction ends before the gate opens.
    pub(super) tx: Transaction<'static, Sqlite>,
    _gate: OwnedMutexGuard<()>,
}

impl WriteTx {
    pub(super) async fn commit(self) -> Result<(), StorageError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl SqliteStorage {
    /// Open (creating if absent) and migrate the database at `url`.
    pub async fn connect(url: &str, durability: super::Durability) -> Result<Self, StorageError> {
        let synchronous = match durability {
            super::Durability::Full => SqliteSynchronous::Full,
            super::Durability::Normal => SqliteSynchronous::Normal,
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStorage { pool, write_gate: Arc::default() })
    }

    /// Start a write transaction, after any other of this process has ended.
    pub(super) async fn begin_write(&self) -> Result<WriteTx, StorageError> {
        let gate = self.write_gate.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _gate: gate })
    }

    /// SQLite's `synchronous` setting on a pooled connection (2 = FULL, 1 = NORMAL).
    pub async fn synchronous(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("PRAGMA synchronous")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .next()
            .ok_or(sqlx::Error::RowNotFound)?)
    }
}

#[derive(FromRow)]
struct CollectionRow {
    slug: String,
    title: String,
    description: String,
    item_count: i64,
    cover_url: Option<String>,
    cover_width: Option<i64>,
    cover_height: Option<i64>,
    cover_alt: Option<String>,
}

#[derive(FromRow)]
struct ItemRow {
    id: i64,
    title: String,
    artist: String,
    description: String,
    alt: String,
    price_minor: i64,
    currency: String,
    edition_size: i64,
    stock: i64,
    thumb_url: String,
    thumb_width: i64,
    thumb_height: i64,
    original_url: String,
    original_width: i64,
    original_height: i64,
    collection_slug: String,
    collection_title: String,
}

const COLLECTION_SELECT: &str = "
    SELECT c.slug, c.title, c.description,
           (SELECT count(*) FROM items i
            WHERE i.collection_id = c.id AND i.hidden = 0 AND i.original_url != '')
               AS item_count,
           f.thumb_url AS cover_url, f.thumb_width AS cover_width,
           f.thumb_height AS cover_height, f.alt AS cover_alt
    FROM collections c
    LEFT JOIN items f ON f.id = (
        SELECT id FROM items WHERE collection_id = c.id AND hidden = 0 AND original_url != ''
        ORDER BY position, id LIMIT 1)";

const ITEM_SELECT: &str = "
    SELECT i.id, i.title, i.artist, i.description, i.alt, i.price_minor, i.currency,
           i.edition_size, i.stock, i.thumb_url, i.thumb_width, i.thumb_height,
           i.original_url, i.original_width, i.original_height,
           c.slug AS collection_slug, c.title AS collection_title
    FROM items i JOIN collections c
        ON c.id = i.collection_id AND c.hidden = 0 AND i.hidden = 0 AND i.original_url != ''";

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("{what}: {detail}"))
}

fn to_u32(what: &str, n: i64) -> Result<u32, StorageError> {
    u32::try_from(n).map_err(|_| corrupt(what, n))
}

fn image(what: &str, url: String, w: i64, h: i64) -> Result<ImageRef, StorageError> {
    Ok(ImageRef { url, width: to_u32(what, w)?, height: to_u32(what, h)? })
}

pub(super) fn currency(code: &str) -> Result<Currency, StorageError> {
    match code {
        "EUR" => Ok(Currency::EUR),
        "USD" => Ok(Currency::USD),
        "JPY" => Ok(Currency::JPY),
        other => Err(corrupt("currency", other)),
    }
}

impl TryFrom<CollectionRow> for Collection {
    type Error = StorageError;

    fn try_from(r: CollectionRow) -> Result<Self, StorageError> {
        let cover = match (r.cover_url, r.cover_width, r.cover_height) {
            (Some(url), Some(w), Some(h)) => Some(image("cover", url, w, h)?),
            _ => None,
        };
        Ok(Collection {
            slug: r.slug.parse().map_err(|e| corrupt("slug", e))?,
            title: r.title,
            description: r.description,
            item_count: to_u32("item_count", r.item_count)?,
            cover,
            cover_alt: r.cover_alt,
            cover_picture: None,
        })
    }
}

impl TryFrom<ItemRow> for Item {
    type Error = StorageError;

    fn try_from(r: ItemRow) -> Result<Self, StorageError> {
        Ok(Item {
            summary: ItemSummary {
                id: ItemId::try_from(r.id).map_err(|e| corrupt("item id", e))?,
                title: r.title,
                artist: r.artist,
                price: Money { amount_minor: r.price_minor, currency: currency(&r.currency)? },
                stock: to_u32("stock", r.stock)?,
                thumb: image("thumb", r.thumb_url, r.thumb_width, r.thumb_height)?,
                alt: r.alt,
                description: r.description,
                picture: None,
                drop: None,
            },
            collection: r.collection_slug.parse().map_err(|e| corrupt("slug", e))?,
            collection_title: r.collection_title,
            edition_size: to_u32("edition_size", r.edition_size)?,
            original: image("original", r.original_url, r.original_width, r.original_height)?,
            quote: None,
        })
    }
}

#[async_trait]
impl CatalogStore for SqliteStorage {
    async fn collections(&self) -> Result<Vec<Collection>, StorageError> {
        let sql = format!("{COLLECTION_SELECT} WHERE c.hidden = 0 ORDER BY c.position, c.id");
        let rows: Vec<CollectionRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(Collection::try_from).collect()
    }

    async fn collection(&self, slug: &Slug) -> Result<Option<CollectionDetail>, StorageError> {
        let sql = format!("{COLLECTION_SELECT} WHERE c.slug = ? AND c.hidden = 0");
        let row: Option<CollectionRow> = sqlx::query_as(&sql)
            .bind(slug.as_str())
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .next();
        let Some(row) = row else { return Ok(None) };
        let sql = format!("{ITEM_SELECT} WHERE c.slug = ? ORDER BY i.position, i.id");
        let items: Vec<ItemRow> =
            sqlx::query_as(&sql).bind(slug.as_str()).fetch_all(&self.pool).await?;
        let items = items
            .into_iter()
            .map(|r| Item::try_from(r).map(|item| item.summary))
            .collect::<Result<_, _>>()?;
        Ok(Some(CollectionDetail { collection: row.try_into()?, items }))
    }

    async fn item(&self, id: ItemId) -> Result<Option<Item>, StorageError> {
        let sql = format!("{ITEM_SELECT} WHERE i.id = ?");
        let row: Option<ItemRow> =
            sqlx::query_as(&sql).bind(id.get()).fetch_all(&self.pool).await?.into_iter().next();
        row.map(Item::try_from).transpose()
    }

    async fn original_url(&self, id: ItemId) -> Result<Option<String>, StorageError> {
        Ok(sqlx::query_scalar("SELECT original_url FROM items WHERE id = ?")
            .bind(id.get())
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .next())
    }

    async fn is_empty(&self) -> Result<bool, StorageError> {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM collections")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .next()
            .ok_or(sqlx::Error::RowNotFound)?;
        Ok(n == 0)
    }

    async fn insert_catalog(&self, catalog: &NewCatalog) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        // The demo catalog belongs to the merchant "demo" (`vitrine merchant token demo`
        // hands out a token to manage it).
        sqlx::query(
            "INSERT INTO merchants (name, created_at) VALUES ('demo', 0)
             ON CONFLICT (name) DO NOTHING",
        )
        .execute(&mut *tx)
        .await?;
        for (position, c) in catalog.collections.iter().enumerate() {
            let collection_id: i64 = sqlx::query_scalar(
                "INSERT INTO collections (slug, title, description, position, merchant_id)
                 VALUES (?, ?, ?, ?, (SELECT id FROM merchants WHERE name = 'demo'))
                 RETURNING id",
            )
            .bind(c.slug.as_str())
            .bind(&c.title)
            .bind(&c.description)
            .bind(position as i64)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .next()
            .ok_or(sqlx::Error::RowNotFound)?;
            for (position, i) in c.items.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO items (id, collection_id, position, title, artist, description,
                        alt, price_minor, currency, edition_size, stock, thumb_url, thumb_width,
                        thumb_height, original_url, original_width, original_height)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(i.id.get())
                .bind(collection_id)
                .bind(position as i64)
                .bind(&i.title)
                .bind(&i.artist)
                .bind(&i.description)
                .bind(&i.alt)
                .bind(i.price.amount_minor)
                .bind(i.price.currency.code())
                .bind(i64::from(i.edition_size))
                .bind(i64::from(i.stock))
                .bind(&i.thumb.url)
                .bind(i64::from(i.thumb.width))
                .bind(i64::from(i.thumb.height))
                .bind(&i.original.url)
                .bind(i64::from(i.original.width))
                .bind(i64::from(i.original.height))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
