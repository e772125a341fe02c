//! The fetch handler: route the request, then answer with the chosen strategy.

use js_sys::Promise;
use vitrine_protocol::ErrorCode;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{FetchEvent, Request, RequestMode, Response, Url};

use crate::cache_names::CacheKind;
use crate::js;
use crate::routing::{route, RequestShape, Strategy};

/// Whether the worker wants this request. The shim calls this synchronously, and only calls
/// `respondWith` when it is true, so passthrough requests never wait on wasm.
#[wasm_bindgen]
pub fn handles(request: &Request) -> bool {
    strategy_for(request) != Strategy::Passthrough
}

/// Answer a request that `handles` accepted.
#[wasm_bindgen]
pub fn on_fetch(event: FetchEvent) -> Promise {
    future_to_promise(async move {
        let request = event.request();
        let response = match strategy_for(&request) {
            Strategy::AppShell => app_shell(&request).await?,
            Strategy::Page(freshness) => crate::pages::respond(&event, request, freshness).await?,
            Strategy::CacheFirst(kind) => cache_first(&request, kind).await?,
            Strategy::Image => crate::image_cache::respond(&request).await?,
            Strategy::StaleWhileRevalidate(kind) => {
                stale_while_revalidate(&event, request, kind).await?
            }
            Strategy::Passthrough => js::fetch(&request).await?,
        };
        Ok(response.into())
    })
}

fn strategy_for(request: &Request) -> Strategy {
    let Ok(url) = Url::new(&request.url()) else { return Strategy::Passthrough };
    let own_origin = js::scope().location().origin();
    route(&RequestShape {
        method: &request.method(),
        same_origin: url.origin() == own_origin,
        navigate: request.mode() == RequestMode::Navigate,
        path: &url.pathname(),
    })
}

/// The app's shell from the precache, which draws the page in the browser.
pub async fn app_shell(request: &Request) -> Result<Response, JsValue> {
    let cache = js::open(CacheKind::Precache).await?;
    match js::lookup_url(&cache, "/index.html").await? {
        Some(shell) => Ok(shell),
        None => js::fetch(request).await,
    }
}

async fn cache_first(request: &Request, kind: CacheKind) -> Result<Response, JsValue> {
    let cache = js::open(kind).await?;
    if let Some(hit) = js::lookup(&cache, request).await? {
        return Ok(hit);
    }
    let response = js::fetch(request).await?;
    if response.ok() {
        js::put(&cache, request, &response.clone()?).await?;
    }
    Ok(response)
}

async fn stale_while_revalidate(
    event: &FetchEvent,
    request: Request,
    kind: CacheKind,
) -> Result<Response, JsValue> {
    let cache = js::open(kind).await?;
    let cached = js::lookup(&cache, &request).await?;
    let refresh = {
        let cache = cache.clone();
        let request = request.clone()?;
        async move {
            let response = js::fetch(&request).await?;
            if response.ok() {
                js::put(&cache, &request, &response.clone()?).await?;
            }
            Ok::<_, JsValue>(response)
        }
    };
    match cached {
        Some(hit) => {
            // Keep the worker alive for the refresh; a failure just means we stay stale.
            let background = future_to_promise(async move {
                let _ = refresh.await;
                Ok(JsValue::UNDEFINED)
            });
            let _ = event.wait_until(&background);
            Ok(hit)
        }
        None => match refresh.await {
            Ok(response) => Ok(response),
            Err(_) => Ok(js::json_error(
                503,
                ErrorCode::OfflineUnavailable,
                "not available offline: this has not been saved on this device yet",
            )),
        },
    }
}
