//! Embed origins in SQLite (0019_embed_origins.sql). SQL only.

use async_trait::async_trait;
use sqlx::SqliteConnection;
use vitrine_protocol::{Slug, UnixMillis};

use super::embed::EmbedStore;
use super::merchants::Actor;
use super::sqlite::SqliteStorage;
use super::sqlite_merchants::audit;
use super::StorageError;

async fn origins_of(
    conn: &mut SqliteConnection,
    merchant_id: i64,
) -> Result<Vec<String>, StorageError> {
    Ok(sqlx::query_scalar("SELECT origin FROM embed_origins WHERE merchant_id = ? ORDER BY origin")
        .bind(merchant_id)
        .fetch_all(conn)
        .await?)
}

fn json(origins: &[String]) -> Option<String> {
    serde_json::to_string(origins).ok()
}

#[async_trait]
impl EmbedStore for SqliteStorage {
    async fn embed_origins(&self, merchant_id: i64) -> Result<Vec<String>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        origins_of(&mut conn, merchant_id).await
    }

    async fn set_embed_origins(
        &self,
        actor: &Actor,
        merchant_id: i64,
        origins: &[String],
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut w = self.begin_write().await?;
        let before = origins_of(&mut w.tx, merchant_id).await?;
        sqlx::query("DELETE FROM embed_origins WHERE merchant_id = ?")
            .bind(merchant_id)
            .execute(&mut *w.tx)
            .await?;
        for origin in origins {
            sqlx::query(
                "INSERT INTO embed_origins (merchant_id, origin) VALUES (?, ?)
                 ON CONFLICT DO NOTHING",
            )
            .bind(merchant_id)
            .bind(origin)
            .execute(&mut *w.tx)
            .await?;
        }
        let after = origins_of(&mut w.tx, merchant_id).await?;
        audit(&mut w.tx, actor, "embed.origins", "embed origins", json(&before), json(&after), now)
            .await?;
        w.commit().await
    }

    async fn collection_embed_origins(
        &self,
        slug: &Slug,
    ) -> Result<Option<Vec<String>>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        let found: Vec<Option<i64>> =
            sqlx::query_scalar("SELECT merchant_id FROM collections WHERE slug = ? AND hidden = 0")
                .bind(slug.as_str())
                .fetch_all(&mut *conn)
                .await?;
        let Some(merchant) = found.into_iter().next() else { return Ok(None) };
        // Collections from before merchants existed belong to the shop itself: no one else
        // may frame them.
        match merchant {
            Some(merchant) => Ok(Some(origins_of(&mut conn, merchant).await?)),
            None => Ok(Some(Vec::new())),
        }
    }
}
