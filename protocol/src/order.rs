//! Orders: the server's record of an intent, as the device sees it.

use serde::{Deserialize, Serialize};

use crate::seal::Seal;
use crate::{IntentId, ItemId, Money, UnixMillis};

/// Where an order stands. Only `Held` can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Accepted; stock is held in escrow while payment settles.
    Held,
    /// Paid; the editions are the buyer's.
    Paid,
    /// The payment was declined; stock released, nothing charged.
    Declined,
    /// Payment did not settle before the hold ran out; stock released, nothing charged.
    Expired,
    /// Recorded but not honoured (the stock was gone, the intent arrived after the offline
    /// window, or it was over the device's offline limit): nothing charged, the buyer chooses
    /// what happens next.
    Conflict,
}

impl OrderState {
    /// Whether the order can no longer change by itself.
    pub fn is_final(self) -> bool {
        !matches!(self, OrderState::Held)
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Held => "held",
            OrderState::Paid => "paid",
            OrderState::Declined => "declined",
            OrderState::Expired => "expired",
            OrderState::Conflict => "conflict",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Held, Self::Paid, Self::Declined, Self::Expired, Self::Conflict]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// What the buyer can do about a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SuggestedAction {
    /// Nothing was charged; nothing to do.
    NothingCharged,
    /// Buy a similar item that is in stock.
    SimilarItem {
        /// The suggestion.
        item: ItemId,
        /// Its title.
        title: String,
    },
    /// Be told when an edition frees up.
    JoinWaitlist,
    /// Buy it again now, at today's price (the first purchase arrived too late to honour).
    BuyAgain {
        /// The item.
        item: ItemId,
    },
    /// Let this device's other purchases settle first, then buy again.
    WaitForPending,
    /// A suggestion this build does not know yet (a newer server's); shown as nothing.
    #[serde(other)]
    Unknown,
}

/// The server's record of one intent, as the device sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The intent's id.
    pub id: IntentId,
    /// Where it stands.
    pub state: OrderState,
    /// What was bought.
    pub item: ItemId,
    /// How many editions.
    pub quantity: u32,
    /// Total at the quoted price.
    pub total: Money,
    /// When the escrow hold ends, while `Held`.
    pub hold_expires_at: Option<UnixMillis>,
    /// Why it ended as it did, in words, for declines, expiries and conflicts.
    pub reason: Option<String>,
    /// What the buyer may do next (conflicts). Not sealed: suggestions reflect today's stock.
    pub suggested_actions: Vec<SuggestedAction>,
    /// When the server said this: the moment it was true. Absent from answers stored before
    /// answers were sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<UnixMillis>,
    /// The server's signature over this answer (see [`crate::seal`]); absent from servers
    /// that did not seal answers yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<Seal>,
    /// Where the money and the token stand, for paid orders. Not sealed: it changes as the
    /// rails report, long after the order's own answer is final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<crate::settlement::Settlement>,
}
