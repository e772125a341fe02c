//! Claim batches and their vouchers as the merchant routes and the CLI see them: SQL only.
//! The vouchers are signed by the caller's signer (`domain::keys`) inside the transaction
//! that makes the batch, so a batch is never stored without its vouchers.

use async_trait::async_trait;
use vitrine_protocol::claims::{BatchTerms, SignedVoucher};
use vitrine_protocol::merchant::{ClaimBatch, NewClaimBatch, VoucherEntry};
use vitrine_protocol::{ItemId, Money, UnixMillis};

use super::merchants::Actor;
use super::StorageError;

/// Signs voucher `serial` of batch `batch` (for the batch's item and expiry), or `None` when
/// the signing key cannot sign vouchers (its id does not fit one byte).
pub type VoucherSigner<'a> = &'a (dyn Fn(u32, u16) -> Option<SignedVoucher> + Sync);

/// A batch's terms as a claim is checked against them (fixed once made, but for revocation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimTerms {
    /// Whose batch it is: only that merchant's kiosks count as kiosks for it.
    pub merchant_id: i64,
    pub item: ItemId,
    pub price: Money,
    pub created_at: UnixMillis,
    pub revoked_at: Option<UnixMillis>,
    pub per_person_limit: u32,
}

/// What a change to a batch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchChange {
    Done(ClaimBatch),
    /// The merchant has no such batch.
    NotFound,
    /// The work is not the merchant's.
    UnknownItem,
    /// Revoked already.
    AlreadyRevoked,
    /// The signing key cannot sign vouchers.
    CannotSign,
}

#[async_trait]
pub trait ClaimStore: Send + Sync + 'static {
    /// A new batch and its `count` vouchers, each signed by `sign`.
    async fn create_claim_batch(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewClaimBatch,
        sign: VoucherSigner<'_>,
        now: UnixMillis,
    ) -> Result<BatchChange, StorageError>;

    async fn claim_batch(
        &self,
        merchant_id: i64,
        id: i64,
    ) -> Result<Option<ClaimBatch>, StorageError>;

    /// The merchant's batches, newest first.
    async fn claim_batches(&self, merchant_id: i64) -> Result<Vec<ClaimBatch>, StorageError>;

    /// A batch and its vouchers by serial, as codes.
    async fn vouchers(
        &self,
        merchant_id: i64,
        id: i64,
    ) -> Result<Option<(ClaimBatch, Vec<VoucherEntry>)>, StorageError>;

    /// Batch `id`'s terms, whoever's it is (a claim proves it by the voucher's signature).
    async fn claim_terms(&self, id: i64) -> Result<Option<ClaimTerms>, StorageError>;

    /// The public terms of every batch, anyone's, whose vouchers are still claimable at `now`
    /// (revoked ones too), newest first, at most `limit`.
    async fn open_claim_terms(
        &self,
        now: UnixMillis,
        limit: u32,
    ) -> Result<Vec<BatchTerms>, StorageError>;

    async fn revoke_claim_batch(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: i64,
        now: UnixMillis,
    ) -> Result<BatchChange, StorageError>;
}
