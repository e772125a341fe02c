//! `MerchantStore` on SQLite. Every write goes through the write gate (`begin_write`), so it
//! never waits in SQLite's busy handler behind the order writer, and writes its audit entry
//! in the same transaction.

use async_trait::async_trait;
use sqlx::{FromRow, Sqlite, Transaction};
use vitrine_protocol::merchant::{AuditEntry, Scope};
use vitrine_protocol::UnixMillis;

use super::merchants::{Actor, Created, MerchantStore, SessionGrant, TokenGrant, TokenSummary};
use super::{SqliteStorage, StorageError};

fn scopes(what: &str, stored: &str) -> Result<Vec<Scope>, StorageError> {
    Scope::parse_list(stored)
        .ok_or_else(|| StorageError::Corrupt(format!("{what}: scopes {stored:?}")))
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| StorageError::Corrupt(format!("audit json: {e}")))
}

/// Append one entry to the audit log, inside the caller's transaction.
pub(super) async fn audit(
    tx: &mut Transaction<'static, Sqlite>,
    actor: &Actor,
    action: &str,
    subject: &str,
    before: Option<String>,
    after: Option<String>,
    now: UnixMillis,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO audit_log (merchant_id, actor, action, subject, before, after, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(actor.merchant_id)
    .bind(&actor.label)
    .bind(action)
    .bind(subject)
    .bind(before)
    .bind(after)
    .bind(now.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct GrantRow {
    token_id: i64,
    merchant_id: i64,
    merchant: String,
    scopes: String,
}

impl TryFrom<GrantRow> for TokenGrant {
    type Error = StorageError;

    fn try_from(r: GrantRow) -> Result<Self, StorageError> {
        Ok(TokenGrant {
            scopes: scopes("merchant token", &r.scopes)?,
            token_id: r.token_id,
            merchant_id: r.merchant_id,
            merchant: r.merchant,
        })
    }
}

#[derive(FromRow)]
struct AuditRow {
    seq: i64,
    actor: String,
    action: String,
    subject: String,
    before: Option<String>,
    after: Option<String>,
    at: i64,
}

fn parse_json(text: Option<String>) -> Result<Option<serde_json::Value>, StorageError> {
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| StorageError::Corrupt(format!("audit json: {e}")))
}

#[async_trait]
impl MerchantStore for SqliteStorage {
    async fn create_merchant(
        &self,
        name: &str,
        token_hash: [u8; 32],
        scopes: &[Scope],
        now: UnixMillis,
    ) -> Result<Created<i64>, StorageError> {
        let mut w = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO merchants (name, created_at) VALUES (?1, ?2)
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(now.0)
        .fetch_all(&mut *w.tx)
        .await?
        .into_iter()
        .next();
        let Some(merchant_id) = id else { return Ok(Created::Taken) };
        let actor = Actor::operator(Some(merchant_id));
        audit(&mut w.tx, &actor, "merchant.create", &format!("merchant {name}"), None, None, now)
            .await?;
        let token = insert_token(&mut w.tx, &actor, merchant_id, token_hash, scopes, now).await?;
        w.commit().await?;
        Ok(Created::Created(token))
    }

    async fn add_token(
        &self,
        merchant: &str,
        token_hash: [u8; 32],
        scopes: &[Scope],
        now: UnixMillis,
    ) -> Result<Option<i64>, StorageError> {
        let mut w = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM merchants WHERE name = ?1")
            .bind(merchant)
            .fetch_all(&mut *w.tx)
            .await?
            .into_iter()
            .next();
        let Some(merchant_id) = id else { return Ok(None) };
        let actor = Actor::operator(Some(merchant_id));
        let token = insert_token(&mut w.tx, &actor, merchant_id, token_hash, scopes, now).await?;
        w.commit().await?;
        Ok(Some(token))
    }

    async fn revoke_tokens(
        &self,
        merchant: &str,
        token_id: Option<i64>,
        now: UnixMillis,
    ) -> Result<u64, StorageError> {
        let mut w = self.begin_write().await?;
        let revoked: Vec<(i64, i64)> = sqlx::query_as(
            "UPDATE merchant_tokens SET revoked_at = ?1
             WHERE revoked_at IS NULL
               AND merchant_id = (SELECT id FROM merchants WHERE name = ?2)
               AND (?3 IS NULL OR id = ?3)
             RETURNING id, merchant_id",
        )
        .bind(now.0)
        .bind(merchant)
        .bind(token_id)
        .fetch_all(&mut *w.tx)
        .await?;
        for (token, merchant_id) in &revoked {
            sqlx::query(
                "UPDATE merchant_sessions SET ended_at = ?1
                 WHERE token_id = ?2 AND ended_at IS NULL",
            )
            .bind(now.0)
            .bind(token)
            .execute(&mut *w.tx)
            .await?;
            let actor = Actor::operator(Some(*merchant_id));
            audit(&mut w.tx, &actor, "token.revoke", &format!("token {token}"), None, None, now)
                .await?;
        }
        w.commit().await?;
        Ok(revoked.len() as u64)
    }

    async fn merchant_id(&self, name: &str) -> Result<Option<i64>, StorageError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM merchants WHERE name = ?1")
            .bind(name)
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().next())
    }

    async fn tokens(&self) -> Result<Vec<TokenSummary>, StorageError> {
        let rows: Vec<(String, i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT m.name, t.id, t.scopes, t.created_at, t.revoked_at
             FROM merchant_tokens t JOIN merchants m ON m.id = t.merchant_id
             ORDER BY m.name, t.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(merchant, token_id, stored, created_at, revoked_at)| {
                Ok(TokenSummary {
                    scopes: scopes("merchant token", &stored)?,
                    merchant,
                    token_id,
                    created_at: UnixMillis(created_at),
                    revoked_at: revoked_at.map(UnixMillis),
                })
            })
            .collect()
    }

    async fn token(&self, token_hash: [u8; 32]) -> Result<Option<TokenGrant>, StorageError> {
        let row: Option<GrantRow> = sqlx::query_as(
            "SELECT t.id AS token_id, t.merchant_id, m.name AS merchant, t.scopes
             FROM merchant_tokens t JOIN merchants m ON m.id = t.merchant_id
             WHERE t.token_hash = ?1 AND t.revoked_at IS NULL",
        )
        .bind(&token_hash[..])
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .next();
        row.map(TokenGrant::try_from).transpose()
    }

    async fn start_session(
        &self,
        grant: &TokenGrant,
        id_hash: [u8; 32],
        csrf_token: &str,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut w = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO merchant_sessions (id_hash, token_id, csrf_token, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&id_hash[..])
        .bind(grant.token_id)
        .bind(csrf_token)
        .bind(now.0)
        .bind(expires_at.0)
        .execute(&mut *w.tx)
        .await?;
        let actor = Actor::token(grant.merchant_id, grant.token_id);
        audit(&mut w.tx, &actor, "session.start", "console", None, None, now).await?;
        w.commit().await
    }

    async fn session(
        &self,
        id_hash: [u8; 32],
        now: UnixMillis,
    ) -> Result<Option<SessionGrant>, StorageError> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            grant: GrantRow,
            csrf_token: String,
            created_at: i64,
            expires_at: i64,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT t.id AS token_id, t.merchant_id, m.name AS merchant, t.scopes,
                    s.csrf_token, s.created_at, s.expires_at
             FROM merchant_sessions s
             JOIN merchant_tokens t ON t.id = s.token_id
             JOIN merchants m ON m.id = t.merchant_id
             WHERE s.id_hash = ?1 AND s.ended_at IS NULL AND s.expires_at > ?2
               AND t.revoked_at IS NULL",
        )
        .bind(&id_hash[..])
        .bind(now.0)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .next();
        row.map(|r| {
            Ok(SessionGrant {
                grant: TokenGrant::try_from(r.grant)?,
                csrf_token: r.csrf_token,
                created_at: UnixMillis(r.created_at),
                expires_at: UnixMillis(r.expires_at),
            })
        })
        .transpose()
    }

    async fn renew_session(
        &self,
        id_hash: [u8; 32],
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<bool, StorageError> {
        let mut w = self.begin_write().await?;
        let renewed = sqlx::query(
            "UPDATE merchant_sessions SET expires_at = ?1
             WHERE id_hash = ?2 AND ended_at IS NULL AND expires_at > ?3",
        )
        .bind(expires_at.0)
        .bind(&id_hash[..])
        .bind(now.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected()
            == 1;
        w.commit().await?;
        Ok(renewed)
    }

    async fn end_session(
        &self,
        actor: &Actor,
        id_hash: [u8; 32],
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut w = self.begin_write().await?;
        let ended = sqlx::query(
            "UPDATE merchant_sessions SET ended_at = ?1 WHERE id_hash = ?2 AND ended_at IS NULL",
        )
        .bind(now.0)
        .bind(&id_hash[..])
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if ended == 1 {
            audit(&mut w.tx, actor, "session.end", "console", None, None, now).await?;
        }
        w.commit().await
    }

    async fn audit_action(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        after: Option<String>,
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        audit(&mut tx.tx, actor, action, subject, None, after, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        merchant_id: i64,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT seq, actor, action, subject, before, after, at FROM audit_log
             WHERE merchant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )
        .bind(merchant_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.seq,
                    actor: r.actor,
                    action: r.action,
                    subject: r.subject,
                    before: parse_json(r.before)?,
                    after: parse_json(r.after)?,
                    at: UnixMillis(r.at),
                })
            })
            .collect()
    }
}

async fn insert_token(
    tx: &mut Transaction<'static, Sqlite>,
    actor: &Actor,
    merchant_id: i64,
    token_hash: [u8; 32],
    scopes: &[Scope],
    now: UnixMillis,
) -> Result<i64, StorageError> {
    let joined = Scope::join(scopes);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO merchant_tokens (merchant_id, token_hash, scopes, created_at)
         VALUES (?1, ?2, ?3, ?4) RETURNING id",
    )
    .bind(merchant_id)
    .bind(&token_hash[..])
    .bind(&joined)
    .bind(now.0)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .next()
    .ok_or(sqlx::Error::RowNotFound)?;
    let after = Some(json(&serde_json::json!({ "scopes": scopes }))?);
    audit(tx, actor, "token.create", &format!("token {id}"), None, after, now).await?;
    Ok(id)
}
