//! `ClaimStore` on SQLite: a batch and its vouchers in one transaction through the write gate,
//! with the audit entry beside them.

use async_trait::async_trait;
use sqlx::{FromRow, Sqlite, Transaction};
use vitrine_protocol::claims::{last_millisecond, BatchTerms, SignedVoucher, Voucher};
use vitrine_protocol::merchant::{ClaimBatch, NewClaimBatch, VoucherEntry};
use vitrine_protocol::signing::Signature;
use vitrine_protocol::{ItemId, Money, UnixMillis};

use super::claims::{BatchChange, ClaimStore, ClaimTerms, VoucherSigner};
use super::merchants::Actor;
use super::sqlite::currency;
use super::sqlite_merchants::{audit, json};
use super::{SqliteStorage, StorageError};

type Tx = Transaction<'static, Sqlite>;

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("claim batch: {what}"))
}

#[derive(FromRow)]
struct BatchRow {
    id: i64,
    item_id: i64,
    title: String,
    count: i64,
    price_minor: i64,
    currency: String,
    expires_at: i64,
    per_person_limit: i64,
    created_at: i64,
    revoked_at: Option<i64>,
    claimed: i64,
}

impl BatchRow {
    fn into_batch(self) -> Result<ClaimBatch, StorageError> {
        let int = |n: i64, what| u32::try_from(n).map_err(|_| corrupt(what));
        Ok(ClaimBatch {
            id: self.id,
            item: ItemId::try_from(self.item_id).map_err(|_| corrupt("item"))?,
            title: self.title,
            count: int(self.count, "count")?,
            price: Money { amount_minor: self.price_minor, currency: currency(&self.currency)? },
            expires_at: UnixMillis(self.expires_at.saturating_mul(1000)),
            per_person_limit: int(self.per_person_limit, "limit")?,
            created_at: UnixMillis(self.created_at),
            revoked_at: self.revoked_at.map(UnixMillis),
            claimed: int(self.claimed, "claimed")?,
        })
    }
}

const BATCH_SELECT: &str = "SELECT b.id, b.item_id, i.title, b.count, b.price_minor, b.currency,
        b.expires_at, b.per_person_limit, b.created_at, b.revoked_at,
        (SELECT count(*) FROM vouchers v WHERE v.batch_id = b.id AND v.order_id IS NOT NULL)
            AS claimed
    FROM claim_batches b JOIN items i ON i.id = b.item_id
    WHERE b.merchant_id = ?";

async fn one(tx: &mut Tx, merchant_id: i64, id: i64) -> Result<Option<ClaimBatch>, StorageError> {
    let sql = format!("{BATCH_SELECT} AND b.id = ?");
    let rows: Vec<BatchRow> =
        sqlx::query_as(&sql).bind(merchant_id).bind(id).fetch_all(&mut **tx).await?;
    rows.into_iter().next().map(BatchRow::into_batch).transpose()
}

#[derive(FromRow)]
struct VoucherRow {
    serial: i64,
    key_id: i64,
    nonce: Vec<u8>,
    signature: Vec<u8>,
    claimed_at: Option<i64>,
}

#[async_trait]
impl ClaimStore for SqliteStorage {
    async fn create_claim_batch(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewClaimBatch,
        sign: VoucherSigner<'_>,
        now: UnixMillis,
    ) -> Result<BatchChange, StorageError> {
        let mut w = self.begin_write().await?;
        let mine: Vec<i64> = sqlx::query_scalar(
            "SELECT i.id FROM items i JOIN collections c ON c.id = i.collection_id
             WHERE c.merchant_id = ? AND i.id = ?",
        )
        .bind(merchant_id)
        .bind(new.item.get())
        .fetch_all(&mut *w.tx)
        .await?;
        if mine.is_empty() {
            return Ok(BatchChange::UnknownItem);
        }
        let expires_s = new.expires_at.0.div_euclid(1000);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO claim_batches (merchant_id, item_id, count, price_minor, currency,
                expires_at, per_person_limit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             RETURNING id",
        )
        .bind(merchant_id)
        .bind(new.item.get())
        .bind(i64::from(new.count))
        .bind(new.price.amount_minor)
        .bind(new.price.currency.code())
        .bind(expires_s)
        .bind(i64::from(new.per_person_limit))
        .bind(now.0)
        .fetch_all(&mut *w.tx)
        .await?
        .into_iter()
        .next()
        .ok_or(sqlx::Error::RowNotFound)?;
        let batch = u32::try_from(id).map_err(|_| corrupt("more than 2^32 batches"))?;
        for serial in 1..=new.count {
            let serial = u16::try_from(serial).map_err(|_| corrupt("serial"))?;
            let Some(signed) = sign(batch, serial) else {
                return Ok(BatchChange::CannotSign);
            };
            sqlx::query(
                "INSERT INTO vouchers (batch_id, serial, key_id, nonce, signature)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(i64::from(serial))
            .bind(i64::from(signed.voucher.key_id))
            .bind(signed.voucher.nonce.as_slice())
            .bind(signed.signature.0.as_slice())
            .execute(&mut *w.tx)
            .await?;
        }
        let made = one(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let subject = format!("claim batch {id}");
        audit(&mut w.tx, actor, "claims.create", &subject, None, Some(json(&made)?), now).await?;
        w.commit().await?;
        Ok(BatchChange::Done(made))
    }

    async fn claim_batch(
        &self,
        merchant_id: i64,
        id: i64,
    ) -> Result<Option<ClaimBatch>, StorageError> {
        let mut tx = self.pool.begin().await?;
        one(&mut tx, merchant_id, id).await
    }

    async fn claim_batches(&self, merchant_id: i64) -> Result<Vec<ClaimBatch>, StorageError> {
        let sql = format!("{BATCH_SELECT} ORDER BY b.id DESC");
        let rows: Vec<BatchRow> =
            sqlx::query_as(&sql).bind(merchant_id).fetch_all(&self.pool).await?;
        rows.into_iter().map(BatchRow::into_batch).collect()
    }

    async fn vouchers(
        &self,
        merchant_id: i64,
        id: i64,
    ) -> Result<Option<(ClaimBatch, Vec<VoucherEntry>)>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let Some(batch) = one(&mut tx, merchant_id, id).await? else {
            return Ok(None);
        };
        let rows: Vec<VoucherRow> = sqlx::query_as(
            "SELECT serial, key_id, nonce, signature, claimed_at FROM vouchers
             WHERE batch_id = ? ORDER BY serial",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let batch_no = u32::try_from(id).map_err(|_| corrupt("id"))?;
        let item = u32::try_from(batch.item.get()).map_err(|_| corrupt("item"))?;
        let expires_at = u32::try_from(batch.expires_at.0 / 1000).map_err(|_| corrupt("expiry"))?;
        let entries = rows
            .into_iter()
            .map(|r| {
                let voucher = Voucher {
                    key_id: u8::try_from(r.key_id).map_err(|_| corrupt("key id"))?,
                    batch: batch_no,
                    serial: u16::try_from(r.serial).map_err(|_| corrupt("serial"))?,
                    item,
                    expires_at,
                    nonce: r.nonce.try_into().map_err(|_| corrupt("nonce"))?,
                };
                let signature =
                    Signature(r.signature.try_into().map_err(|_| corrupt("signature"))?);
                let signed = SignedVoucher { voucher, signature };
                Ok(VoucherEntry {
                    serial: voucher.serial,
                    code: signed.code(),
                    short_code: voucher.short_code(),
                    claimed_at: r.claimed_at.map(UnixMillis),
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(Some((batch, entries)))
    }

    async fn claim_terms(&self, id: i64) -> Result<Option<ClaimTerms>, StorageError> {
        let rows: Vec<(i64, i64, i64, String, i64, Option<i64>, i64)> = sqlx::query_as(
            "SELECT merchant_id, item_id, price_minor, currency, created_at, revoked_at,
                per_person_limit
             FROM claim_batches WHERE id = ?",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .next()
            .map(|(merchant_id, item, price_minor, code, created_at, revoked_at, limit)| {
                Ok(ClaimTerms {
                    merchant_id,
                    item: ItemId::try_from(item).map_err(|_| corrupt("item"))?,
                    price: Money { amount_minor: price_minor, currency: currency(&code)? },
                    created_at: UnixMillis(created_at),
                    revoked_at: revoked_at.map(UnixMillis),
                    per_person_limit: u32::try_from(limit).map_err(|_| corrupt("limit"))?,
                })
            })
            .transpose()
    }

    async fn open_claim_terms(
        &self,
        now: UnixMillis,
        limit: u32,
    ) -> Result<Vec<BatchTerms>, StorageError> {
        // `expires_at` is the last claimable second: a batch is open through its end.
        let rows: Vec<(i64, i64, i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, item_id, price_minor, currency, expires_at, revoked_at
             FROM claim_batches WHERE expires_at >= ? ORDER BY id DESC LIMIT ?",
        )
        .bind(now.0.div_euclid(1000))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, item, price_minor, code, expires_at, revoked_at)| {
                let expires_at = u32::try_from(expires_at).map_err(|_| corrupt("expiry"))?;
                Ok(BatchTerms {
                    batch: u32::try_from(id).map_err(|_| corrupt("id"))?,
                    item: ItemId::try_from(item).map_err(|_| corrupt("item"))?,
                    price: Money { amount_minor: price_minor, currency: currency(&code)? },
                    expires_at: last_millisecond(expires_at),
                    revoked_at: revoked_at.map(UnixMillis),
                })
            })
            .collect()
    }

    async fn revoke_claim_batch(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: i64,
        now: UnixMillis,
    ) -> Result<BatchChange, StorageError> {
        let mut w = self.begin_write().await?;
        let Some(before) = one(&mut w.tx, merchant_id, id).await? else {
            return Ok(BatchChange::NotFound);
        };
        if before.revoked_at.is_some() {
            return Ok(BatchChange::AlreadyRevoked);
        }
        sqlx::query("UPDATE claim_batches SET revoked_at = ? WHERE id = ?")
            .bind(now.0)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let after = one(&mut w.tx, merchant_id, id).await?.ok_or_else(|| corrupt("vanished"))?;
        let subject = format!("claim batch {id}");
        audit(
            &mut w.tx,
            actor,
            "claims.revoke",
            &subject,
            Some(json(&before)?),
            Some(json(&after)?),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(BatchChange::Done(after))
    }
}
