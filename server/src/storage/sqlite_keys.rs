//! The server's signing keys on SQLite: the ring (key 1 made on first start) and rotation.

use sqlx::SqlitePool;
use vitrine_protocol::{KeyId, UnixMillis};

use super::orders::StoredKey;
use super::sqlite_orders::{bytes32, corrupt};
use super::{SqliteStorage, StorageError};

pub(super) async fn key_ring(
    pool: &SqlitePool,
    candidate: [u8; 32],
    now: UnixMillis,
) -> Result<Vec<StoredKey>, StorageError> {
    // Only ever inserts key 1 into an empty ring.
    sqlx::query(
        "INSERT INTO server_keys (id, secret, created_at)
         SELECT 1, ?, ? WHERE NOT EXISTS (SELECT 1 FROM server_keys)",
    )
    .bind(&candidate[..])
    .bind(now.0)
    .execute(pool)
    .await?;
    let rows: Vec<(i64, Vec<u8>, i64, Option<i64>)> =
        sqlx::query_as("SELECT id, secret, created_at, retired_at FROM server_keys ORDER BY id")
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(id, secret, created_at, retired_at)| {
            Ok(StoredKey {
                id: KeyId(u32::try_from(id).map_err(|e| corrupt("key id", e))?),
                secret: bytes32("server key", secret)?,
                created_at: UnixMillis(created_at),
                retired_at: retired_at.map(UnixMillis),
            })
        })
        .collect()
}

pub(super) async fn rotate(
    storage: &SqliteStorage,
    secret: [u8; 32],
    now: UnixMillis,
) -> Result<KeyId, StorageError> {
    let mut tx = storage.begin_write().await?;
    sqlx::query("UPDATE server_keys SET retired_at = ? WHERE retired_at IS NULL")
        .bind(now.0)
        .execute(&mut *tx.tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO server_keys (secret, created_at) VALUES (?, ?) RETURNING id",
    )
    .bind(&secret[..])
    .bind(now.0)
    .fetch_all(&mut *tx.tx)
    .await?
    .into_iter()
    .next()
    .ok_or(sqlx::Error::RowNotFound)?;
    tx.commit().await?;
    Ok(KeyId(u32::try_from(id).map_err(|e| corrupt("key id", e))?))
}
