//! The life of a paid order, written once: its payment (held → authorized → captured, and
//! declined, expired, refunded, disputed) and its token on a chain (minting → included → final,
//! and reorged → re-minting), and the money each step moves in the ledger. The settler,
//! reconciliation and the receipts all go through [`Flow::apply`]; a step it refuses changes
//! nothing and moves nothing.
//!
//! The money moves are TigerBeetle's two-phase transfers: a sale is a *pending* transfer from
//! the rail's buyer funds to the merchant while the card is only authorized, *posted* on
//! capture and *voided* if the hold runs out; a dispute holds the merchant's money pending
//! until it is won (void) or lost (post); a refund is a posted transfer to refunds.

use vitrine_protocol::UnixMillis;

/// Where the buyer's money stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payment {
    Held,
    Authorized,
    Captured,
    Declined,
    /// The hold ran out before capture; any authorization was voided.
    Expired,
    /// Disputed by the buyer; the amount is frozen at the merchant until decided.
    Disputed,
    /// Refunded in full.
    Refunded,
    /// The dispute was lost: the money went back to the buyer through the rail.
    ChargedBack,
}

/// Where the token stands on its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chain {
    NotMinted,
    /// Submitted, not yet in a block.
    Minting,
    Included {
        confirmations: u32,
        needed: u32,
    },
    Final,
    /// The mint's block was reorged away (or its batch reverted): a re-mint is due.
    Reorged,
}

/// One order's state on both axes, and how much of it was refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flow {
    pub payment: Payment,
    pub chain: Chain,
    pub amount_minor: i64,
    pub refunded_minor: i64,
    /// Refunds so far: each one's transfer is `{order}/refund/{n}`.
    pub refunds: u32,
    /// Disputes so far, the last one open while the payment is disputed.
    pub disputes: u32,
}

/// Something that happened to an order: said by a rail, the mint or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Authorized {
        hold_until: UnixMillis,
    },
    Declined,
    Captured,
    /// The hold ran out (before capture).
    Expired,
    Refunded {
        amount_minor: i64,
    },
    Disputed,
    DisputeWon,
    DisputeLost,
    MintSubmitted,
    MintIncluded {
        confirmations: u32,
        needed: u32,
    },
    MintFinal,
    MintDropped,
}

/// The ledger accounts a step moves money between (per currency; the rail and merchant are
/// the order's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// Buyers' money at the order's rail: it may run negative (it is the outside world).
    BuyerFunds,
    /// What the shop owes the order's merchant: never below zero.
    Merchant,
    /// Money given back to buyers.
    Refunds,
    /// Money lost to disputes.
    Disputes,
}

/// Which of an order's pending transfers a step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pending {
    Sale,
    /// The order's `n`th dispute (a won dispute can be followed by another, as card networks'
    /// pre-arbitration allows).
    Dispute(u32),
}

impl Pending {
    /// The transfer's id suffix: `{order}/sale`, `{order}/dispute/0`. One of each per order,
    /// so writing one twice is refused by the ledger's unique id.
    pub fn suffix(self) -> String {
        match self {
            Pending::Sale => "sale".into(),
            Pending::Dispute(n) => format!("dispute/{n}"),
        }
    }
}

/// A ledger step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Reserve `amount` from `debit` to `credit` until `timeout` (None: no timeout).
    Reserve {
        id: Pending,
        debit: Account,
        credit: Account,
        amount: i64,
        timeout: Option<UnixMillis>,
    },
    /// Post the pending transfer in full.
    Post(Pending),
    /// Release the pending transfer.
    Void(Pending),
    /// Move `amount` at once; `n` tells the order's refunds apart (`{order}/refund/{n}`).
    Transfer { debit: Account, credit: Account, amount: i64, n: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event:?} cannot happen to an order whose payment is {payment:?} and chain {chain:?}")]
pub struct Refused {
    pub payment: Payment,
    pub chain: Chain,
    pub event: Event,
}

impl Flow {
    /// A new order, held in escrow.
    pub fn held(amount_minor: i64) -> Flow {
        Flow {
            payment: Payment::Held,
            chain: Chain::NotMinted,
            amount_minor,
            refunded_minor: 0,
            refunds: 0,
            disputes: 0,
        }
    }

    /// Whether nothing more will happen by itself: the money is decided and, if paid, the
    /// token is final.
    pub fn is_final(&self) -> bool {
        match self.payment {
            Payment::Declined | Payment::Expired | Payment::Refunded | Payment::ChargedBack => true,
            Payment::Captured => self.chain == Chain::Final,
            Payment::Held | Payment::Authorized | Payment::Disputed => false,
        }
    }

    /// Whether a mint should be (re)submitted now.
    pub fn mint_due(&self) -> bool {
        self.payment == Payment::Captured && matches!(self.chain, Chain::NotMinted | Chain::Reorged)
    }

    /// The state after `event`, and the money it moves; refused (nothing changes) when the
    /// event cannot happen now.
    pub fn apply(&self, event: Event) -> Result<(Flow, Vec<Move>), Refused> {
        use Account::*;
        let refused = Refused { payment: self.payment, chain: self.chain, event };
        let mut next = *self;
        let open = self.amount_minor - self.refunded_minor;
        let moves = match (self.payment, event) {
            (Payment::Held, Event::Authorized { hold_until }) => {
                next.payment = Payment::Authorized;
                let amount = self.amount_minor;
                vec![Move::Reserve {
                    id: Pending::Sale,
                    debit: BuyerFunds,
                    credit: Merchant,
                    amount,
                    timeout: Some(hold_until),
                }]
            }
            (Payment::Held, Event::Declined) => {
                next.payment = Payment::Declined;
                vec![]
            }
            (Payment::Held, Event::Expired) => {
                next.payment = Payment::Expired;
                vec![]
            }
            (Payment::Authorized, Event::Captured) => {
                next.payment = Payment::Captured;
                vec![Move::Post(Pending::Sale)]
            }
            (Payment::Authorized, Event::Expired | Event::Declined) => {
                next.payment =
                    if event == Event::Declined { Payment::Declined } else { Payment::Expired };
                vec![Move::Void(Pending::Sale)]
            }
            (Payment::Captured, Event::Refunded { amount_minor })
                if amount_minor > 0 && amount_minor <= open =>
            {
                next.refunded_minor += amount_minor;
                if next.refunded_minor == self.amount_minor {
                    next.payment = Payment::Refunded;
                }
                let n = self.refunds;
                next.refunds += 1;
                vec![Move::Transfer { debit: Merchant, credit: Refunds, amount: amount_minor, n }]
            }
            (Payment::Captured, Event::Disputed) if open > 0 => {
                next.payment = Payment::Disputed;
                next.disputes += 1;
                vec![Move::Reserve {
                    id: Pending::Dispute(self.disputes),
                    debit: Merchant,
                    credit: Disputes,
                    amount: open,
                    timeout: None,
                }]
            }
            (Payment::Disputed, Event::DisputeWon) => {
                next.payment = Payment::Captured;
                vec![Move::Void(self.open_dispute())]
            }
            (Payment::Disputed, Event::DisputeLost) => {
                next.payment = Payment::ChargedBack;
                vec![Move::Post(self.open_dispute())]
            }
            (_, chain_event) => {
                next.chain = self.chain_step(chain_event).ok_or(refused)?;
                vec![]
            }
        };
        Ok((next, moves))
    }

    fn open_dispute(&self) -> Pending {
        Pending::Dispute(self.disputes.saturating_sub(1))
    }

    /// The chain's reports are facts about a mint we submitted, whatever the money did since
    /// (a refund does not unmint); only a new submission depends on the payment.
    fn chain_step(&self, event: Event) -> Option<Chain> {
        match (self.chain, event) {
            (Chain::NotMinted | Chain::Reorged, Event::MintSubmitted) if self.mint_due() => {
                Some(Chain::Minting)
            }
            (
                Chain::Minting | Chain::Included { .. },
                Event::MintIncluded { confirmations, needed },
            ) if confirmations <= needed => Some(Chain::Included { confirmations, needed }),
            (Chain::Included { .. }, Event::MintFinal) => Some(Chain::Final),
            (Chain::Minting | Chain::Included { .. }, Event::MintDropped) => Some(Chain::Reorged),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
