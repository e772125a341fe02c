//! Mint attempts in SQLite (0013_mints.sql). SQL only.

use async_trait::async_trait;
use vitrine_protocol::{IntentId, ItemId, UnixMillis};

use super::mints::{DueMint, MintAttempt, MintProgress, MintState, MintStore};
use super::sqlite::SqliteStorage;
use super::StorageError;

type Row = (
    String,
    String,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    i64,
);

const SELECT: &str = "SELECT m.key, m.order_id, o.item_id, m.n, m.chain, m.wallet, m.state, m.tx,
        m.token_id, m.block, m.confirmations, m.needed, m.updated_at
    FROM mints m JOIN orders o ON o.id = m.order_id";

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("mint attempt: bad {what}"))
}

fn attempt(row: Row) -> Result<MintAttempt, StorageError> {
    let (key, order, item, n, chain, wallet, state, tx, token, block, conf, needed, at) = row;
    let count = |v: i64, what| u32::try_from(v).map_err(|_| corrupt(what));
    Ok(MintAttempt {
        key,
        order: order.parse().map_err(|_| corrupt("order"))?,
        item: ItemId::try_from(item).map_err(|_| corrupt("item"))?,
        n: count(n, "n")?,
        chain,
        wallet,
        state: MintState::parse(&state).ok_or_else(|| corrupt("state"))?,
        tx,
        token_id: token.map(|t| u64::try_from(t).map_err(|_| corrupt("token"))).transpose()?,
        block: block.map(|b| u64::try_from(b).map_err(|_| corrupt("block"))).transpose()?,
        confirmations: count(conf, "confirmations")?,
        needed: count(needed, "needed")?,
        updated_at: UnixMillis(at),
    })
}

fn int(v: u64, what: &str) -> Result<i64, StorageError> {
    i64::try_from(v).map_err(|_| corrupt(what))
}

#[async_trait]
impl MintStore for SqliteStorage {
    async fn due_mints(&self, chains: &[&str], limit: u32) -> Result<Vec<DueMint>, StorageError> {
        if chains.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::new(
            "SELECT q.order_id, o.item_id, c.chain, o.buyer_wallet,
                    (SELECT count(*) FROM mints m WHERE m.order_id = q.order_id)
             FROM mint_queue q JOIN orders o ON o.id = q.order_id
             JOIN items i ON i.id = o.item_id JOIN collections c ON c.id = i.collection_id
             WHERE c.chain IN (",
        );
        let mut list = q.separated(", ");
        for chain in chains {
            list.push_bind(*chain);
        }
        q.push(") ORDER BY q.since LIMIT ");
        q.push_bind(i64::from(limit));
        let rows: Vec<(String, i64, String, Option<String>, i64)> =
            q.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|(order, item, chain, wallet, n)| {
                Ok(DueMint {
                    order: order.parse().map_err(|_| corrupt("order"))?,
                    item: ItemId::try_from(item).map_err(|_| corrupt("item"))?,
                    chain,
                    wallet,
                    n: u32::try_from(n).map_err(|_| corrupt("n"))?,
                })
            })
            .collect()
    }

    async fn open_mint(
        &self,
        due: &DueMint,
        wallet: &str,
        now: UnixMillis,
    ) -> Result<Option<String>, StorageError> {
        let order = due.order.to_string();
        let key = format!("{order}/mint/{}", due.n);
        let mut tx = self.begin_write().await?;
        // OR IGNORE: a live attempt (the partial unique index) or this very attempt already
        // written means there is nothing to open.
        let opened = sqlx::query(
            "INSERT OR IGNORE INTO mints (key, order_id, n, chain, wallet, state, created_at,
                 updated_at)
             VALUES (?, ?, ?, ?, ?, 'submitting', ?, ?)",
        )
        .bind(&key)
        .bind(&order)
        .bind(i64::from(due.n))
        .bind(&due.chain)
        .bind(wallet)
        .bind(now.0)
        .bind(now.0)
        .execute(&mut *tx.tx)
        .await?
        .rows_affected()
            == 1;
        sqlx::query("DELETE FROM mint_queue WHERE order_id = ?")
            .bind(&order)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(opened.then_some(key))
    }

    async fn live_mints(&self, limit: u32) -> Result<Vec<MintAttempt>, StorageError> {
        let sql = format!(
            "{SELECT} WHERE m.state IN ('submitting', 'pending', 'included')
             ORDER BY m.updated_at LIMIT ?"
        );
        let rows: Vec<Row> =
            sqlx::query_as(&sql).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.into_iter().map(attempt).collect()
    }

    async fn mint_submitted(
        &self,
        key: &str,
        tx_hash: &str,
        token_id: u64,
        fee_gwei: u64,
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE mints SET state = 'pending', tx = ?, token_id = ?, fee_gwei = ?, updated_at = ?
             WHERE key = ? AND state = 'submitting'",
        )
        .bind(tx_hash)
        .bind(int(token_id, "token")?)
        .bind(int(fee_gwei, "fee")?)
        .bind(now.0)
        .bind(key)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn mint_progress(
        &self,
        key: &str,
        progress: MintProgress,
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE mints SET state = ?, block = ?, confirmations = ?, needed = ?, updated_at = ?
             WHERE key = ? AND state IN ('pending', 'included')
               AND (state, block, confirmations, needed) IS NOT (?, ?, ?, ?)",
        )
        .bind(progress.state.as_str())
        .bind(progress.block.map(|b| int(b, "block")).transpose()?)
        .bind(i64::from(progress.confirmations))
        .bind(i64::from(progress.needed))
        .bind(now.0)
        .bind(key)
        .bind(progress.state.as_str())
        .bind(progress.block.map(|b| int(b, "block")).transpose()?)
        .bind(i64::from(progress.confirmations))
        .bind(i64::from(progress.needed))
        .execute(&mut *tx.tx)
        .await?;
        if progress.state == MintState::Final && changed.rows_affected() == 1 {
            // Final now: its fee is paid (a transaction reorged away pays none).
            let paid: Vec<(String, String, Option<i64>)> =
                sqlx::query_as("SELECT order_id, chain, fee_gwei FROM mints WHERE key = ?")
                    .bind(key)
                    .fetch_all(&mut *tx.tx)
                    .await?;
            if let Some((order, chain, Some(fee))) = paid.into_iter().next() {
                super::sqlite_money::network_fee(&mut tx.tx, &order, &chain, key, fee, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn order_mints(&self, order: IntentId) -> Result<Vec<MintAttempt>, StorageError> {
        let sql = format!("{SELECT} WHERE m.order_id = ? ORDER BY m.n");
        let rows: Vec<Row> =
            sqlx::query_as(&sql).bind(order.to_string()).fetch_all(&self.pool).await?;
        rows.into_iter().map(attempt).collect()
    }
}
