use async_trait::async_trait;
use vitrine_protocol::{ItemId, UnixMillis};

use super::waitlist::{Joined, WaitlistStore};
use super::{SqliteStorage, StorageError};

#[async_trait]
impl WaitlistStore for SqliteStorage {
    async fn join_waitlist(
        &self,
        item: ItemId,
        email: &str,
        now: UnixMillis,
    ) -> Result<Joined, StorageError> {
        // Through the write gate, so a join never waits in SQLite's busy handler behind the
        // order writer; insert-or-read in one transaction, so two joins at once add one row.
        let mut w = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM items WHERE id = ?1")
            .bind(item.get())
            .fetch_all(&mut *w.tx)
            .await?
            .into_iter()
            .next();
        if exists.is_none() {
            return Ok(Joined::NoSuchItem);
        }
        let added = sqlx::query(
            "INSERT INTO waitlist (item_id, email, joined_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (item_id, email) DO NOTHING",
        )
        .bind(item.get())
        .bind(email)
        .bind(now.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected()
            == 1;
        let joined_at: i64 =
            sqlx::query_scalar("SELECT joined_at FROM waitlist WHERE item_id = ?1 AND email = ?2")
                .bind(item.get())
                .bind(email)
                .fetch_all(&mut *w.tx)
                .await?
                .into_iter()
                .next()
                .ok_or(sqlx::Error::RowNotFound)?;
        w.commit().await?;
        let at = UnixMillis(joined_at);
        Ok(if added { Joined::Added(at) } else { Joined::Already(at) })
    }
}
