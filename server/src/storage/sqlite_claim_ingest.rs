//! The writer's reads and writes about claim vouchers, inside its batch transaction: which of
//! the batch's vouchers are claimed already, who holds orders claimed from their batches (for
//! the per-person limit), and marking vouchers claimed by the batch's new orders. Only run
//! when the batch holds claims, so purchases pay nothing for them. And the settler's one write
//! about vouchers: an order that ends without payment gives its voucher back.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, Transaction};
use vitrine_protocol::signing::PublicKey;
use vitrine_protocol::waitlist::normalise_email;
use vitrine_protocol::{IntentId, UnixMillis};

use super::orders::{ClaimHolder, ClaimedVoucher};
use super::sqlite_orders::{bytes32, in_list};
use super::StorageError;

type Tx = Transaction<'static, Sqlite>;

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("voucher: {what}"))
}

pub(super) async fn figures(
    tx: &mut Tx,
    vouchers: &[(i64, u16)],
) -> Result<(Vec<ClaimedVoucher>, Vec<ClaimHolder>), StorageError> {
    if vouchers.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT batch_id, serial, claimed_at FROM vouchers
         WHERE claimed_at IS NOT NULL AND (batch_id, serial) IN (",
    );
    let mut list = q.separated(", ");
    for (batch, serial) in vouchers {
        list.push("(").push_bind_unseparated(*batch).push_unseparated(", ");
        list.push_bind_unseparated(i64::from(*serial)).push_unseparated(")");
    }
    q.push(")");
    let rows: Vec<(i64, i64, i64)> = q.build_query_as().fetch_all(&mut **tx).await?;
    let claimed = rows
        .into_iter()
        .map(|(batch, serial, at)| {
            let serial = u16::try_from(serial).map_err(|_| corrupt("serial"))?;
            Ok(ClaimedVoucher { batch, serial, at: UnixMillis(at) })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;

    let mut batches: Vec<i64> = vouchers.iter().map(|(b, _)| *b).collect();
    batches.sort_unstable();
    batches.dedup();
    let rows: Vec<(i64, Vec<u8>, Option<String>)> = in_list(
        "SELECT v.batch_id, o.device_key, o.buyer_email FROM vouchers v
         JOIN orders o ON o.id = v.order_id
         WHERE o.state IN ('held', 'paid') AND v.batch_id IN",
        batches.into_iter(),
    )
    .build_query_as()
    .fetch_all(&mut **tx)
    .await?;
    let holders = rows
        .into_iter()
        .map(|(batch, key, email)| {
            Ok(ClaimHolder {
                batch,
                device_key: PublicKey(bytes32("device key", key)?),
                email: email.as_deref().map(normalise_email),
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    Ok((claimed, holders))
}

pub(super) async fn claim(
    tx: &mut Tx,
    claims: &[(i64, u16, IntentId)],
    now: UnixMillis,
) -> Result<(), StorageError> {
    for (batch, serial, order) in claims {
        let done = sqlx::query(
            "UPDATE vouchers SET order_id = ?, claimed_at = ?
             WHERE batch_id = ? AND serial = ? AND order_id IS NULL",
        )
        .bind(order.to_string())
        .bind(now.0)
        .bind(batch)
        .bind(i64::from(*serial))
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            // The admission read it unclaimed under the same write lock: commit nothing.
            return Err(corrupt(&format!("{batch}-{serial} was claimed under the writer")));
        }
    }
    Ok(())
}

/// `order` ended without payment (declined, expired: already written, in this transaction):
/// the voucher it claimed, if any, is claimable again, and the release is kept on record
/// (migration 0020). Not while a charge of it may still be open at its rail (a hold that
/// expired while the card was still deciding): that waits for the void, which calls this
/// again. A purchase claimed none, and this changes nothing.
pub(super) async fn give_back(
    conn: &mut SqliteConnection,
    order: &str,
    now: UnixMillis,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO voucher_releases (batch_id, serial, order_id, claimed_at, released_at)
         SELECT v.batch_id, v.serial, v.order_id, v.claimed_at, ? FROM vouchers v
         JOIN orders o ON o.id = v.order_id
         WHERE v.order_id = ? AND o.state IN ('declined', 'expired')
           AND NOT EXISTS (SELECT 1 FROM settlement_attempts a
                           WHERE a.order_id = v.order_id AND a.kind = 'charge'
                             AND (a.outcome IS NULL OR a.outcome NOT IN ('voided', 'declined')))",
    )
    .bind(now.0)
    .bind(order)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE vouchers SET order_id = NULL, claimed_at = NULL
         WHERE order_id = ?1
           AND EXISTS (SELECT 1 FROM voucher_releases r WHERE r.order_id = ?1
                         AND r.batch_id = vouchers.batch_id AND r.serial = vouchers.serial)",
    )
    .bind(order)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
