//! The money ledger in SQLite: an order's [`Move`]s (decided by domain/order_flow.rs) written
//! as transfers, in the caller's transaction. The schema (0012_money_ledger.sql) keeps the
//! balances and refuses what breaks the ledger's rules. SQL only.

use std::collections::HashMap;

use sqlx::SqliteConnection;
use vitrine_protocol::UnixMillis;

use crate::domain::order_flow::{Account, Flow, Move, Payment, Pending};
use crate::storage::StorageError;

/// Whose money an order moves: its rail, currency, merchant and amount.
#[derive(Debug, Clone)]
pub(super) struct Parties {
    pub order: String,
    pub rail: String,
    pub currency: String,
    pub merchant: i64,
    pub amount_minor: i64,
}

/// Account ids met in this transaction, so a pass of a thousand orders of one merchant looks
/// its accounts up once.
#[derive(Debug, Default)]
pub(super) struct Accounts(HashMap<(Account, String, String), i64>);

/// The parties of `orders` (those that exist), in one query.
pub(super) async fn parties(
    conn: &mut SqliteConnection,
    orders: &[&str],
) -> Result<Vec<Parties>, StorageError> {
    let mut q = sqlx::QueryBuilder::new(
        "SELECT o.id, o.rail, o.currency, c.merchant_id, o.amount_minor FROM orders o
         JOIN items i ON i.id = o.item_id JOIN collections c ON c.id = i.collection_id
         WHERE o.id IN (",
    );
    let mut list = q.separated(", ");
    for id in orders {
        list.push_bind(*id);
    }
    q.push(")");
    let rows: Vec<(String, String, String, Option<i64>, i64)> =
        q.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(order, rail, currency, merchant, amount_minor)| Parties {
            order,
            rail,
            currency,
            // Collections from before merchants existed belong to the shop itself.
            merchant: merchant.unwrap_or(0),
            amount_minor,
        })
        .collect())
}

impl Accounts {
    async fn id(
        &mut self,
        conn: &mut SqliteConnection,
        account: Account,
        parties: &Parties,
    ) -> Result<i64, StorageError> {
        let owner = match account {
            Account::BuyerFunds => parties.rail.clone(),
            Account::Merchant => parties.merchant.to_string(),
            Account::Refunds | Account::Disputes => String::new(),
        };
        let key = (account, owner, parties.currency.clone());
        if let Some(id) = self.0.get(&key) {
            return Ok(*id);
        }
        let (_, owner, currency) = &key;
        sqlx::query(
            "INSERT INTO accounts (code, owner, currency, must_not_owe) VALUES (?, ?, ?, ?)
             ON CONFLICT (code, owner, currency) DO NOTHING",
        )
        .bind(account.code())
        .bind(owner)
        .bind(currency)
        .bind(account.must_not_owe())
        .execute(&mut *conn)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "SELECT id FROM accounts WHERE code = ? AND owner = ? AND currency = ?",
        )
        .bind(account.code())
        .bind(owner)
        .bind(currency)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StorageError::Corrupt(format!("account {key:?} vanished")))?;
        self.0.insert(key, id);
        Ok(id)
    }
}

fn pending_id(order: &str, pending: Pending) -> String {
    format!("{order}/{}", pending.suffix())
}

fn code(pending: Pending) -> &'static str {
    match pending {
        Pending::Sale => "sale",
        Pending::Dispute(_) => "dispute",
    }
}

/// A transfer that moves money at once (no pending phase), between two account ids.
struct Single<'a> {
    id: &'a str,
    debit: i64,
    credit: i64,
    amount: i64,
    code: &'static str,
}

impl Single<'_> {
    async fn write(
        &self,
        conn: &mut SqliteConnection,
        order: &str,
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, order_id,
                 code, at)
             VALUES (?, 'single', ?, ?, ?, ?, ?, ?)",
        )
        .bind(self.id)
        .bind(self.debit)
        .bind(self.credit)
        .bind(self.amount)
        .bind(order)
        .bind(self.code)
        .bind(now.0)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// Write one order's moves. A free order moves no money and writes nothing. Reserving a
/// pending transfer that is already there is a retry and writes nothing more; every other
/// breach of the rules (a second post, a post after a void, a merchant that would owe) is
/// refused by the schema and fails the caller's transaction.
pub(super) async fn record(
    conn: &mut SqliteConnection,
    accounts: &mut Accounts,
    parties: &Parties,
    moves: &[Move],
    now: UnixMillis,
) -> Result<(), StorageError> {
    if parties.amount_minor == 0 {
        return Ok(());
    }
    for step in moves {
        match *step {
            Move::Reserve { id, debit, credit, amount, timeout } => {
                let (debit, credit) = (
                    accounts.id(conn, debit, parties).await?,
                    accounts.id(conn, credit, parties).await?,
                );
                sqlx::query(
                    "INSERT INTO transfers (id, kind, debit_account, credit_account, amount,
                         timeout_at, order_id, code, at)
                     VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                )
                .bind(pending_id(&parties.order, id))
                .bind(debit)
                .bind(credit)
                .bind(amount)
                .bind(timeout.map(|t| t.0))
                .bind(&parties.order)
                .bind(code(id))
                .bind(now.0)
                .execute(&mut *conn)
                .await?;
            }
            Move::Post(id) | Move::Void(id) => {
                let (kind, suffix) =
                    if matches!(step, Move::Post(_)) { ("post", "post") } else { ("void", "void") };
                let pending = pending_id(&parties.order, id);
                let written = sqlx::query(
                    "INSERT INTO transfers (id, kind, debit_account, credit_account, amount,
                         pending_id, order_id, code, at)
                     SELECT ? || '/' || ?, ?, debit_account, credit_account, amount, id,
                         order_id, code, ?
                     FROM transfers WHERE id = ? AND kind = 'pending'",
                )
                .bind(&pending)
                .bind(suffix)
                .bind(kind)
                .bind(now.0)
                .bind(&pending)
                .execute(&mut *conn)
                .await?;
                if written.rows_affected() != 1 {
                    return Err(StorageError::Corrupt(format!("no pending transfer {pending}")));
                }
            }
            Move::Transfer { debit, credit, amount, n } => {
                let (debit, credit) = (
                    accounts.id(conn, debit, parties).await?,
                    accounts.id(conn, credit, parties).await?,
                );
                let id = format!("{}/refund/{n}", parties.order);
                let single = Single { id: &id, debit, credit, amount, code: "refund" };
                single.write(conn, &parties.order, now).await?;
            }
        }
    }
    Ok(())
}

/// Money a rail took for `parties`' order that the ledger never held, and gave back after
/// reconciliation item `item` was decided (`refund`): a correction in (buyer funds → merchant)
/// and one out (merchant → refunds), so the books show what the rail did and the merchant's
/// balance is as before. The order's own sale and refunds are untouched.
pub(super) async fn give_back_untracked(
    conn: &mut SqliteConnection,
    parties: &Parties,
    item: i64,
    amount: i64,
    now: UnixMillis,
) -> Result<(), StorageError> {
    let mut accounts = Accounts::default();
    let legs = [
        ("in", Account::BuyerFunds, Account::Merchant),
        ("out", Account::Merchant, Account::Refunds),
    ];
    // In first: the merchant's account may never owe, not even within the transaction.
    for (leg, debit, credit) in legs {
        let (debit, credit) =
            (accounts.id(conn, debit, parties).await?, accounts.id(conn, credit, parties).await?);
        let id = format!("{}/recon/{item}/{leg}", parties.order);
        let single = Single { id: &id, debit, credit, amount, code: "correction" };
        single.write(conn, &parties.order, now).await?;
    }
    Ok(())
}

/// The network fee of mint `key` (of `order`, on `chain`), written when the chain made it
/// final: the shop's gas on that chain (the outside world: it may run negative) pays the
/// chain's fees (which never owe), in gwei. Written once per mint, however often it is asked.
pub(super) async fn network_fee(
    conn: &mut SqliteConnection,
    order: &str,
    chain: &str,
    key: &str,
    fee_gwei: i64,
    now: UnixMillis,
) -> Result<(), StorageError> {
    if fee_gwei <= 0 {
        return Ok(());
    }
    for (code, must_not_owe) in [("gas", 0), ("fees", 1)] {
        sqlx::query(
            "INSERT INTO accounts (code, owner, currency, must_not_owe) VALUES (?, ?, 'GWEI', ?)
             ON CONFLICT (code, owner, currency) DO NOTHING",
        )
        .bind(code)
        .bind(chain)
        .bind(must_not_owe)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, order_id, code,
             at)
         SELECT ?1, 'single', g.id, f.id, ?2, ?3, 'fee', ?4
         FROM accounts g, accounts f
         WHERE g.code = 'gas' AND g.owner = ?5 AND g.currency = 'GWEI'
           AND f.code = 'fees' AND f.owner = ?5 AND f.currency = 'GWEI'
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(format!("{key}/fee"))
    .bind(fee_gwei)
    .bind(order)
    .bind(now.0)
    .bind(chain)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The order's sale still pending (authorized, not captured), if any: what a release voids.
pub(super) async fn open_sale(
    conn: &mut SqliteConnection,
    order: &str,
) -> Result<bool, StorageError> {
    let open: Vec<i64> = sqlx::query_scalar(
        "SELECT 1 FROM transfers p WHERE p.id = ? AND p.kind = 'pending'
           AND NOT EXISTS (SELECT 1 FROM transfers r WHERE r.pending_id = p.id)",
    )
    .bind(pending_id(order, Pending::Sale))
    .fetch_all(&mut *conn)
    .await?;
    Ok(!open.is_empty())
}

/// An order's payment as its transfers and state tell it (the ledger is the record of what the
/// money did); the token's side is not read here.
pub(super) async fn flow_of(
    conn: &mut SqliteConnection,
    order: &str,
) -> Result<Option<Flow>, StorageError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT amount_minor, state FROM orders WHERE id = ?")
            .bind(order)
            .fetch_all(&mut *conn)
            .await?;
    let Some((amount_minor, state)) = rows.into_iter().next() else { return Ok(None) };
    // (id, kind, amount, resolved_by): every transfer of the order, with how a pending one
    // was resolved.
    let transfers: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT t.id, t.kind, t.amount,
                (SELECT r.kind FROM transfers r WHERE r.pending_id = t.id)
         FROM transfers t WHERE t.order_id = ? ORDER BY t.seq",
    )
    .bind(order)
    .fetch_all(&mut *conn)
    .await?;
    let mut flow = Flow::held(amount_minor);
    let mut sale = None;
    let mut dispute = None;
    for (id, kind, amount, resolved) in &transfers {
        let suffix = id.strip_prefix(order).unwrap_or(id);
        if suffix == "/sale" {
            sale = Some(resolved.clone());
        } else if suffix.starts_with("/dispute/") && kind == "pending" {
            flow.disputes += 1;
            dispute = Some(resolved.clone());
        } else if suffix.starts_with("/refund/") {
            flow.refunds += 1;
            flow.refunded_minor += amount;
        }
    }
    flow.payment = match (state.as_str(), sale, dispute) {
        (_, _, Some(Some(resolved))) if resolved == "post" => Payment::ChargedBack,
        (_, _, Some(None)) => Payment::Disputed,
        (_, Some(Some(resolved)), _) if resolved == "post" => {
            if flow.refunded_minor >= amount_minor && amount_minor > 0 {
                Payment::Refunded
            } else {
                Payment::Captured
            }
        }
        (_, Some(None), _) => Payment::Authorized,
        ("declined", _, _) => Payment::Declined,
        ("expired", _, _) => Payment::Expired,
        // A free order moves no money: paid means captured.
        ("paid", None, _) => Payment::Captured,
        _ => Payment::Held,
    };
    Ok(Some(flow))
}
