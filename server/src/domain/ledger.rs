//! The money ledger's rules, as the schema enforces them (migrations/sqlite/0012_money.sql),
//! in memory: double-entry transfers, two-phase pending transfers that post or void at most
//! once, and balance rules on accounts. The property tests of [`crate::domain::order_flow`]
//! run every order's moves through a [`Book`]; storage writes the same moves as rows.

use std::collections::HashMap;

use crate::domain::order_flow::{Account, Move, Pending};

/// One account's four balances, as TigerBeetle keeps them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balance {
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
}

impl Balance {
    /// Credit-normal accounts (merchant, refunds, disputes) may not owe: what is debited,
    /// pending or posted, stays within what was credited and posted.
    fn within_credits(&self) -> bool {
        self.debits_pending + self.debits_posted <= self.credits_posted
    }
}

impl Account {
    /// Whether the account must never run below zero. Buyer funds are the outside world.
    pub fn must_not_owe(self) -> bool {
        !matches!(self, Account::BuyerFunds)
    }

    pub fn code(self) -> &'static str {
        match self {
            Account::BuyerFunds => "buyer_funds",
            Account::Merchant => "merchant",
            Account::Refunds => "refunds",
            Account::Disputes => "disputes",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("the transfer exists")]
    Exists,
    #[error("no such pending transfer")]
    NoPending,
    #[error("the pending transfer is already posted or voided")]
    AlreadyResolved,
    #[error("the {0:?} account would owe")]
    WouldOwe(Account),
    #[error("amounts are never negative")]
    Negative,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    debit: Account,
    credit: Account,
    amount: i64,
    resolved: bool,
}

/// Accounts of one order's world (one merchant, one rail, one currency) and its transfers.
#[derive(Debug, Clone, Default)]
pub struct Book {
    accounts: HashMap<(u64, Account), Balance>,
    pending: HashMap<(u64, Pending), Open>,
    singles: HashMap<(u64, u32), i64>,
}

impl Book {
    pub fn balance(&self, world: u64, account: Account) -> Balance {
        self.accounts.get(&(world, account)).copied().unwrap_or_default()
    }

    /// Sum over every account of debits minus credits, pending and posted apart: both are
    /// zero in a double-entry ledger.
    pub fn imbalance(&self) -> (i64, i64) {
        self.accounts.values().fold((0, 0), |(p, q), b| {
            (p + b.debits_pending - b.credits_pending, q + b.debits_posted - b.credits_posted)
        })
    }

    /// Apply one order's move (`order` names the order; all of an order's accounts are in
    /// `world`), all or nothing.
    pub fn apply(&mut self, world: u64, order: u64, step: Move) -> Result<(), LedgerError> {
        let mut next = self.clone();
        next.apply_in_place(world, order, step)?;
        for ((_, account), balance) in &next.accounts {
            if account.must_not_owe() && !balance.within_credits() {
                return Err(LedgerError::WouldOwe(*account));
            }
        }
        *self = next;
        Ok(())
    }

    fn apply_in_place(&mut self, world: u64, order: u64, step: Move) -> Result<(), LedgerError> {
        match step {
            Move::Reserve { id, debit, credit, amount, .. } => {
                if amount < 0 {
                    return Err(LedgerError::Negative);
                }
                if self.pending.contains_key(&(order, id)) {
                    return Err(LedgerError::Exists);
                }
                self.pending.insert((order, id), Open { debit, credit, amount, resolved: false });
                self.accounts.entry((world, debit)).or_default().debits_pending += amount;
                self.accounts.entry((world, credit)).or_default().credits_pending += amount;
            }
            Move::Post(id) | Move::Void(id) => {
                let open = self.pending.get_mut(&(order, id)).ok_or(LedgerError::NoPending)?;
                if open.resolved {
                    return Err(LedgerError::AlreadyResolved);
                }
                open.resolved = true;
                let Open { debit, credit, amount, .. } = *open;
                let posted = matches!(step, Move::Post(_));
                let d = self.accounts.entry((world, debit)).or_default();
                d.debits_pending -= amount;
                d.debits_posted += if posted { amount } else { 0 };
                let c = self.accounts.entry((world, credit)).or_default();
                c.credits_pending -= amount;
                c.credits_posted += if posted { amount } else { 0 };
            }
            Move::Transfer { debit, credit, amount, n } => {
                if amount < 0 {
                    return Err(LedgerError::Negative);
                }
                if self.singles.insert((order, n), amount).is_some() {
                    return Err(LedgerError::Exists);
                }
                self.accounts.entry((world, debit)).or_default().debits_posted += amount;
                self.accounts.entry((world, credit)).or_default().credits_posted += amount;
            }
        }
        Ok(())
    }
}
