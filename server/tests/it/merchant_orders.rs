//! Issue 12: a merchant finds the orders of its works by receipt number, buyer email or work,
//! and reads one's history; other merchants' orders do not exist for it.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use vitrine_protocol::merchant::{MerchantOrder, OrderHistory, Scope};
use vitrine_protocol::{ErrorCode, OrderState};
use vitrine_server::domain::settlement::SandboxCard;

use crate::helpers::spawn_app;
use crate::merchants::{bearer, call, code, merchant};

#[tokio::test]
async fn orders_are_found_by_receipt_number_email_or_work_and_only_by_their_merchant() {
    let app = spawn_app().await;
    let demo = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let demo_catalog_only = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Orders]).await);
    let device = app.device().await;
    let mut intent = device.intent(&app.quote(201).await, 1, SandboxCard::APPROVE);
    intent.buyer.email = Some("Ada@Example.org".into());
    // A number ending in eight plain digits (one in forty do): read out, it looks like a work's
    // number too, and must still find the order.
    let id = intent.id.to_string();
    intent.id = format!("{}81205133", &id[..id.len() - 8]).parse().unwrap();
    let paid = device.sign(intent);
    assert_eq!(app.post_intent(&paid).await.status(), 201);
    let other = device.buy(&app.quote(202).await, 2);
    assert_eq!(app.post_intent(&other).await.status(), 201);
    app.wait_for_state(paid.body.id, OrderState::Paid).await;

    let find = |q: String| {
        let demo = demo.clone();
        let app = &app;
        async move {
            let res = call(
                app,
                Method::GET,
                &format!("/api/v1/merchant/orders?q={q}"),
                Some(&demo),
                None,
            )
            .await;
            assert_eq!(res.status(), 200, "{q}");
            res.json::<Vec<MerchantOrder>>().await.unwrap()
        }
    };
    assert_eq!(find(String::new()).await.len(), 2);
    // The end of the number, as a buyer reads it out (UUID v7 numbers start with their time).
    let number = paid.body.id.to_string();
    for end in [&number[number.len() - 8..], &number[number.len() - 12..]] {
        let by_receipt = find(end.to_uppercase()).await;
        assert_eq!(by_receipt.iter().map(|o| o.id).collect::<Vec<_>>(), [paid.body.id], "{end}");
    }
    let by_email = find("ada%40example.org".into()).await;
    assert_eq!(by_email.iter().map(|o| o.id).collect::<Vec<_>>(), [paid.body.id]);
    assert_eq!(by_email[0].email.as_deref(), Some("Ada@Example.org"));
    let by_work = find("202".into()).await;
    assert_eq!((by_work.len(), by_work[0].quantity), (1, 2));
    let res =
        call(&app, Method::GET, "/api/v1/merchant/orders?state=paid", Some(&demo), None).await;
    let paid_only: Vec<MerchantOrder> = res.json().await.unwrap();
    assert!(paid_only.iter().all(|o| o.state == OrderState::Paid) && !paid_only.is_empty());

    let path = format!("/api/v1/merchant/orders/{}", paid.body.id);
    let history: OrderHistory =
        call(&app, Method::GET, &path, Some(&demo), None).await.json().await.unwrap();
    let kinds: Vec<&str> = history.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["hold", "capture"]);

    // Another merchant: nothing there; a token without the orders scope: refused.
    let theirs: Vec<Value> = call(&app, Method::GET, "/api/v1/merchant/orders", Some(&rival), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty());
    assert_eq!(
        code(call(&app, Method::GET, &path, Some(&rival), None).await).await,
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let res = call(&app, Method::GET, &path, Some(&demo_catalog_only), None).await;
    assert_eq!(code(res).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    assert_eq!(
        code(call(&app, Method::GET, &path, None, None).await).await.1,
        ErrorCode::Unauthorized
    );

    // What the search box cannot be is said per field; it never reaches SQL as text.
    for (query, field) in [("q=%25", "q"), ("q=x'%20OR%201=1", "q"), ("state=lost", "state")] {
        let res =
            call(&app, Method::GET, &format!("/api/v1/merchant/orders?{query}"), Some(&demo), None)
                .await;
        assert_eq!(res.status(), 422, "{query}");
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["fields"][0]["field"], field);
    }
    let res =
        call(&app, Method::GET, "/api/v1/merchant/orders?sort=price", Some(&demo), None).await;
    assert_eq!(code(res).await.1, ErrorCode::BadRequest);
    let res =
        call(&app, Method::GET, "/api/v1/merchant/orders/not-a-receipt", Some(&demo), None).await;
    assert_eq!(code(res).await.1, ErrorCode::BadRequest);
}

#[tokio::test]
async fn a_merchant_reads_who_waits_for_its_sold_out_work_and_nobody_else_does() {
    let app = spawn_app().await;
    let demo = bearer(&merchant(&app, "demo", &[Scope::Orders]).await);
    let demo_catalog_only = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let rival = bearer(&merchant(&app, "rival", &[Scope::Orders]).await);
    for email in ["ada@example.org", " Bo@Example.org "] {
        let res = app
            .client
            .post(app.url("/api/v1/items/105/waitlist"))
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let path = "/api/v1/merchant/items/105/waitlist";
    let list: Vec<Value> =
        call(&app, Method::GET, path, Some(&demo), None).await.json().await.unwrap();
    let emails: Vec<&str> = list.iter().filter_map(|w| w["email"].as_str()).collect();
    assert_eq!(emails, ["ada@example.org", "bo@example.org"]);
    assert_eq!(
        code(call(&app, Method::GET, path, Some(&rival), None).await).await.1,
        ErrorCode::NotFound
    );
    assert_eq!(
        code(call(&app, Method::GET, path, Some(&demo_catalog_only), None).await).await.1,
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(call(&app, Method::GET, path, None, None).await).await.1,
        ErrorCode::Unauthorized
    );
    let res = call(&app, Method::GET, "/api/v1/merchant/items/0/waitlist", Some(&demo), None).await;
    assert_eq!(code(res).await.1, ErrorCode::BadRequest);
}
