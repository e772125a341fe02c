//! Waitlists of sold-out works, as the routes see them.

use async_trait::async_trait;
use vitrine_protocol::{ItemId, UnixMillis};

use super::StorageError;

/// What joining a waitlist did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// Added now.
    Added(UnixMillis),
    /// The address was already on the list, since then.
    Already(UnixMillis),
    /// No such item.
    NoSuchItem,
}

#[async_trait]
pub trait WaitlistStore: Send + Sync + 'static {
    /// Put `email` (already normalised) on `item`'s waitlist, once.
    async fn join_waitlist(
        &self,
        item: ItemId,
        email: &str,
        now: UnixMillis,
    ) -> Result<Joined, StorageError>;
}
