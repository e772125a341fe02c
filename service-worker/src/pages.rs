//! The storefront's pages as the server drew them, kept per release, so a returning visitor
//! sees a page before any script runs, offline too:
//! - home and galleries: the kept copy at once, refreshed in the background
//!   (stale-while-revalidate), as the catalog JSON always was;
//! - a work's page, and a storefront framed on a merchant's site: the server first, the kept
//!   copy when it fails or takes longer than `NETWORK_WAIT_MS` (network-first). A work's page
//!   carries live stock, the drop's state and a fresh signed quote; a framed page carries the
//!   merchant's `frame-ancestors`, whose change must hold at once.
//!
//! A page never kept comes from the server; offline, the shell draws it from the cached catalog
//! (or says it is not available offline). The page a visitor is on when the worker takes over
//! is kept then (`keep_open_pages`), with the home page.
//!
//! Why not render here: the same views compiled for wasm32 with Leptos' `ssr` make an 877 KB
//! (brotli) renderer, over four times the page's first-load wasm (BENCHMARKS.md, issue 15).

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{Client, ClientQueryOptions, ClientType, FetchEvent, Request, Response, Url};

use crate::cache_names::CacheKind;
use crate::js;
use crate::routing::{route, Freshness, RequestShape, Strategy};

/// Pages kept: a collector's recent browsing, a few MB of HTML at most. The oldest go first.
const KEPT: u32 = 120;

/// How long a network-first page waits for the server before the kept copy is shown (a
/// phone on a bad link); the server's answer still replaces the kept copy when it comes.
const NETWORK_WAIT_MS: i32 = 3_000;

/// Answer a navigation to a page the server draws.
pub async fn respond(
    event: &FetchEvent,
    request: Request,
    freshness: Freshness,
) -> Result<Response, JsValue> {
    let cache = js::open(CacheKind::Pages).await?;
    let key = key(&request.url())?;
    let cached = js::lookup_url(&cache, &key).await?;
    let refresh = {
        let request = request.clone()?;
        future_to_promise(async move {
            let response = js::fetch(&request).await?;
            keep(&cache, &key, &response).await?;
            Ok(response.into())
        })
    };
    // The server's page, or null when the network failed; the worker stays alive until it is
    // kept, whoever answered.
    let settled =
        future_to_promise(async move { Ok(js::wait(refresh).await.unwrap_or(JsValue::NULL)) });
    let _ = event.wait_until(&settled);
    let Some(hit) = cached else {
        return match js::wait(settled).await?.dyn_into::<Response>() {
            Ok(response) => Ok(response),
            Err(_) => crate::strategies::app_shell(&request).await,
        };
    };
    if freshness == Freshness::KeptFirst {
        return Ok(hit);
    }
    let timeout = future_to_promise(async {
        js::sleep(NETWORK_WAIT_MS).await;
        Ok(JsValue::NULL)
    });
    let first = js::wait(Promise::race(&Array::of2(&settled, &timeout))).await?;
    Ok(match first.dyn_into::<Response>() {
        // A server error says nothing about the page: the kept copy is the better answer.
        Ok(response) if response.status() < 500 => response,
        _ => hit,
    })
}

/// Keep the pages open in windows this worker now controls (and the home page): the page a
/// first visit landed on comes back offline without a second visit.
pub async fn keep_open_pages() -> Result<(), JsValue> {
    let options = ClientQueryOptions::new();
    options.set_type(ClientType::Window);
    let clients: Array =
        js::wait(js::scope().clients().match_all_with_options(&options)).await?.into();
    let origin = js::scope().location().origin();
    let mut urls = vec![format!("{origin}/")];
    for client in clients.iter().filter_map(|c| c.dyn_into::<Client>().ok()) {
        let url = Url::new(&client.url())?;
        let shape = RequestShape {
            method: "GET",
            same_origin: url.origin() == origin,
            navigate: true,
            path: &url.pathname(),
        };
        if matches!(route(&shape), Strategy::Page(_)) && !urls.contains(&client.url()) {
            urls.push(client.url());
        }
    }
    let cache = js::open(CacheKind::Pages).await?;
    for url in urls {
        let response = js::fetch_url(&url).await?;
        let html = js::text(&response.clone()?).await.unwrap_or_default();
        keep(&cache, &key(&url)?, &response).await?;
        // Its pictures loaded before this worker ran (`image_cache::keep_seen`).
        crate::image_cache::keep_seen(&media_urls(&html)).await?;
    }
    Ok(())
}

/// Every picture variant a page names (`src` and every `srcset` candidate), once each.
fn media_urls(html: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(vitrine_protocol::VARIANTS_PATH) {
        let from = &rest[start..];
        let end =
            from.find(|c: char| c.is_whitespace() || "\"',<>".contains(c)).unwrap_or(from.len());
        let url = &from[..end];
        if !urls.iter().any(|u| u == url) {
            urls.push(url.to_owned());
        }
        rest = &from[end..];
    }
    urls
}

/// Pages are kept by path: the query only changes what the app does after it starts (a
/// gallery's sort), never the server's HTML; a framed page's query (lite mode) does.
fn key(url: &str) -> Result<String, JsValue> {
    let url = Url::new(url)?;
    let query = if url.pathname().starts_with(vitrine_protocol::paths::EMBED) {
        url.search()
    } else {
        String::new()
    };
    Ok(format!("{}{}{query}", url.origin(), url.pathname()))
}

/// Keep a page the server drew: a 404 or an error page is not kept (the next visit asks
/// again), nor a redirect, which a navigation may not be answered with.
async fn keep(cache: &web_sys::Cache, key: &str, response: &Response) -> Result<(), JsValue> {
    let html = response.headers().get("content-type")?.is_some_and(|t| t.starts_with("text/html"));
    if !response.ok() || response.redirected() || !html {
        return Ok(());
    }
    // Delete first, so a refreshed page moves to the end of the cache's order.
    js::wait(cache.delete_with_str(key)).await?;
    js::put_url(cache, key, &response.clone()?).await?;
    trim(cache).await
}

/// Drop the oldest pages beyond `KEPT` (a cache lists its entries in the order they were put).
async fn trim(cache: &web_sys::Cache) -> Result<(), JsValue> {
    let keys: Array = js::wait(cache.keys()).await?.into();
    let extra = keys.length().saturating_sub(KEPT);
    for old in keys.iter().take(extra as usize) {
        if let Ok(old) = old.dyn_into::<Request>() {
            js::wait(cache.delete_with_request(&old)).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::media_urls;

    #[test]
    fn a_pages_pictures_are_every_variant_it_names_once() {
        let html = r#"<picture><source type="image/webp" srcset="/media/v/1-a/320.webp 320w, /media/v/1-a/480.webp 480w" sizes="50vw"><img src="/media/v/1-a/480.jpg" srcset="/media/v/1-a/320.jpg 320w,/media/v/1-a/480.jpg 480w" alt="x"></picture><a href="/i/1">/media/v/1-a/320.webp</a>"#;
        assert_eq!(
            media_urls(html),
            [
                "/media/v/1-a/320.webp",
                "/media/v/1-a/480.webp",
                "/media/v/1-a/480.jpg",
                "/media/v/1-a/320.jpg",
            ]
        );
        assert!(media_urls("<p>no pictures</p>").is_empty());
    }
}
