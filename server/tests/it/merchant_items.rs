//! Issue 12: a merchant's items. Made awaiting their original, which is uploaded as multipart,
//! checked by its bytes (JPEG, PNG, WebP; size; dimensions), turned into variants in the
//! background and served by the running server; every bad upload refused per field with
//! nothing stored; other merchants' items absent.

use std::io::Cursor;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use vitrine_protocol::merchant::{ImageState, MerchantItem, Scope};
use vitrine_protocol::{ErrorCode, Item};

use crate::helpers::{spawn_app, TestApp};
use crate::merchants::{audit_rows, bearer, call, code, merchant, spring};

const ITEMS: &str = "/api/v1/merchant/items";

fn tide() -> Value {
    json!({
        "collection": "spring-prints", "title": "Tide", "artist": "R. Ames",
        "alt": "Blue ink waves over a pale sand ground", "edition_size": 5,
        "price": { "amount_minor": 5400, "currency": "EUR" },
    })
}

fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

async fn upload(
    app: &TestApp,
    auth: &str,
    id: u64,
    field: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new().part(field.to_owned(), Part::bytes(bytes).file_name("work.bin"));
    app.client
        .put(app.url(&format!("{ITEMS}/{id}/original")))
        .header("authorization", auth)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A shop with a collection; the merchant's bearer header and a new item's id.
async fn shop_with_item(app: &TestApp) -> (String, u64) {
    let auth = bearer(&merchant(app, "atelier", &[Scope::Catalog, Scope::Admin]).await);
    let res =
        call(app, Method::POST, "/api/v1/merchant/collections", Some(&auth), Some(spring())).await;
    assert_eq!(res.status(), 201);
    let res = call(app, Method::POST, ITEMS, Some(&auth), Some(tide())).await;
    assert_eq!(res.status(), 201);
    let item: MerchantItem = res.json().await.unwrap();
    (auth, item.id.get() as u64)
}

async fn item(app: &TestApp, auth: &str, id: u64) -> MerchantItem {
    call(app, Method::GET, &format!("{ITEMS}/{id}"), Some(auth), None).await.json().await.unwrap()
}

#[tokio::test]
async fn an_uploaded_original_becomes_variants_the_running_server_serves() {
    let app = spawn_app().await;
    let (auth, id) = shop_with_item(&app).await;
    let made = item(&app, &auth, id).await;
    assert_eq!((made.image, made.stock, made.hidden), (ImageState::Awaiting, 5, false));
    // Not on show without a picture.
    assert_eq!(app.get(&format!("/api/v1/items/{id}")).await.status(), 404);

    let res = upload(&app, &auth, id, "original", picture(900, 600, image::ImageFormat::Png)).await;
    assert_eq!(res.status(), 202);
    let accepted: MerchantItem = res.json().await.unwrap();
    assert_eq!(accepted.image, ImageState::Processing);
    app.wait_until("the image worker to finish", || async {
        item(&app, &auth, id).await.image != ImageState::Processing
    })
    .await;
    assert_eq!(item(&app, &auth, id).await.image, ImageState::Ready);

    // On show, with responsive variants the server found without a restart.
    let shown: Item = app.get(&format!("/api/v1/items/{id}")).await.json().await.unwrap();
    let picture = shown.summary.picture.clone().expect("variants");
    assert_eq!((picture.width, picture.height), (900, 600));
    for url in [
        shown.summary.thumb.url.clone(),
        picture.url(picture.widths[0], vitrine_protocol::ImageFormat::Webp, false),
    ] {
        assert_eq!(app.get(&url).await.status(), 200, "{url}");
    }
    assert_variant_behind_img(&app, id).await;
    let gallery: Value = app.get("/api/v1/collections/spring-prints").await.json().await.unwrap();
    assert_eq!(gallery["items"][0]["title"], "Tide");

    let log: Vec<Value> = call(&app, Method::GET, "/api/v1/merchant/audit", Some(&auth), None)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.ends_with(&["collection.create", "item.create", "item.upload"]), "{actions:?}");
    assert_eq!(log.last().unwrap()["after"]["width"], 900);

    // Hidden: off the storefront; its picture still answers for old receipts.
    let hide = json!({ "hidden": true });
    let res = call(&app, Method::PATCH, &format!("{ITEMS}/{id}"), Some(&auth), Some(hide)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/items/{id}")).await.status(), 404);
    assert_variant_behind_img(&app, id).await;
}

/// `/img/{id}` redirects to one of the item's variants, which is there.
async fn assert_variant_behind_img(app: &TestApp, id: u64) {
    let res = app.get(&format!("/img/{id}")).await;
    assert_eq!(res.status(), 200);
    assert!(res.url().path().starts_with(&format!("/media/v/{id}-")), "{}", res.url());
}

#[tokio::test]
async fn every_bad_upload_is_refused_per_field_and_stores_nothing() {
    let app = spawn_app().await;
    let (auth, id) = shop_with_item(&app).await;
    let rival = bearer(&merchant(&app, "rival", &[Scope::Catalog]).await);
    let orders_only = bearer(&merchant(&app, "atelier", &[Scope::Orders]).await);
    let originals = app.dir_path().join("media/originals");
    let files_before = std::fs::read_dir(&originals).map(|d| d.count()).unwrap_or(0);
    let audit_before = audit_rows(&app).await;
    let png = picture(400, 300, image::ImageFormat::Png);
    let mut truncated = png.clone();
    truncated.truncate(40);
    for (what, field, bytes) in [
        ("an SVG", "original", b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec()),
        ("a text file", "original", b"just words".to_vec()),
        ("a damaged PNG", "original", truncated),
        ("a thumbnail-sized image", "original", picture(100, 100, image::ImageFormat::Png)),
        ("the wrong field", "image", png.clone()),
    ] {
        let res = upload(&app, &auth, id, field, bytes).await;
        assert_eq!(res.status(), 422, "{what}");
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["code"], "invalid_fields", "{what}");
        assert_eq!(error["fields"][0]["field"], "original", "{what}");
    }
    let huge = vec![0xFFu8; vitrine_protocol::merchant::MAX_ORIGINAL_BYTES + 1];
    let res = upload(&app, &auth, id, "original", huge).await;
    assert_eq!(code(res).await, (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge));
    let not_multipart =
        call(&app, Method::PUT, &format!("{ITEMS}/{id}/original"), Some(&auth), Some(json!({})))
            .await;
    assert_eq!(code(not_multipart).await, (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody));

    // Credentials and ownership first: nothing is read for a stranger.
    for (auth, expected) in [
        (rival.as_str(), (StatusCode::NOT_FOUND, ErrorCode::NotFound)),
        (orders_only.as_str(), (StatusCode::FORBIDDEN, ErrorCode::Forbidden)),
        ("Bearer nope", (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)),
    ] {
        assert_eq!(code(upload(&app, auth, id, "original", png.clone()).await).await, expected);
    }
    assert_eq!(std::fs::read_dir(&originals).map(|d| d.count()).unwrap_or(0), files_before);
    assert_eq!(audit_rows(&app).await, audit_before);
    assert_eq!(item(&app, &auth, id).await.image, ImageState::Awaiting);
}

#[tokio::test]
async fn bad_items_are_refused_per_field_and_another_merchants_items_do_not_exist() {
    let app = spawn_app().await;
    let (auth, id) = shop_with_item(&app).await;
    let rival = bearer(&merchant(&app, "rival", &[Scope::Catalog]).await);
    let before = audit_rows(&app).await;
    let bad = json!({
        "collection": "spring-prints", "title": "Tide", "artist": "", "alt": " ",
        "edition_size": 0, "price": { "amount_minor": -5, "currency": "EUR" },
    });
    let res = call(&app, Method::POST, ITEMS, Some(&auth), Some(bad)).await;
    let error: Value = res.json().await.unwrap();
    let fields: Vec<&str> =
        error["fields"].as_array().unwrap().iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["artist", "alt", "edition_size", "price"]);
    let mut elsewhere = tide();
    elsewhere["collection"] = json!("quiet-grids");
    let res = call(&app, Method::POST, ITEMS, Some(&auth), Some(elsewhere)).await;
    assert_eq!(code(res).await, (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields));
    let mut dollars = tide();
    dollars["price"]["currency"] = json!("XBT");
    let res = call(&app, Method::POST, ITEMS, Some(&auth), Some(dollars)).await;
    assert_eq!(code(res).await, (StatusCode::BAD_REQUEST, ErrorCode::MalformedBody));

    for (method, path) in
        [(Method::GET, format!("{ITEMS}/{id}")), (Method::PATCH, format!("{ITEMS}/{id}"))]
    {
        let res = call(&app, method, &path, Some(&rival), Some(json!({ "hidden": true }))).await;
        assert_eq!(code(res).await, (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    }
    let res = call(
        &app,
        Method::GET,
        "/api/v1/merchant/collections/spring-prints/items",
        Some(&rival),
        None,
    )
    .await;
    assert_eq!(code(res).await.1, ErrorCode::NotFound);
    // The demo's works are the demo merchant's.
    let res = call(
        &app,
        Method::PATCH,
        &format!("{ITEMS}/101"),
        Some(&auth),
        Some(json!({ "title": "Mine" })),
    )
    .await;
    assert_eq!(code(res).await.1, ErrorCode::NotFound);
    assert_eq!(audit_rows(&app).await, before);

    let listed: Vec<MerchantItem> = call(
        &app,
        Method::GET,
        "/api/v1/merchant/collections/spring-prints/items",
        Some(&auth),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(listed.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(), ["Tide"]);
    let repriced = json!({ "price": { "amount_minor": 6000, "currency": "EUR" } });
    let res =
        call(&app, Method::PATCH, &format!("{ITEMS}/{id}"), Some(&auth), Some(repriced)).await;
    let changed: MerchantItem = res.json().await.unwrap();
    assert_eq!(changed.price.amount_minor, 6000);
}

#[tokio::test]
async fn a_hidden_work_is_not_for_sale_even_with_a_quote_from_before() {
    let app = spawn_app().await;
    let demo = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let device = app.device().await;
    let quote = app.quote(201).await;
    let stock = app.stock(201).await;
    let hide = json!({ "hidden": true });
    let res = call(&app, Method::PATCH, &format!("{ITEMS}/201"), Some(&demo), Some(hide)).await;
    assert_eq!(res.status(), 200);
    let order: vitrine_protocol::Order =
        app.post_intent(&device.buy(&quote, 1)).await.json().await.unwrap();
    assert_eq!(order.state, vitrine_protocol::OrderState::Conflict);
    assert_eq!(app.stock(201).await, stock, "nothing taken");
    // Suggestions never point at hidden works either.
    let res = call(
        &app,
        Method::PATCH,
        &format!("{ITEMS}/202"),
        Some(&demo),
        Some(json!({ "hidden": true })),
    )
    .await;
    assert_eq!(res.status(), 200);
    let again: vitrine_protocol::Order =
        app.post_intent(&device.buy(&quote, 1)).await.json().await.unwrap();
    let hidden_suggested = again.suggested_actions.iter().any(|a| {
        matches!(a, vitrine_protocol::SuggestedAction::SimilarItem { item, .. } if item.get() == 202)
    });
    assert!(!hidden_suggested, "{:?}", again.suggested_actions);
}
