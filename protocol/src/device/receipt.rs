//! The device's own record of a purchase, and how it reads to the buyer.

use serde::{Deserialize, Serialize};

use crate::signing::{Signature, Signed};
use crate::{Intent, IntentId, ItemId, Money, Order, OrderState, SuggestedAction, UnixMillis};

/// Where a purchase stands, as the buyer sees it on the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Stored on the device, not yet accepted by the server.
    Waiting,
    /// Accepted; stock held while payment settles.
    Held,
    /// Paid.
    Paid,
    /// The stock was gone when the intent arrived; nothing charged.
    Conflict,
    /// The payment was declined; nothing charged.
    Declined,
    /// The hold ran out before payment settled; nothing charged.
    Expired,
    /// The server refused the intent for good; nothing charged.
    Rejected,
}

impl ReceiptStatus {
    /// The words shown on the receipt.
    pub fn label(self) -> &'static str {
        match self {
            ReceiptStatus::Waiting => "Waiting to send",
            ReceiptStatus::Held => "Accepted — stock held",
            ReceiptStatus::Paid => "Paid",
            ReceiptStatus::Conflict => "Needs your attention",
            ReceiptStatus::Declined => "Payment declined — nothing charged",
            ReceiptStatus::Expired => "Hold expired — nothing charged",
            ReceiptStatus::Rejected => "Rejected",
        }
    }

    /// Whether a claim that ended so gave its voucher back (the server's settlement releases
    /// the voucher of an order declined or expired): nothing was paid, and the device may try
    /// the voucher again, as its next attempt.
    pub fn gives_voucher_back(self) -> bool {
        matches!(self, ReceiptStatus::Declined | ReceiptStatus::Expired)
    }

    /// Whether the worker still has something to do for this receipt.
    pub fn is_final(self) -> bool {
        !matches!(self, ReceiptStatus::Waiting | ReceiptStatus::Held)
    }
}

impl From<OrderState> for ReceiptStatus {
    fn from(state: OrderState) -> Self {
        match state {
            OrderState::Held => ReceiptStatus::Held,
            OrderState::Paid => ReceiptStatus::Paid,
            OrderState::Declined => ReceiptStatus::Declined,
            OrderState::Expired => ReceiptStatus::Expired,
            OrderState::Conflict => ReceiptStatus::Conflict,
        }
    }
}

/// The device's own record of a purchase, made before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The intent's id.
    pub id: IntentId,
    /// What was bought.
    pub item: ItemId,
    /// Its title when bought.
    pub title: String,
    /// How many editions.
    pub quantity: u32,
    /// Total at the quoted price.
    pub total: Money,
    /// The device clock when the buyer tapped "Buy".
    pub created_at: UnixMillis,
    /// Where it stands.
    pub status: ReceiptStatus,
    /// Why, for rejections, declines, expiries and conflicts.
    pub reason: Option<String>,
    /// What the buyer may do next (conflicts).
    #[serde(default)]
    pub suggested_actions: Vec<SuggestedAction>,
    /// The device key's signature over the intent: the buyer's proof of what was asked.
    pub signature: Signature,
    /// When the worker last heard from the server about it.
    pub updated_at: Option<UnixMillis>,
    /// Each status the receipt has had and when it began, oldest first: the receipt's
    /// timeline. Receipts saved before this field start empty.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The intent as signed and sent, kept for "Download signed receipt" after the outbox
    /// lets it go. Receipts saved before this field have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Signed<Intent>>,
    /// The server's last answer about the order, word for word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Order>,
    /// For a claim: the voucher's short code (`batch-serial`), as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<String>,
}

/// A status a receipt took on, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub status: ReceiptStatus,
    pub at: UnixMillis,
}

impl Receipt {
    /// A receipt made on the device as its intent or claim is signed: waiting to send, one
    /// step in its timeline.
    pub fn waiting(
        id: IntentId,
        (item, title, quantity): (ItemId, String, u32),
        total: Money,
        signature: Signature,
        now: UnixMillis,
    ) -> Receipt {
        Receipt {
            id,
            item,
            title,
            quantity,
            total,
            created_at: now,
            status: ReceiptStatus::Waiting,
            reason: None,
            suggested_actions: Vec::new(),
            signature,
            updated_at: None,
            steps: vec![Step { status: ReceiptStatus::Waiting, at: now }],
            intent: None,
            answer: None,
            claim_code: None,
        }
    }

    /// Take the server's view of the order.
    pub fn apply(&mut self, order: &Order, now: UnixMillis) {
        self.set_status(order.state.into(), now);
        self.reason = order.reason.clone();
        self.suggested_actions = order.suggested_actions.clone();
        self.answer = Some(order.clone());
    }

    /// Where the money and the token stand, as the server last said.
    pub fn settlement(&self) -> Option<&crate::settlement::Settlement> {
        self.answer.as_ref().and_then(|order| order.settlement.as_ref())
    }

    /// Whether the worker should keep asking the server about this receipt: the order is
    /// held, or paid with its payment or token not yet final.
    pub fn is_followed(&self) -> bool {
        self.status == ReceiptStatus::Held || self.settlement().is_some_and(|s| !s.is_final())
    }

    /// The signed receipt to download, when this device kept the signed intent.
    pub fn file(&self) -> Option<super::ReceiptFile> {
        let intent = self.intent.clone()?;
        Some(super::ReceiptFile::new(intent, self.answer.clone()))
    }

    /// Move to `status` at `now`; a new status is a new step of the timeline.
    pub fn set_status(&mut self, status: ReceiptStatus, now: UnixMillis) {
        if self.steps.last().map(|s| s.status) != Some(status) {
            self.steps.push(Step { status, at: now });
        }
        self.status = status;
        self.updated_at = Some(now);
    }

    /// When the receipt first took on one of `statuses`.
    pub fn reached(&self, statuses: &[ReceiptStatus]) -> Option<UnixMillis> {
        self.steps.iter().find(|s| statuses.contains(&s.status)).map(|s| s.at)
    }

    /// The status in words, with the reason when there is one.
    pub fn status_text(&self) -> String {
        match (&self.status, &self.reason) {
            (ReceiptStatus::Rejected, Some(reason)) => format!("Rejected: {reason}"),
            (status, _) => status.label().to_owned(),
        }
    }
}
