//! Issue 15, first paint from HTML: `/`, `/c/{slug}` and `/i/{id}` arrive drawn by the app's
//! own components, carrying the exact answer of the API endpoint each page reads; a path that
//! is no page is a 404 page; the pages only the browser draws get the shell. Rendered pages
//! are compressed, validated, and kept only until the catalog changes. A merchant's text cannot
//! break out of the page or its embedded data.

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, ETAG, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use serde_json::json;
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::{Collection, CollectionDetail};

use crate::helpers::{spawn_app, TestApp, SHELL};
use crate::merchants::{bearer, call, merchant};

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.client.get(app.url(path)).header(ACCEPT_ENCODING, "identity").send().await;
    let res = res.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let html = res.text().await.unwrap();
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
    assert!(headers.contains_key("content-security-policy"), "{path}");
    (status, html)
}

/// The answer a page embeds for its first draw: (endpoint, status, body as JSON text).
fn embedded(html: &str) -> Option<(String, String, String)> {
    let (_, rest) = html.split_once(r#"<script id="vitrine-data" type="application/json" "#)?;
    let (attrs, rest) = rest.split_once('>')?;
    let (body, _) = rest.split_once("</script>")?;
    let attr = |name: &str| {
        attrs.split_once(&format!("{name}=\""))?.1.split_once('"').map(|(v, _)| v.to_owned())
    };
    Some((attr("data-api")?, attr("data-status")?, body.replace("\\u003c", "<")))
}

/// The props the server wrote for the island named `name` (`data-props`, HTML-escaped JSON).
fn island_props(html: &str, name: &str) -> Option<serde_json::Value> {
    let (_, rest) = html.split_once(&format!(r#"<leptos-island data-component="{name}_"#))?;
    let (_, rest) = rest.split_once(r#"data-props=""#)?;
    let (props, _) = rest.split_once('"')?;
    let json = props.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">");
    serde_json::from_str(&json.replace("&amp;", "&")).ok()
}

#[tokio::test]
async fn storefront_pages_arrive_drawn_from_the_answer_the_app_would_fetch() {
    let app = spawn_app().await;
    let api = app.get("/api/v1/collections").await.text().await.unwrap();
    let collections: Vec<Collection> = serde_json::from_str(&api).unwrap();
    let (status, html) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Collections · Vitrine</title>"), "{html}");
    for c in &collections {
        assert!(html.contains(&format!(r#"href="/c/{}""#, c.slug)), "{}", c.slug);
    }
    // A page the server drew runs only its islands: the status bar is one, and no data is
    // carried for an app that does not run there.
    assert!(html.contains(r#"<leptos-island data-component="StatusBar_"#), "{html}");
    assert_eq!(embedded(&html), None, "islands need no data");

    let api = app.get("/api/v1/collections/tidal-glass").await.text().await.unwrap();
    let detail: CollectionDetail = serde_json::from_str(&api).unwrap();
    let (status, html) = page(&app, "/c/tidal-glass").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("<title>{} · Vitrine</title>", detail.collection.title)));
    assert!(!detail.items.is_empty());
    for item in &detail.items {
        assert!(html.contains(&format!(r#"<li data-item="{}">"#, item.id)), "{}", item.id);
        assert!(html.contains(&format!(r#"href="/i/{}""#, item.id)), "{}", item.id);
    }
    // The sort is an island, given what it sorts by and nothing more.
    let sortable = island_props(&html, "GalleryControls").unwrap();
    let ids: Vec<_> = sortable["items"].as_array().unwrap().iter().map(|i| &i["id"]).collect();
    assert_eq!(ids.len(), detail.items.len());
    assert_eq!(sortable["items"][0].as_object().unwrap().len(), 3, "id, price, stock");
    assert!(!html.contains("aria-busy"), "no loading skeleton");
    assert!(!html.contains(" style="), "the policy refuses style attributes");

    let api = app.get("/api/v1/items/101").await.text().await.unwrap();
    let item: vitrine_protocol::Item = serde_json::from_str(&api).unwrap();
    let (status, html) = page(&app, "/i/101").await;
    assert_eq!(status, StatusCode::OK);
    let buy = island_props(&html, "BuyArea").unwrap();
    assert_eq!(buy["item"], 101);
    // The signed quote goes as its JSON, which only the Buy sheet's part parses.
    let quote: vitrine_protocol::signing::Signed<vitrine_protocol::Quote> =
        serde_json::from_str(buy["quote"].as_str().unwrap()).unwrap();
    assert_eq!(Some(&quote), item.quote.as_ref(), "the page can be bought from at once: {buy}");
    assert_eq!(buy["price"], serde_json::to_value(quote.body.price).unwrap());
    // The bar is drawn, not usable until its island runs (a press before would be lost).
    let bar = html.find(&format!("Buy · {}</button>", quote.body.price)).expect("the Buy bar");
    let button = &html[html[..bar].rfind("<button").expect("its button")..bar];
    assert!(button.contains(" disabled"), "{button}");
    assert!(!html.contains("<dialog"), "the sheet is a part loaded by the first press");
    assert!(html.contains(&format!("<title>{} · Vitrine</title>", item.summary.title)));
    assert!(html.contains(&format!(r#"href="/c/{}""#, item.collection)), "breadcrumb");
}

#[tokio::test]
async fn what_is_not_there_is_a_404_page_with_a_way_home() {
    let app = spawn_app().await;
    for (path, says) in [
        ("/c/no-such-collection", "There is no such collection"),
        ("/c/Not_A_Slug", "There is no such collection"),
        ("/i/999999", "There is no such item"),
        ("/i/abc", "There is no such item"),
        ("/i/-1", "There is no such item"),
        ("/nowhere/at/all", "There is no such page"),
        ("/c/tidal-glass/extra", "There is no such page"),
    ] {
        let (status, html) = page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains(says), "{path}: {html}");
        assert!(html.contains(r#"href="/" class="btn btn-secondary""#), "{path}: a way home");
    }
    // Drawn from the API's refusal, which islands do not need.
    let (_, html) = page(&app, "/c/no-such-collection").await;
    assert_eq!(embedded(&html), None);
    // Only GET: the page routes answer other methods in the one error shape.
    let res = app.client.post(app.url("/c/tidal-glass")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn pages_only_the_browser_draws_get_the_shell_as_built() {
    let app = spawn_app().await;
    for path in ["/receipts", "/receipts/x", "/storage", "/search", "/merchant/orders", "/kiosk"] {
        let (status, html) = page(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(html, SHELL, "{path}");
    }
}

#[tokio::test]
async fn a_page_is_compressed_validated_and_redrawn_when_the_catalog_changes() {
    let app = spawn_app().await;
    let get = |accept: &'static str| {
        app.client.get(app.url("/c/tidal-glass")).header(ACCEPT_ENCODING, accept).send()
    };
    let plain = get("identity").await.unwrap();
    let etag = plain.headers()[ETAG].clone();
    // A page is drawn with lite pictures for a request saving data: caches must tell them apart.
    assert_eq!(plain.headers()["vary"], "accept-encoding, save-data, ect");
    assert_eq!(plain.headers()["accept-ch"], vitrine_server::images::hints::ACCEPT_CH);
    assert_eq!(plain.headers()["cache-control"], "no-cache");
    let plain = plain.bytes().await.unwrap();
    let br = get("gzip, deflate, br").await.unwrap();
    assert_eq!(br.headers()[CONTENT_ENCODING], "br");
    assert_eq!(br.headers()[ETAG], etag, "one page, two encodings");
    let compressed = br.bytes().await.unwrap();
    assert!(compressed.len() * 3 < plain.len(), "{} of {}", compressed.len(), plain.len());
    let mut back = Vec::new();
    brotli::BrotliDecompress(&mut compressed.as_ref(), &mut back).unwrap();
    assert_eq!(back, plain);

    let res = app.client.get(app.url("/c/tidal-glass")).header(IF_NONE_MATCH, &etag).send();
    assert_eq!(res.await.unwrap().status(), StatusCode::NOT_MODIFIED);

    // The merchant renames a work, with markup in its name: the next visit sees the new
    // name, as text, and the embedded answer stays one JSON document.
    let auth = bearer(&merchant(&app, "demo", &[Scope::Catalog]).await);
    let title = "</script><img src=x onerror=alert(1)><!--";
    let patch = json!({ "title": title });
    let res = call(&app, Method::PATCH, "/api/v1/merchant/items/101", Some(&auth), Some(patch));
    assert_eq!(res.await.status(), StatusCode::OK);
    let res = app.client.get(app.url("/c/tidal-glass")).header(IF_NONE_MATCH, &etag).send();
    let res = res.await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a changed catalog is a new page");
    assert_ne!(res.headers()[ETAG], etag);
    let (_, html) = page(&app, "/c/tidal-glass").await;
    assert!(!html.contains("<img src=x"), "markup in a title is text: {html}");
    assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    let (_, html) = page(&app, "/embed/tidal-glass").await;
    assert!(!html.contains("<img src=x"), "markup in a title is text: {html}");
    let (_, _, body) = embedded(&html).unwrap();
    let detail: CollectionDetail = serde_json::from_str(&body).unwrap();
    assert!(detail.items.iter().any(|i| i.title == title), "the data survives whole");
    let after_data = html.split_once(r#"id="vitrine-data""#).unwrap().1;
    assert_eq!(after_data.matches("</script>").count(), 1, "nothing ends it early");
}
