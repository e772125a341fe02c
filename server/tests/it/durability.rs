//! Issue 10 §3 and §5: an acknowledged order survives, and a retry gets its first answer.

use vitrine_protocol::{Order, OrderState};
use vitrine_server::domain::keys::Policy;
use vitrine_server::REPLAYED;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_retry_after_a_policy_change_gets_the_first_answer_not_a_new_refusal() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 2);
    let first = app.post_intent(&intent).await;
    assert_eq!(first.status(), 201);
    let body = first.text().await.unwrap();
    // The operator lowers the quantity bound and restarts: verifying again would now refuse
    // this intent for good, and the receipt would wrongly say "nothing charged".
    let restarted =
        app.restarted_with(|c| c.policy = Policy { max_quantity: 1, ..Policy::default() }).await;
    let again = restarted.post_intent(&intent).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()[REPLAYED], "true");
    assert_eq!(again.text().await.unwrap(), body);
}

#[tokio::test]
async fn an_order_lost_by_a_restore_from_backup_is_sent_again_and_exists_once() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    // The backup, taken before the order.
    let backup = app.dir_path().join("db/backup.db");
    sqlx::query(&format!("VACUUM INTO '{}'", backup.display())).execute(&app.db).await.unwrap();
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    // Disaster: the server comes back on the backup. It acknowledged an order it no longer has.
    let restored = app.restarted_on(&format!("sqlite://{}", backup.display())).await;
    let res = restored.get(&format!("/api/v1/orders/{}", intent.body.id)).await;
    assert_eq!(res.status(), 404, "the lost order is reported missing in the error shape");
    // The device kept the full signed intent until the order was final, and sends it again.
    let res = restored.post_intent(&intent).await;
    assert_eq!(res.status(), 201);
    let order: Order = res.json().await.unwrap();
    assert_eq!(order.state, OrderState::Held);
    assert_eq!(restored.post_intent(&intent).await.headers()[REPLAYED], "true");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE id = ?")
        .bind(intent.body.id.to_string())
        .fetch_all(&restored.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(count, 1, "exactly one order");
}

#[tokio::test]
async fn acknowledged_orders_are_on_disk_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let storage = vitrine_server::storage::SqliteStorage::connect(
        &url,
        vitrine_server::storage::Durability::Full,
    )
    .await
    .unwrap();
    // 2 = FULL: every commit is synced before the writer answers.
    assert_eq!(storage.synchronous().await.unwrap(), 2);
    let normal = vitrine_server::storage::SqliteStorage::connect(
        &url,
        vitrine_server::storage::Durability::Normal,
    )
    .await
    .unwrap();
    assert_eq!(normal.synchronous().await.unwrap(), 1);
}
