//! Reading drops on SQLite: a merchant's drops with their counters, the storefront's view,
//! allowlists, shop rules and traffic.

use std::collections::HashMap;

use sqlx::{FromRow, SqliteConnection};
use vitrine_protocol::drops::allowlist::{self, Hash};
use vitrine_protocol::drops::schedule::{AllowlistState, Plan, ShopRules, Window};
use vitrine_protocol::drops::{DropId, DropInfo};
use vitrine_protocol::merchant::{DropState, MerchantDrop, MerchantDropItem};
use vitrine_protocol::{ItemId, Money, UnixMillis};

use super::sqlite::currency;
use super::sqlite_orders::{bytes32, in_list};
use super::StorageError;

pub(super) fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("drop: {what}"))
}

#[derive(FromRow)]
struct DropRow {
    id: i64,
    title: String,
    starts_at: i64,
    ends_at: i64,
    per_buyer_limit: i64,
    allowlist: bool,
    allowlist_root: Option<Vec<u8>>,
    state: String,
    approved_at: Option<i64>,
}

#[derive(FromRow)]
struct ItemRow {
    drop_id: i64,
    item_id: i64,
    title: String,
    supply: i64,
    price_minor: i64,
    currency: String,
    stock: i64,
    taken: i64,
}

fn count(n: i64, what: &str) -> Result<u32, StorageError> {
    u32::try_from(n).map_err(|_| corrupt(what))
}

/// Editions of a drop's work held or paid, as a SQL expression over `di` (drop_items).
pub(super) const TAKEN: &str = "(SELECT coalesce(sum(o.quantity), 0) FROM orders o
    WHERE o.drop_id = di.drop_id AND o.item_id = di.item_id AND o.state IN ('held', 'paid'))";

/// The merchant's drops (or just `only`), by start, with their works and counters.
pub(super) async fn merchant_drops(
    conn: &mut SqliteConnection,
    merchant_id: i64,
    only: Option<DropId>,
) -> Result<Vec<MerchantDrop>, StorageError> {
    let drops: Vec<DropRow> = sqlx::query_as(
        "SELECT id, title, starts_at, ends_at, per_buyer_limit, allowlist, allowlist_root, state,
                approved_at
         FROM drops WHERE merchant_id = ?1 AND (?2 IS NULL OR id = ?2)
         ORDER BY starts_at, id",
    )
    .bind(merchant_id)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    let items: Vec<ItemRow> = sqlx::query_as(&format!(
        "SELECT di.drop_id, di.item_id, i.title, di.supply, di.price_minor, di.currency, i.stock,
                {TAKEN} AS taken
         FROM drop_items di JOIN drops d ON d.id = di.drop_id JOIN items i ON i.id = di.item_id
         WHERE d.merchant_id = ?1 AND (?2 IS NULL OR d.id = ?2)
         ORDER BY di.drop_id, di.item_id"
    ))
    .bind(merchant_id)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    let counts =
        |sql: &'static str| sqlx::query_as::<_, (i64, i64)>(sql).bind(merchant_id).bind(only);
    let conflicts: HashMap<i64, i64> = counts(
        "SELECT o.drop_id, count(*) FROM orders o JOIN drops d ON d.id = o.drop_id
         WHERE d.merchant_id = ?1 AND (?2 IS NULL OR d.id = ?2) AND o.state = 'conflict'
         GROUP BY o.drop_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let listed: HashMap<i64, i64> = counts(
        "SELECT a.drop_id, count(*) FROM drop_allowlist a JOIN drops d ON d.id = a.drop_id
         WHERE d.merchant_id = ?1 AND (?2 IS NULL OR d.id = ?2) GROUP BY a.drop_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let mut by_drop: HashMap<i64, Vec<MerchantDropItem>> = HashMap::new();
    for r in items {
        by_drop.entry(r.drop_id).or_default().push(MerchantDropItem {
            item: ItemId::try_from(r.item_id).map_err(|_| corrupt("item"))?,
            title: r.title,
            supply: count(r.supply, "supply")?,
            price: Money { amount_minor: r.price_minor, currency: currency(&r.currency)? },
            taken: count(r.taken, "taken")?,
            stock: count(r.stock, "stock")?,
        });
    }
    drops
        .into_iter()
        .map(|d| {
            Ok(MerchantDrop {
                id: d.id,
                title: d.title,
                starts_at: UnixMillis(d.starts_at),
                ends_at: UnixMillis(d.ends_at),
                per_buyer_limit: count(d.per_buyer_limit, "limit")?,
                allowlist: d.allowlist,
                allowlist_root: d
                    .allowlist_root
                    .map(|b| bytes32("allowlist root", b).map(|h| allowlist::to_hex(&h)))
                    .transpose()?,
                allowlist_size: count(listed.get(&d.id).copied().unwrap_or(0), "listed")?,
                state: DropState::parse(&d.state).ok_or_else(|| corrupt("state"))?,
                approved_at: d.approved_at.map(UnixMillis),
                items: by_drop.remove(&d.id).unwrap_or_default(),
                conflicts: count(conflicts.get(&d.id).copied().unwrap_or(0), "conflicts")?,
            })
        })
        .collect()
}

#[derive(FromRow)]
struct InfoRow {
    item_id: i64,
    id: i64,
    title: String,
    starts_at: i64,
    ends_at: i64,
    price_minor: i64,
    currency: String,
    supply: i64,
    taken: i64,
    per_buyer_limit: i64,
    allowlist_root: Option<Vec<u8>>,
}

/// Every approved drop of `items`, as the storefront shows it.
pub(super) async fn item_drops(
    conn: &mut SqliteConnection,
    items: &[ItemId],
) -> Result<Vec<(ItemId, DropInfo)>, StorageError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = in_list(
        &format!(
            "SELECT di.item_id, d.id, d.title, d.starts_at, d.ends_at, di.price_minor,
                    di.currency, di.supply, {TAKEN} AS taken, d.per_buyer_limit, d.allowlist_root
             FROM drop_items di JOIN drops d ON d.id = di.drop_id
             WHERE d.state = 'approved' AND di.item_id IN"
        ),
        items.iter().map(|i| i.get()),
    );
    let rows: Vec<InfoRow> = q.build_query_as().fetch_all(conn).await?;
    rows.into_iter()
        .map(|r| {
            let supply = count(r.supply, "supply")?;
            let info = DropInfo {
                id: r.id,
                title: r.title,
                starts_at: UnixMillis(r.starts_at),
                ends_at: UnixMillis(r.ends_at),
                price: Money { amount_minor: r.price_minor, currency: currency(&r.currency)? },
                supply,
                remaining: supply.saturating_sub(count(r.taken, "taken")?),
                per_buyer_limit: count(r.per_buyer_limit, "limit")?,
                allowlist_root: r
                    .allowlist_root
                    .map(|b| bytes32("allowlist root", b).map(|h| allowlist::to_hex(&h)))
                    .transpose()?,
            };
            Ok((ItemId::try_from(r.item_id).map_err(|_| corrupt("item"))?, info))
        })
        .collect()
}

/// An approved drop's committed allowlist: its root and leaves.
pub(super) async fn allowlist_of(
    conn: &mut SqliteConnection,
    id: DropId,
) -> Result<Option<(Hash, Vec<Hash>)>, StorageError> {
    let root: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT allowlist_root FROM drops
         WHERE id = ?1 AND state = 'approved' AND allowlist_root IS NOT NULL",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .next();
    let Some(root) = root else { return Ok(None) };
    let leaves: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT leaf FROM drop_allowlist WHERE drop_id = ?")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let leaves = leaves.into_iter().map(|l| bytes32("leaf", l)).collect::<Result<_, _>>()?;
    Ok(Some((bytes32("allowlist root", root)?, leaves)))
}

/// The merchant's scheduling limits, or the defaults.
pub(super) async fn shop_rules(
    conn: &mut SqliteConnection,
    merchant_id: i64,
) -> Result<ShopRules, StorageError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT rules FROM shop_rules WHERE merchant_id = ?")
            .bind(merchant_id)
            .fetch_all(conn)
            .await?
            .into_iter()
            .next();
    match stored {
        Some(json) => serde_json::from_str(&json).map_err(|_| corrupt("shop rules")),
        None => Ok(ShopRules::default()),
    }
}

/// Per hour since `since`: page views, and held or paid purchases of the merchant's works.
pub(super) async fn traffic(
    conn: &mut SqliteConnection,
    merchant_id: i64,
    since: UnixMillis,
) -> Result<Vec<(i64, u64, u64)>, StorageError> {
    const HOUR_MS: i64 = 3_600_000;
    let mut hours: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
    let visits: Vec<(i64, i64)> =
        sqlx::query_as("SELECT hour, visits FROM traffic_hours WHERE hour >= ?")
            .bind(since.0 / HOUR_MS)
            .fetch_all(&mut *conn)
            .await?;
    for (hour, n) in visits {
        hours.entry(hour).or_default().0 = u64::try_from(n).unwrap_or(0);
    }
    let purchases: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT o.created_at / ?3, count(*) FROM orders o
         JOIN items i ON i.id = o.item_id JOIN collections c ON c.id = i.collection_id
         WHERE c.merchant_id = ?1 AND o.created_at >= ?2 AND o.state IN ('held', 'paid')
         GROUP BY 1",
    )
    .bind(merchant_id)
    .bind(since.0)
    .bind(HOUR_MS)
    .fetch_all(conn)
    .await?;
    for (hour, n) in purchases {
        hours.entry(hour).or_default().1 = u64::try_from(n).unwrap_or(0);
    }
    Ok(hours.into_iter().map(|(h, (v, p))| (h, v, p)).collect())
}

/// The plan of `drop`, the merchant's other approved drops, and its rules.
pub(super) async fn facts(
    conn: &mut SqliteConnection,
    merchant_id: i64,
    drop: &MerchantDrop,
) -> Result<(Plan, Vec<Window>, ShopRules), StorageError> {
    let others: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM drops
         WHERE merchant_id = ? AND state = 'approved' AND id != ?",
    )
    .bind(merchant_id)
    .bind(drop.id)
    .fetch_all(&mut *conn)
    .await?;
    let others = others
        .into_iter()
        .map(|(s, e)| Window { starts_at: UnixMillis(s), ends_at: UnixMillis(e) })
        .collect();
    let allowlist = match (drop.allowlist, &drop.allowlist_root) {
        (false, _) => AllowlistState::Open,
        (true, Some(_)) => AllowlistState::Committed,
        (true, None) => AllowlistState::Missing,
    };
    let plan = Plan {
        window: Window { starts_at: drop.starts_at, ends_at: drop.ends_at },
        supply: drop.items.iter().map(|i| (i.supply, i.stock)).collect(),
        allowlist,
    };
    Ok((plan, others, shop_rules(conn, merchant_id).await?))
}
