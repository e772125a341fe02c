//! Merchants, their tokens and sessions, their collections, and the audit log, as the routes
//! and the CLI see them. Every change a merchant (or the operator) makes is written to the
//! audit log in the same transaction as the change itself.

use async_trait::async_trait;
use vitrine_protocol::merchant::{
    AuditEntry, CollectionPatch, MerchantCollection, NewCollection, Scope,
};
use vitrine_protocol::{Slug, UnixMillis};

use super::StorageError;

/// Who made a change, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The merchant acted for; `None` for the operator acting on the shop as a whole.
    pub merchant_id: Option<i64>,
    /// `token 3` (never the token itself), or `operator` (the CLI).
    pub label: String,
}

impl Actor {
    /// A merchant, through one of its tokens (or a session signed in with it).
    pub fn token(merchant_id: i64, token_id: i64) -> Self {
        Actor { merchant_id: Some(merchant_id), label: format!("token {token_id}") }
    }

    /// The operator, through the CLI, on behalf of `merchant_id`.
    pub fn operator(merchant_id: Option<i64>) -> Self {
        Actor { merchant_id, label: "operator".to_owned() }
    }
}

/// A live token: who it belongs to and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub token_id: i64,
    pub merchant_id: i64,
    pub merchant: String,
    pub scopes: Vec<Scope>,
}

/// A live console session and the token it was signed in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGrant {
    pub grant: TokenGrant,
    pub csrf_token: String,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
}

/// One token as `vitrine merchant list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSummary {
    pub merchant: String,
    pub token_id: i64,
    pub scopes: Vec<Scope>,
    pub created_at: UnixMillis,
    pub revoked_at: Option<UnixMillis>,
}

/// What creating something did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created<T> {
    Created(T),
    /// The name or slug is taken.
    Taken,
}

#[async_trait]
pub trait MerchantStore: Send + Sync + 'static {
    /// A new merchant and its first token (by hash); `Taken` when the name is.
    async fn create_merchant(
        &self,
        name: &str,
        token_hash: [u8; 32],
        scopes: &[Scope],
        now: UnixMillis,
    ) -> Result<Created<i64>, StorageError>;

    /// Another token for an existing merchant; `None` when there is no such merchant.
    async fn add_token(
        &self,
        merchant: &str,
        token_hash: [u8; 32],
        scopes: &[Scope],
        now: UnixMillis,
    ) -> Result<Option<i64>, StorageError>;

    /// Revoke one token of `merchant` (or all of its live ones) and end their sessions; how
    /// many were revoked.
    async fn revoke_tokens(
        &self,
        merchant: &str,
        token_id: Option<i64>,
        now: UnixMillis,
    ) -> Result<u64, StorageError>;

    /// The id of the merchant with this name.
    async fn merchant_id(&self, name: &str) -> Result<Option<i64>, StorageError>;

    /// Every token of every merchant, for the operator.
    async fn tokens(&self) -> Result<Vec<TokenSummary>, StorageError>;

    /// The live (not revoked) token with this hash.
    async fn token(&self, token_hash: [u8; 32]) -> Result<Option<TokenGrant>, StorageError>;

    /// Start a console session for a token.
    async fn start_session(
        &self,
        grant: &TokenGrant,
        id_hash: [u8; 32],
        csrf_token: &str,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<(), StorageError>;

    /// The session with this id hash, if it is live at `now` and its token is not revoked.
    async fn session(
        &self,
        id_hash: [u8; 32],
        now: UnixMillis,
    ) -> Result<Option<SessionGrant>, StorageError>;

    /// Move a live session's end to `expires_at`; false when it is not live.
    async fn renew_session(
        &self,
        id_hash: [u8; 32],
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<bool, StorageError>;

    /// End a session (sign out).
    async fn end_session(
        &self,
        actor: &Actor,
        id_hash: [u8; 32],
        now: UnixMillis,
    ) -> Result<(), StorageError>;

    /// Append an action that changes no stored row (a sandbox control) to the audit log.
    async fn audit_action(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        after: Option<String>,
        now: UnixMillis,
    ) -> Result<(), StorageError>;

    /// The merchant's audit log after `after`, oldest first, at most `limit` entries.
    async fn audit_log(
        &self,
        merchant_id: i64,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StorageError>;
}

/// A merchant's own catalog. Every change writes its audit entry in the same transaction.
#[async_trait]
pub trait MerchantCatalogStore: Send + Sync + 'static {
    /// The merchant's collections, hidden ones too, in display order.
    async fn merchant_collections(
        &self,
        merchant_id: i64,
    ) -> Result<Vec<MerchantCollection>, StorageError>;

    /// A new collection of the actor's merchant (checked by the caller), last in order.
    async fn create_collection(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewCollection,
        now: UnixMillis,
    ) -> Result<Created<MerchantCollection>, StorageError>;

    /// Change a collection of `merchant_id`; `None` when it has none with that slug.
    async fn update_collection(
        &self,
        actor: &Actor,
        merchant_id: i64,
        slug: &Slug,
        patch: &CollectionPatch,
        now: UnixMillis,
    ) -> Result<Option<MerchantCollection>, StorageError>;
}
