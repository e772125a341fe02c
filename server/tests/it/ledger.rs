//! The schema's own guarantees, tried through SQL: the ledger is append-only.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_ledger_refuses_updates_and_deletes() {
    let app = spawn_app().await;
    let device = app.device().await;
    let intent = device.buy(&app.quote(201).await, 1);
    assert_eq!(app.post_intent(&intent).await.status(), 201);
    // Settlement appends its own row; count once it is done.
    app.wait_for_state(intent.body.id, vitrine_protocol::OrderState::Paid).await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert!(rows >= 1);
    for sql in ["UPDATE ledger SET quantity = 0", "DELETE FROM ledger"] {
        let error = sqlx::query(sql).execute(&app.db).await.unwrap_err();
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(after, rows);
}
