use reqwest::header::{ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use serde_json::Value;
use vitrine_protocol::{ApiError, Collection, CollectionDetail, ErrorCode, Item};

use crate::helpers::spawn_app;

async fn error_of(res: reqwest::Response) -> (StatusCode, ApiError) {
    let status = res.status();
    let body: ApiError = res.json().await.expect("error body has the one JSON shape");
    (status, body)
}

#[tokio::test]
async fn lists_collections_then_details_then_items() {
    let app = spawn_app().await;
    let list: Vec<Collection> = app.get("/api/v1/collections").await.json().await.unwrap();
    assert_eq!(list.len(), 4);
    let first = &list[0];
    assert_eq!(first.slug.as_str(), "tidal-glass");
    assert!(first.cover.is_some() && first.cover_alt.is_some());

    let detail: CollectionDetail =
        app.get(&format!("/api/v1/collections/{}", first.slug)).await.json().await.unwrap();
    assert_eq!(detail.items.len() as u32, first.item_count);
    let summary = &detail.items[0];

    let item: Item = app.get(&format!("/api/v1/items/{}", summary.id)).await.json().await.unwrap();
    assert_eq!(&item.summary, summary);
    assert_eq!(item.collection, first.slug);
    assert!(item.original.width >= 2000);
}

#[tokio::test]
async fn etag_round_trip_gives_304_without_body() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/collections/orbit-studies").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let tag = res.headers()[ETAG].clone();

    let again = app
        .client
        .get(app.url("/api/v1/collections/orbit-studies"))
        .header(IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], tag);
    assert!(again.bytes().await.unwrap().is_empty());

    let other = app
        .client
        .get(app.url("/api/v1/collections/quiet-grids"))
        .header(IF_NONE_MATCH, tag)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK, "another resource's tag does not match");
}

#[tokio::test]
async fn unknown_things_are_404_not_found() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/collections/no-such-thing",
        "/api/v1/items/999999",
        "/api/v2/collections",
        "/api/v1/nothing",
    ] {
        let (status, body) = error_of(app.get(path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body.code, ErrorCode::NotFound, "{path}");
        assert!(!body.message.is_empty());
    }
}

#[tokio::test]
async fn malformed_paths_and_queries_are_400_bad_request() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/items/abc",
        "/api/v1/items/0",
        "/api/v1/items/-5",
        "/api/v1/items/99999999999999999999999",
        "/api/v1/items/1.5",
        "/api/v1/collections/UPPER",
        "/api/v1/collections/has%20space",
        "/api/v1/collections/%FF%FE",
        "/api/v1/collections/-dash",
        "/api/v1/collections?limit=abc",
        "/api/v1/collections/tidal-glass?sort=price",
        "/api/v1/items/101?fields=%FF",
    ] {
        let (status, body) = error_of(app.get(path).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(body.code, ErrorCode::BadRequest, "{path}");
    }
}

#[tokio::test]
async fn wrong_method_gets_the_json_error_shape() {
    let app = spawn_app().await;
    let res = app.client.post(app.url("/api/v1/collections")).send().await.unwrap();
    let (status, body) = error_of(res).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body.code, ErrorCode::MethodNotAllowed);
}

#[tokio::test]
async fn health_reports_ok_and_is_never_cached() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}
