//! The orders of a merchant's works and who waits for them, as its console reads them, and
//! the one search box that finds them.

use serde::{Deserialize, Serialize};

use crate::{IntentId, ItemId, Money, OrderState, UnixMillis};

/// An order for one of the merchant's works, as its console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantOrder {
    /// The receipt number (the intent's id).
    pub id: IntentId,
    pub item: ItemId,
    pub title: String,
    pub quantity: u32,
    pub total: Money,
    pub state: OrderState,
    /// The buyer's email, when they gave one.
    pub email: Option<String>,
    pub reason: Option<String>,
    pub created_at: UnixMillis,
    pub updated_at: UnixMillis,
    /// How its merchant resolved it (conflicts only).
    #[serde(default)]
    pub resolution: Option<super::Resolution>,
}

/// One movement of an order's stock, from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// `hold`, `release`, `capture` or `conflict`.
    pub kind: String,
    pub quantity: i64,
    pub at: UnixMillis,
}

/// `GET /api/v1/merchant/orders/{id}`: the order and its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHistory {
    pub order: MerchantOrder,
    pub events: Vec<OrderEvent>,
}

/// One collector waiting for an edition of a work (`GET /api/v1/merchant/items/{id}/waitlist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub email: String,
    pub joined_at: UnixMillis,
}

/// What `GET /api/v1/merchant/orders?q=` searches by: the console's one search box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSearch {
    /// Every order.
    All,
    /// Orders of one work (the query is its number).
    Item(ItemId),
    /// Four digits or more read either way: a work's number, or the end of a receipt number a
    /// buyer reads out (one in forty receipt numbers ends in eight plain digits).
    ItemOrReceipt(ItemId, String),
    /// Orders a buyer placed with this email (compared lower-cased).
    Email(String),
    /// Receipt numbers containing these characters (at least 4 of `0-9`, `a-f` and `-`; the
    /// end of a number is what tells it apart: UUID v7 numbers start with their time).
    Receipt(String),
}

impl OrderSearch {
    /// Read the search box; `None` when it is none of the above.
    pub fn parse(q: &str) -> Option<Self> {
        let q = q.trim();
        if q.is_empty() {
            return Some(OrderSearch::All);
        }
        if let Ok(item) = q.parse::<ItemId>() {
            let digits = q.bytes().all(|b| b.is_ascii_digit());
            return Some(if digits && (4..=36).contains(&q.len()) {
                OrderSearch::ItemOrReceipt(item, q.to_owned())
            } else {
                OrderSearch::Item(item)
            });
        }
        if q.contains('@') {
            return crate::waitlist::is_email(q)
                .then(|| OrderSearch::Email(crate::waitlist::normalise_email(q)));
        }
        let q = q.to_ascii_lowercase();
        let receipt = q.len() >= 4 && q.len() <= 36;
        (receipt && q.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
            .then_some(OrderSearch::Receipt(q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_search_box_takes_a_work_an_email_or_a_receipt_number() {
        assert_eq!(OrderSearch::parse(" "), Some(OrderSearch::All));
        assert_eq!(
            OrderSearch::parse("201").map(|s| matches!(s, OrderSearch::Item(_))),
            Some(true)
        );
        assert_eq!(
            OrderSearch::parse(" Ada@Example.org"),
            Some(OrderSearch::Email("ada@example.org".into()))
        );
        assert_eq!(OrderSearch::parse("01890A5D"), Some(OrderSearch::Receipt("01890a5d".into())));
        assert_eq!(
            OrderSearch::parse("81205133"),
            "81205133".parse().ok().map(|item| OrderSearch::ItemOrReceipt(item, "81205133".into()))
        );
        for bad in ["ada@", "%", "x' OR 1=1 --", "abc"] {
            assert!(OrderSearch::parse(bad).is_none(), "{bad}");
        }
    }
}
