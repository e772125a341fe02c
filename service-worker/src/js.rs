//! Thin typed helpers over the worker's JS APIs, so strategies read as plain async Rust.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Request, Response, ResponseInit, ServiceWorkerGlobalScope};

use crate::cache_names::CacheKind;

pub fn scope() -> ServiceWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

pub async fn open(kind: CacheKind) -> Result<Cache, JsValue> {
    let caches = scope().caches()?;
    JsFuture::from(caches.open(&kind.name())).await?.dyn_into()
}

/// The cached response for `request`, if any.
pub async fn lookup(cache: &Cache, request: &Request) -> Result<Option<Response>, JsValue> {
    let hit = JsFuture::from(cache.match_with_request(request)).await?;
    Ok(hit.dyn_into::<Response>().ok())
}

pub async fn lookup_url(cache: &Cache, url: &str) -> Result<Option<Response>, JsValue> {
    let hit = JsFuture::from(cache.match_with_str(url)).await?;
    Ok(hit.dyn_into::<Response>().ok())
}

pub async fn fetch(request: &Request) -> Result<Response, JsValue> {
    JsFuture::from(scope().fetch_with_request(request)).await?.dyn_into()
}

pub async fn fetch_url(url: &str) -> Result<Response, JsValue> {
    JsFuture::from(scope().fetch_with_str(url)).await?.dyn_into()
}

pub async fn put(cache: &Cache, request: &Request, response: &Response) -> Result<(), JsValue> {
    JsFuture::from(cache.put_with_request(request, response)).await.map(drop)
}

pub async fn put_url(cache: &Cache, url: &str, response: &Response) -> Result<(), JsValue> {
    JsFuture::from(cache.put_with_str(url, response)).await.map(drop)
}

pub async fn wait(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// A JSON error in the server's one shape, made by the worker itself.
pub fn json_error(status: u16, code: vitrine_protocol::ErrorCode, message: &str) -> Response {
    let body =
        serde_json::to_string(&vitrine_protocol::ApiError { code, message: message.to_owned() })
            .unwrap_or_default();
    let headers = Headers::new().ok();
    if let Some(h) = &headers {
        let _ = h.set("content-type", "application/json");
        let _ = h.set("cache-control", "no-store");
    }
    let init = ResponseInit::new();
    init.set_status(status);
    if let Some(h) = &headers {
        init.set_headers(h);
    }
    Response::new_with_opt_str_and_init(Some(&body), &init).unwrap_or_else(|_| Response::error())
}

pub fn warn(message: &str, error: &JsValue) {
    web_sys::console::warn_2(&JsValue::from_str(message), error);
}
