//! The fetch handler: route the request, then answer with the chosen strategy.

use js_sys::Promise;
use vitrine_protocol::ErrorCode;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{FetchEvent, Request, RequestMode, Response};

use crate::cache_names::CacheKind;
use crate::js;
use crate::routing::{route, split_url, RequestShape, Strategy};

/// Answer a request the worker wants, or `undefined` for one it leaves to the network: the
/// shim then never calls `respondWith`, so those never wait on wasm. One call per request
/// (it routed once to say whether, once more to answer; BENCHMARKS.md, cached fetches).
#[wasm_bindgen]
pub fn on_fetch(event: FetchEvent) -> Option<Promise> {
    let request = event.request();
    let url = request.url();
    let strategy = strategy_for(&request, &url);
    match strategy {
        Strategy::Passthrough => return None,
        Strategy::Image => return Some(crate::image_cache::answer(request, url)),
        _ => {}
    }
    Some(future_to_promise(async move {
        let response = match strategy {
            Strategy::AppShell => app_shell(&request).await?,
            Strategy::Page(freshness) => crate::pages::respond(&event, request, freshness).await?,
            Strategy::CacheFirst(kind) => cache_first(&request, kind).await?,
            // Not reached: answered above, with no future per request (`image_cache::answer`).
            Strategy::Image => {
                js::wait(crate::image_cache::answer(request, url)).await?.dyn_into()?
            }
            Strategy::StaleWhileRevalidate(kind) => {
                stale_while_revalidate(&event, request, kind).await?
            }
            Strategy::Passthrough => js::fetch(&request).await?,
        };
        Ok(response.into())
    }))
}

thread_local! {
    /// This worker's origin, which never changes while it runs.
    static OWN_ORIGIN: String = js::scope().location().origin();
}

fn strategy_for(request: &Request, url: &str) -> Strategy {
    let Some((origin, path)) = split_url(url) else { return Strategy::Passthrough };
    route(&RequestShape {
        method: &request.method(),
        same_origin: OWN_ORIGIN.with(|own| own == origin),
        navigate: request.mode() == RequestMode::Navigate,
        path,
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
                if kind == CacheKind::Api {
                    // The pictures' previews the offline stand-in reads may have changed.
                    crate::stand_in::forget();
                }
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
