//! The settler's fast paths: a whole pass's attempts, and its approvals, in a few set-wide
//! statements. When one fails, the caller redoes the pass one order per savepoint.

use std::collections::{HashMap, HashSet};

use sqlx::QueryBuilder;
use vitrine_protocol::UnixMillis;

use super::{attempt_key, resolve};
use crate::storage::settlement::{AttemptKind, Resolution, Settled};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::sqlite_money as money;
use crate::storage::StorageError;

/// Statements per chunk: far below SQLite's 32,766 bound parameters.
const CHUNK: usize = 500;

/// The fast path of `open_attempts`: one transaction, one multi-row insert per chunk.
pub(super) async fn open_at_once(
    storage: &SqliteStorage,
    orders: &[&str],
    kind: AttemptKind,
    now: UnixMillis,
) -> Result<Vec<String>, StorageError> {
    let keys: Vec<String> = orders.iter().map(|order| attempt_key(order, kind)).collect();
    let mut tx = storage.begin_write().await?;
    for (orders, keys) in orders.chunks(CHUNK).zip(keys.chunks(CHUNK)) {
        let mut q =
            QueryBuilder::new("INSERT INTO settlement_attempts (key, order_id, kind, started_at) ");
        q.push_values(orders.iter().zip(keys), |mut row, (order, key)| {
            row.push_bind(key.clone())
                .push_bind(order.to_string())
                .push_bind(kind.as_str())
                .push_bind(now.0);
        });
        q.push(" ON CONFLICT (key) DO NOTHING");
        q.build().execute(&mut *tx.tx).await?;
    }
    tx.commit().await?;
    Ok(keys)
}

/// The fast path of `resolve_all`: one transaction; approvals (nearly every outcome) in three
/// statements per chunk, the rest one by one. Any failure rolls it all back and the caller
/// goes order by order.
pub(super) async fn resolve_at_once(
    storage: &SqliteStorage,
    outcomes: &[Settled],
    now: UnixMillis,
) -> Result<Vec<bool>, StorageError> {
    let mut tx = storage.begin_write().await?;
    let mut accounts = money::Accounts::default();
    let mut changed = vec![false; outcomes.len()];
    let paid: Vec<(usize, String, &str, &str)> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.resolution {
            Resolution::Paid { reference } => {
                Some((i, s.order.to_string(), s.attempt.as_str(), reference.as_str()))
            }
            _ => None,
        })
        .collect();
    for chunk in paid.chunks(CHUNK) {
        let mut q = QueryBuilder::new("UPDATE settlement_attempts SET finished_at = ");
        q.push_bind(now.0);
        q.push(", outcome = 'approved', reference = v.column2 FROM (");
        q.push_values(chunk, |mut row, (_, _, key, reference)| {
            row.push_bind(*key).push_bind(*reference);
        });
        q.push(") AS v WHERE settlement_attempts.key = v.column1");
        q.build().execute(&mut *tx.tx).await?;

        let mut q = QueryBuilder::new(
            "UPDATE orders SET state = 'paid', hold_expires_at = NULL, next_settle_at = NULL,
                 settlement_ref = v.column2, updated_at = ",
        );
        q.push_bind(now.0);
        q.push(" FROM (");
        q.push_values(chunk, |mut row, (_, id, _, reference)| {
            row.push_bind(id.as_str()).push_bind(*reference);
        });
        q.push(
            ") AS v WHERE orders.id = v.column1 AND orders.state = 'held'
             RETURNING id, item_id, quantity",
        );
        let captured: Vec<(String, i64, i64)> = q.build_query_as().fetch_all(&mut *tx.tx).await?;
        if captured.is_empty() {
            continue;
        }
        let mut q =
            QueryBuilder::new("INSERT INTO ledger (order_id, kind, item_id, quantity, at) ");
        q.push_values(&captured, |mut row, (id, item, quantity)| {
            row.push_bind(id.as_str())
                .push_bind("capture")
                .push_bind(*item)
                .push_bind(*quantity)
                .push_bind(now.0);
        });
        q.build().execute(&mut *tx.tx).await?;
        // The money, in the same transaction: each order's moves, its accounts looked up once
        // per pass.
        let ids: Vec<&str> = captured.iter().map(|(id, _, _)| id.as_str()).collect();
        let parties = money::parties(&mut tx.tx, &ids).await?;
        let by_id: HashMap<String, &Settled> =
            chunk.iter().map(|(i, id, _, _)| (id.clone(), &outcomes[*i])).collect();
        for parties in &parties {
            if let Some(settled) = by_id.get(&parties.order) {
                money::record(&mut tx.tx, &mut accounts, parties, &settled.moves, now).await?;
            }
        }
        let captured: HashSet<&str> = captured.iter().map(|(id, _, _)| id.as_str()).collect();
        for (i, id, _, _) in chunk {
            changed[*i] = captured.contains(id.as_str());
        }
    }
    for (i, settled) in outcomes.iter().enumerate() {
        if !matches!(settled.resolution, Resolution::Paid { .. }) {
            changed[i] = resolve(&mut tx.tx, settled, now).await?;
        }
    }
    tx.commit().await?;
    Ok(changed)
}
