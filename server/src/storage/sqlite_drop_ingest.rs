//! The writer's reads about drops, inside its batch transaction: the approved drops of the
//! batch's works with what each has taken, and what each buyer holds in them. What is taken
//! is counted from the orders themselves (held or paid, with the drop's id), so a released
//! hold gives its editions back to the drop with nothing else to update.

use sqlx::{FromRow, Sqlite, Transaction};
use vitrine_protocol::drops::{DropId, Terms};
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::waitlist::normalise_email;
use vitrine_protocol::{ItemId, Money, UnixMillis};

use super::orders::{DropBuyer, DropRow};
use super::sqlite::currency;
use super::sqlite_orders::{bytes32, in_list};
use super::StorageError;

#[derive(FromRow)]
struct Row {
    id: i64,
    item_id: i64,
    starts_at: i64,
    ends_at: i64,
    price_minor: i64,
    currency: String,
    per_buyer_limit: i64,
    allowlist_root: Option<Vec<u8>>,
    supply: i64,
    taken: i64,
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("drop: {what}"))
}

pub(super) async fn drops_of(
    tx: &mut Transaction<'static, Sqlite>,
    items: &[ItemId],
) -> Result<Vec<DropRow>, StorageError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = in_list(
        "SELECT d.id, di.item_id, d.starts_at, d.ends_at, di.price_minor, di.currency,
                d.per_buyer_limit, d.allowlist_root, di.supply,
                (SELECT coalesce(sum(o.quantity), 0) FROM orders o
                 WHERE o.drop_id = d.id AND o.item_id = di.item_id
                   AND o.state IN ('held', 'paid')) AS taken
         FROM drop_items di JOIN drops d ON d.id = di.drop_id
         WHERE d.state = 'approved' AND di.item_id IN",
        items.iter().map(|i| i.get()),
    );
    let rows: Vec<Row> = q.build_query_as().fetch_all(&mut **tx).await?;
    rows.into_iter()
        .map(|r| {
            Ok(DropRow {
                id: r.id,
                item: ItemId::try_from(r.item_id).map_err(|_| corrupt("item"))?,
                terms: Terms {
                    starts_at: UnixMillis(r.starts_at),
                    ends_at: UnixMillis(r.ends_at),
                    price: Money { amount_minor: r.price_minor, currency: currency(&r.currency)? },
                    per_buyer_limit: u32::try_from(r.per_buyer_limit)
                        .map_err(|_| corrupt("limit"))?,
                },
                allowlist_root: r
                    .allowlist_root
                    .map(|b| bytes32("allowlist root", b))
                    .transpose()?,
                supply: r.supply,
                taken: r.taken,
            })
        })
        .collect()
}

pub(super) async fn buyers_of(
    tx: &mut Transaction<'static, Sqlite>,
    drops: &[DropId],
) -> Result<Vec<DropBuyer>, StorageError> {
    if drops.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = in_list(
        "SELECT drop_id, device_key, buyer_email, sum(quantity) FROM orders
         WHERE state IN ('held', 'paid') AND drop_id IN",
        drops.iter().copied(),
    );
    q.push(" GROUP BY drop_id, device_key, buyer_email");
    let rows: Vec<(i64, Vec<u8>, Option<String>, i64)> =
        q.build_query_as().fetch_all(&mut **tx).await?;
    rows.into_iter()
        .map(|(drop, key, email, quantity)| {
            Ok(DropBuyer {
                drop,
                device_key: PublicKey(bytes32("device key", key)?),
                email: email.as_deref().map(normalise_email),
                quantity,
            })
        })
        .collect()
}
