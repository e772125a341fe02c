//! Drops as the routes, the storefront and the writer see them: SQL only. Whether a schedule
//! may be approved is decided by the rule the caller passes in (`domain::drops`), run inside
//! the approval's transaction so two approvals cannot both squeeze under a limit.

use async_trait::async_trait;
use vitrine_protocol::drops::allowlist::Hash;
use vitrine_protocol::drops::schedule::{Plan, ShopRules, Veto, Window};
use vitrine_protocol::drops::{DropId, DropInfo};
use vitrine_protocol::merchant::{MerchantDrop, NewDrop};
use vitrine_protocol::{FieldProblem, ItemId, UnixMillis};

use super::merchants::Actor;
use super::StorageError;

/// What a change to a drop came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropChange {
    Done(MerchantDrop),
    /// The merchant has no such drop.
    NotFound,
    /// The request names works or times that cannot be (per field).
    Problems(Vec<FieldProblem>),
    /// The drop has started, ended or was cancelled: it no longer changes.
    Fixed,
    /// The safety rules refused the approval.
    Vetoed(Vec<Veto>),
}

/// The safety rule, decided by the caller: the plan, the shop's other approved drops, the
/// shop's rules.
pub type ApprovalRule<'a> = &'a (dyn Fn(&Plan, &[Window], &ShopRules) -> Vec<Veto> + Sync);

#[async_trait]
pub trait DropStore: Send + Sync + 'static {
    /// A new draft. Every work must be the merchant's, and not in another drop (not
    /// cancelled) whose window overlaps.
    async fn create_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        new: &NewDrop,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError>;

    /// Replace a drop's terms before it starts; an approved drop becomes a draft again.
    async fn replace_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        new: &NewDrop,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError>;

    async fn merchant_drop(
        &self,
        merchant_id: i64,
        id: DropId,
    ) -> Result<Option<MerchantDrop>, StorageError>;

    /// The merchant's drops, by start.
    async fn merchant_drops(&self, merchant_id: i64) -> Result<Vec<MerchantDrop>, StorageError>;

    /// Commit a draft's allowlist (its leaves; the root is computed by the caller).
    async fn set_allowlist(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        leaves: &[Hash],
        root: Hash,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError>;

    /// Approve a draft if `rule` finds nothing against it.
    async fn approve_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        rule: ApprovalRule<'_>,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError>;

    /// Cancel a drop that has not started.
    async fn cancel_drop(
        &self,
        actor: &Actor,
        merchant_id: i64,
        id: DropId,
        now: UnixMillis,
    ) -> Result<DropChange, StorageError>;

    /// What the safety rules need for one of the merchant's drops: its plan, the other
    /// approved drops, the shop's rules.
    async fn schedule_facts(
        &self,
        merchant_id: i64,
        id: DropId,
    ) -> Result<Option<(Plan, Vec<Window>, ShopRules)>, StorageError>;

    async fn shop_rules(&self, merchant_id: i64) -> Result<ShopRules, StorageError>;

    async fn set_shop_rules(
        &self,
        actor: &Actor,
        merchant_id: i64,
        rules: &ShopRules,
        now: UnixMillis,
    ) -> Result<(), StorageError>;

    /// Every approved drop of `items`, as the storefront shows them.
    async fn item_drops(&self, items: &[ItemId]) -> Result<Vec<(ItemId, DropInfo)>, StorageError>;

    /// An approved drop's allowlist leaves and root, for buyers' proofs.
    async fn allowlist(&self, id: DropId) -> Result<Option<(Hash, Vec<Hash>)>, StorageError>;

    /// Add page views to their hour.
    async fn record_visits(&self, hour: i64, visits: i64) -> Result<(), StorageError>;

    /// Per hour since `since`: page views, and purchases (held or paid) of the merchant's
    /// works.
    async fn traffic(
        &self,
        merchant_id: i64,
        since: UnixMillis,
    ) -> Result<Vec<(i64, u64, u64)>, StorageError>;
}
