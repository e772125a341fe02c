//! A merchant's drops: the request that drafts or edits one, the drop as its merchant sees it
//! (with live counters), the allowlist upload, and the scheduling proposals.

use serde::{Deserialize, Serialize};

use super::{text, MAX_TITLE};
use crate::drops::allowlist;
use crate::drops::schedule::{Veto, Window};
use crate::error::FieldProblem;
use crate::merchant::MAX_PRICE_MINOR;
use crate::{ItemId, Money, UnixMillis};

/// Most works in one drop.
pub const MAX_DROP_ITEMS: usize = 50;
/// Highest per-buyer limit.
pub const MAX_PER_BUYER: u32 = 100;

/// One work in a drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropItemInput {
    pub item: ItemId,
    /// Editions sold in the drop (at most the work's stock when approved).
    pub supply: u32,
    /// Price of one edition in the drop.
    pub price: Money,
}

/// `POST /api/v1/merchant/drops` (a draft) and `PUT /api/v1/merchant/drops/{id}` (an edit,
/// which makes an approved drop a draft again until it is re-approved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDrop {
    pub title: String,
    pub starts_at: UnixMillis,
    pub ends_at: UnixMillis,
    pub per_buyer_limit: u32,
    /// Only buyers on the drop's allowlist may buy.
    #[serde(default)]
    pub allowlist: bool,
    pub items: Vec<DropItemInput>,
}

impl NewDrop {
    /// What is wrong with the request on its own (the schedule's safety rules come later,
    /// against the shop's other drops).
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        text(&mut out, "title", &self.title, MAX_TITLE, true);
        if self.ends_at <= self.starts_at {
            out.push(FieldProblem::new("ends_at", "the end comes after the start"));
        }
        if !(1..=MAX_PER_BUYER).contains(&self.per_buyer_limit) {
            out.push(FieldProblem::new("per_buyer_limit", format!("1 to {MAX_PER_BUYER}")));
        }
        if self.items.is_empty() || self.items.len() > MAX_DROP_ITEMS {
            out.push(FieldProblem::new("items", format!("1 to {MAX_DROP_ITEMS} works")));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, it) in self.items.iter().enumerate() {
            if !seen.insert(it.item) {
                out.push(FieldProblem::new(&format!("items[{i}].item"), "a work appears once"));
            }
            if it.supply == 0 || it.supply > 1_000_000 {
                out.push(FieldProblem::new(&format!("items[{i}].supply"), "at least 1"));
            }
            if !(0..=MAX_PRICE_MINOR).contains(&it.price.amount_minor) {
                out.push(FieldProblem::new(
                    &format!("items[{i}].price"),
                    format!("0 to {MAX_PRICE_MINOR} in minor units (cents)"),
                ));
            }
        }
        out
    }

    pub fn window(&self) -> Window {
        Window { starts_at: self.starts_at, ends_at: self.ends_at }
    }
}

/// Where a drop is in its merchant's hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropState {
    /// Not on sale and not shown; may be edited.
    Draft,
    /// Approved by the merchant: shown, and on sale in its window.
    Approved,
    /// Withdrawn before it started.
    Cancelled,
}

impl DropState {
    pub fn as_str(self) -> &'static str {
        match self {
            DropState::Draft => "draft",
            DropState::Approved => "approved",
            DropState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Approved, Self::Cancelled].into_iter().find(|d| d.as_str() == s)
    }
}

/// One work of a drop, with its counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantDropItem {
    pub item: ItemId,
    pub title: String,
    pub supply: u32,
    pub price: Money,
    /// Editions held or paid in the drop.
    pub taken: u32,
    /// The work's stock now.
    pub stock: u32,
}

/// A drop as its merchant sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantDrop {
    pub id: i64,
    pub title: String,
    pub starts_at: UnixMillis,
    pub ends_at: UnixMillis,
    pub per_buyer_limit: u32,
    pub allowlist: bool,
    /// The committed allowlist's root (hex) and size.
    pub allowlist_root: Option<String>,
    pub allowlist_size: u32,
    pub state: DropState,
    pub approved_at: Option<UnixMillis>,
    pub items: Vec<MerchantDropItem>,
    /// Orders of the drop that became conflicts.
    pub conflicts: u32,
}

/// `PUT /api/v1/merchant/drops/{id}/allowlist`: the emails and wallet addresses that may buy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistUpload {
    pub entries: Vec<String>,
}

impl AllowlistUpload {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if self.entries.is_empty() || self.entries.len() > allowlist::MAX_ENTRIES {
            out.push(FieldProblem::new(
                "entries",
                format!("1 to {} emails or wallet addresses", allowlist::MAX_ENTRIES),
            ));
        }
        if let Some(i) =
            self.entries.iter().position(|e| e.trim().is_empty() || e.trim().len() > 320)
        {
            out.push(FieldProblem::new(
                &format!("entries[{i}]"),
                "an email or wallet address of 1 to 320 characters",
            ));
        }
        out
    }

    /// The list's leaves.
    pub fn leaves(&self) -> Vec<allowlist::Hash> {
        self.entries.iter().map(|e| allowlist::leaf(e)).collect()
    }
}

/// A buyer's proof that they are on a drop's allowlist (`GET /api/v1/drops/{id}/allowlist/{leaf}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistProof {
    pub root: String,
    /// Siblings from the leaf to the root, hex.
    pub proof: Vec<String>,
}

/// One proposed start for a drop, with the rules that veto it (none: it may be approved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub window: Window,
    /// The model's score of the start hour (visits + 20 × purchases in that weekday-hour).
    pub score: u64,
    pub vetoes: Vec<Veto>,
}

/// `GET /api/v1/merchant/drops/{id}/proposals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposals {
    /// What made them, in words (the console shows it).
    pub model: String,
    pub proposals: Vec<Proposal>,
}

/// `POST /api/v1/merchant/drops/{id}/approve` when the safety rules refuse: every veto.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vetoed {
    pub vetoes: Vec<Veto>,
}
