//! The conflicts queue: an order that could not be honoured (nothing was charged) waits for
//! its merchant to decide what the buyer is offered. Each decision is made once, by one click
//! in the console, and is in the audit log.

use serde::{Deserialize, Serialize};

use super::{text, MerchantOrder};
use crate::error::FieldProblem;
use crate::{ItemId, UnixMillis};

/// What a merchant can do about a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolveAction {
    /// Offer the buyer an edition of this work (or of another of the merchant's works) that is
    /// in stock: the buyer's order then suggests it.
    OfferEdition,
    /// Close it as refunded: a conflict never charged anything, so nothing moves; the buyer is
    /// told it is closed.
    Refund,
    /// Put the buyer's email on the work's waitlist.
    Waitlist,
    /// Keep it for a person to look into.
    ManualReview,
}

impl ResolveAction {
    pub const ALL: [ResolveAction; 4] = [
        ResolveAction::OfferEdition,
        ResolveAction::Refund,
        ResolveAction::Waitlist,
        ResolveAction::ManualReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResolveAction::OfferEdition => "offer_edition",
            ResolveAction::Refund => "refund",
            ResolveAction::Waitlist => "waitlist",
            ResolveAction::ManualReview => "manual_review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The console's button.
    pub fn label(self) -> &'static str {
        match self {
            ResolveAction::OfferEdition => "Offer another edition",
            ResolveAction::Refund => "Close as refunded (nothing was charged)",
            ResolveAction::Waitlist => "Add the buyer to the waitlist",
            ResolveAction::ManualReview => "Mark for manual review",
        }
    }

    /// The actions that make sense for `order`: the waitlist needs the buyer's email.
    pub fn suggested(order: &MerchantOrder) -> Vec<ResolveAction> {
        Self::ALL
            .into_iter()
            .filter(|a| *a != ResolveAction::Waitlist || order.email.is_some())
            .collect()
    }
}

/// `POST /api/v1/merchant/orders/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    pub action: ResolveAction,
    /// For `offer_edition`: the work offered (this order's own when absent).
    #[serde(default)]
    pub item: Option<ItemId>,
    /// Why, for the audit log and whoever reviews it.
    #[serde(default)]
    pub note: String,
}

impl Resolve {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        text(&mut out, "note", &self.note, 500, false);
        if self.item.is_some() && self.action != ResolveAction::OfferEdition {
            out.push(FieldProblem::new("item", "only an offer names a work"));
        }
        out
    }
}

/// How a conflict was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub action: ResolveAction,
    /// The work offered (`offer_edition`).
    pub item: Option<ItemId>,
    pub note: String,
    pub at: UnixMillis,
}
