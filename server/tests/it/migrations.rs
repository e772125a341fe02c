//! Migration 0018 rebuilds the money ledger's two tables to widen their CHECKs (gas and fee
//! accounts in gwei, fee transfers): every account, balance and transfer comes through as it
//! was, ids and sequence included, and the ledger's rules hold on the rebuilt tables.
//! Migration 0020 gives back the vouchers of claims that had failed before it.

use std::borrow::Cow;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;

const REBUILT: i64 = 18;

type Account = (i64, String, String, String, i64, i64, i64, i64, i64);
type Transfer =
    (i64, String, String, i64, i64, i64, Option<String>, Option<i64>, Option<String>, String, i64);

async fn accounts(db: &SqlitePool) -> Vec<Account> {
    sqlx::query_as(
        "SELECT id, code, owner, currency, must_not_owe, debits_pending, debits_posted,
                credits_pending, credits_posted FROM accounts ORDER BY id",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

async fn transfers(db: &SqlitePool) -> Vec<Transfer> {
    sqlx::query_as(
        "SELECT seq, id, kind, debit_account, credit_account, amount, pending_id, timeout_at,
                order_id, code, at FROM transfers ORDER BY seq",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

async fn run(db: &SqlitePool, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(db).await.map(|_| ())
}

/// A database migrated up to (not including) `version`, with foreign keys as asked.
async fn migrated_before(dir: &tempfile::TempDir, version: i64, foreign_keys: bool) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("before.db"))
        .create_if_missing(true)
        .foreign_keys(foreign_keys);
    let db = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
    let mut before = sqlx::migrate!("migrations/sqlite");
    let earlier: Vec<_> =
        before.migrations.iter().filter(|m| m.version < version).cloned().collect();
    before.migrations = Cow::Owned(earlier);
    before.run(&db).await.unwrap();
    db
}

#[tokio::test]
async fn the_ledger_rebuild_keeps_every_account_balance_and_transfer_and_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let db = migrated_before(&dir, REBUILT, true).await;
    // A ledger as 0012 kept it: a captured sale, a refund, a sale still pending.
    for sql in [
        "INSERT INTO accounts (code, owner, currency, must_not_owe)
         VALUES ('buyer_funds', 'sandbox-card', 'EUR', 0), ('merchant', '1', 'EUR', 1),
                ('refunds', '', 'EUR', 1)",
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, timeout_at, code, at)
         VALUES ('a/sale', 'pending', 1, 2, 3000, 99, 'sale', 1)",
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, pending_id, code, at)
         VALUES ('a/sale/post', 'post', 1, 2, 3000, 'a/sale', 'sale', 2)",
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
         VALUES ('a/refund/0', 'single', 2, 3, 500, 'refund', 3)",
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, timeout_at, code, at)
         VALUES ('b/sale', 'pending', 1, 2, 1000, 99, 'sale', 4)",
    ] {
        run(&db, sql).await.unwrap();
    }
    let (kept_accounts, kept_transfers) = (accounts(&db).await, transfers(&db).await);
    let sequence = || async {
        sqlx::query_scalar::<_, i64>("SELECT seq FROM sqlite_sequence WHERE name = 'transfers'")
            .fetch_all(&db)
            .await
            .unwrap()
    };
    let kept_sequence = sequence().await;
    assert_eq!(kept_accounts[1].5..=kept_accounts[1].8, 0..=3000, "merchant as 0012 kept it");

    sqlx::migrate!("migrations/sqlite").run(&db).await.unwrap();
    assert_eq!(accounts(&db).await, kept_accounts);
    assert_eq!(transfers(&db).await, kept_transfers);
    assert_eq!(sequence().await, kept_sequence, "the sequence goes on from where it was");
    let legacy: Vec<i64> =
        sqlx::query_scalar("PRAGMA legacy_alter_table").fetch_all(&db).await.unwrap();
    assert_eq!(legacy, [0], "the connection is left as it was found");
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transfers'
           AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(indexes, ["transfers_by_order", "transfers_resolve_once"]);
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name LIKE '%_0012'")
            .fetch_all(&db)
            .await
            .unwrap();
    assert!(tables.is_empty(), "{tables:?}");

    // The rules hold on the rebuilt tables: balances follow, a post resolves once, history is
    // never edited, one currency per transfer, a fee is in gwei.
    run(&db, "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, pending_id, code, at)
              VALUES ('b/sale/post', 'post', 1, 2, 1000, 'b/sale', 'sale', 5)")
        .await
        .unwrap();
    let merchant = &accounts(&db).await[1];
    assert_eq!((merchant.5, merchant.6, merchant.7, merchant.8), (0, 500, 0, 4000));
    let seq: Vec<i64> = sqlx::query_scalar("SELECT seq FROM transfers WHERE id = 'b/sale/post'")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(seq[0] > kept_transfers.last().unwrap().0, "the sequence goes on");
    for refused in [
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, pending_id, code, at)
         VALUES ('b/sale/void', 'void', 1, 2, 1000, 'b/sale', 'sale', 6)",
        "UPDATE transfers SET amount = 1 WHERE id = 'a/refund/0'",
        "DELETE FROM accounts WHERE id = 3",
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
         VALUES ('c/refund/0', 'single', 2, 3, 999999, 'refund', 7)",
        "INSERT INTO accounts (code, owner, currency, must_not_owe) VALUES ('fees', 'sandbox-l2', 'EUR', 1)",
        "INSERT INTO accounts (code, owner, currency, must_not_owe) VALUES ('merchant', '2', 'GWEI', 1)",
    ] {
        assert!(run(&db, refused).await.is_err(), "{refused}");
    }
    run(
        &db,
        "INSERT INTO accounts (code, owner, currency, must_not_owe)
              VALUES ('gas', 'sandbox-l2', 'GWEI', 0), ('fees', 'sandbox-l2', 'GWEI', 1)",
    )
    .await
    .unwrap();
    let mixed = "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
                 VALUES ('m/fee', 'single', 4, 2, 10, 'fee', 8)";
    assert!(run(&db, mixed).await.is_err(), "gwei never mixes with euros");
    run(
        &db,
        "INSERT INTO transfers (id, kind, debit_account, credit_account, amount, code, at)
              VALUES ('m/mint/0/fee', 'single', 4, 5, 630000, 'fee', 9)",
    )
    .await
    .unwrap();
    let fees = &accounts(&db).await[4];
    assert_eq!((fees.1.as_str(), fees.8), ("fees", 630_000));
}

#[tokio::test]
async fn vouchers_of_claims_that_failed_before_0020_are_given_back_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    // Only the tables the rule reads: orders, their charges, vouchers.
    let db = migrated_before(&dir, 20, false).await;
    let order = |id: &str, state: &str| {
        format!(
            "INSERT INTO orders (id, request_hash, device_key, item_id, quantity, amount_minor,
               currency, rail, payment_token, device_time, state, hold_expires_at,
               response_status, response_body, created_at, updated_at)
             VALUES ('{id}', zeroblob(32), zeroblob(32), 101, 1, 500, 'EUR', 'sandbox-card', '',
               0, '{state}', {hold}, 201, '{{}}', 0, 0)",
            hold = if state == "held" { "1" } else { "NULL" },
        )
    };
    let voucher = |serial: u16, order: &str| {
        format!(
            "INSERT INTO vouchers (batch_id, serial, key_id, nonce, signature, order_id, claimed_at)
             VALUES (1, {serial}, 1, zeroblob(4), zeroblob(64), '{order}', 7)"
        )
    };
    let charge = |order: &str, outcome: &str| {
        format!(
            "INSERT INTO settlement_attempts (key, order_id, kind, started_at, outcome)
             VALUES ('{order}/charge', '{order}', 'charge', 0, '{outcome}')"
        )
    };
    for sql in [
        order("declined", "declined"),
        charge("declined", "declined"),
        voucher(1, "declined"),
        // Expired while its card was still deciding: waits for the void.
        order("expired-open", "expired"),
        charge("expired-open", "pending"),
        voucher(2, "expired-open"),
        order("expired-voided", "expired"),
        charge("expired-voided", "voided"),
        voucher(3, "expired-voided"),
        order("paid", "paid"),
        charge("paid", "approved"),
        voucher(4, "paid"),
        order("held", "held"),
        voucher(5, "held"),
    ] {
        run(&db, &sql).await.unwrap();
    }
    sqlx::migrate!("migrations/sqlite").run(&db).await.unwrap();

    let released: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT serial, order_id, claimed_at FROM voucher_releases ORDER BY serial")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(released, [(1, "declined".into(), 7), (3, "expired-voided".into(), 7)]);
    let holders: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT serial, order_id FROM vouchers ORDER BY serial")
            .fetch_all(&db)
            .await
            .unwrap();
    let held = |s: &str| Some(s.to_owned());
    assert_eq!(
        holders,
        [(1, None), (2, held("expired-open")), (3, None), (4, held("paid")), (5, held("held"))]
    );
}
