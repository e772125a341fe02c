//! The storefront's pages as the server drew them, kept per release: a navigation to a page
//! seen before is answered with its HTML at once and refreshed in the background
//! (stale-while-revalidate), so a returning visitor sees the page before any script runs, and
//! offline too. A page never seen comes from the server; offline, the shell draws it from the
//! cached catalog (or says it is not available offline), as before.
//!
//! Why not render here: the same views compiled for wasm32 with Leptos' `ssr` make an 877 KB
//! (brotli) renderer, over four times the page's first-load wasm (BENCHMARKS.md, issue 15).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{FetchEvent, Request, Response, Url};

use crate::cache_names::CacheKind;
use crate::js;

/// Pages kept: a collector's recent browsing, a few MB of HTML at most. The oldest go first.
pub const KEPT: u32 = 120;

/// Answer a navigation to a page the server draws.
pub async fn respond(event: &FetchEvent, request: Request) -> Result<Response, JsValue> {
    let cache = js::open(CacheKind::Pages).await?;
    let key = key(&request.url())?;
    let cached = js::lookup_url(&cache, &key).await?;
    let refresh = {
        let (cache, request) = (cache.clone(), request.clone()?);
        async move {
            let response = js::fetch(&request).await?;
            keep(&cache, &key, &response).await?;
            Ok::<_, JsValue>(response)
        }
    };
    match cached {
        Some(hit) => {
            // A failed refresh (offline, a server down) leaves the kept copy as it is.
            let _ = event.wait_until(&future_to_promise(async move {
                let _ = refresh.await;
                Ok(JsValue::UNDEFINED)
            }));
            Ok(hit)
        }
        None => match refresh.await {
            Ok(response) => Ok(response),
            Err(_) => crate::strategies::app_shell(&request).await,
        },
    }
}

/// Fetch the page at `path` and keep it (the warm-up keeps the home page this way).
pub async fn prefetch(path: &str) -> Result<(), JsValue> {
    let cache = js::open(CacheKind::Pages).await?;
    let url = format!("{}{path}", js::scope().location().origin());
    let response = js::fetch_url(&url).await?;
    keep(&cache, &url, &response).await
}

/// Pages are kept by path: the query only changes what the app does after it starts (a
/// gallery's sort), never the server's HTML.
fn key(url: &str) -> Result<String, JsValue> {
    let url = Url::new(url)?;
    Ok(format!("{}{}", url.origin(), url.pathname()))
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
    let keys: js_sys::Array = js::wait(cache.keys()).await?.into();
    let extra = keys.length().saturating_sub(KEPT);
    for old in keys.iter().take(extra as usize) {
        if let Ok(old) = old.dyn_into::<Request>() {
            js::wait(cache.delete_with_request(&old)).await?;
        }
    }
    Ok(())
}
