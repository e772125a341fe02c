//! Thin typed helpers over the worker's JS APIs, so strategies read as plain async Rust.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Request, Response, ResponseInit, ServiceWorkerGlobalScope};

use crate::cache_names::CacheKind;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A promise, seen only for `then` with any JS function: js-sys's `then` takes only a
    /// closure of its own, made per call, where the image cache's hot path passes one made once.
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, f: &JsValue) -> Promise;
}

/// `promise.then(f)`.
pub fn then_call(promise: &Promise, f: &JsValue) -> Promise {
    promise.unchecked_ref::<Thenable>().then(f)
}

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

/// How long the worker's own API requests (registration, replay, order state) may take before
/// they are abandoned: a stalled server must never hold the outbox lock or a buyer's tap.
pub const API_TIMEOUT_MS: i32 = 10_000;

/// An `AbortSignal` that fires after `ms`.
fn timeout_signal(ms: i32) -> Result<web_sys::AbortSignal, JsValue> {
    let controller = web_sys::AbortController::new()?;
    let signal = controller.signal();
    let abort = wasm_bindgen::closure::Closure::once_into_js(move || controller.abort());
    scope().set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), ms)?;
    Ok(signal)
}

pub async fn fetch_url(url: &str) -> Result<Response, JsValue> {
    JsFuture::from(scope().fetch_with_str(url)).await?.dyn_into()
}

/// `url` from the browser's HTTP cache only (`only-if-cached`): never from the network.
pub async fn fetch_if_cached(url: &str) -> Result<Response, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::OnlyIfCached);
    init.set_mode(web_sys::RequestMode::SameOrigin);
    let request = Request::new_with_str_and_init(url, &init)?;
    fetch(&request).await
}

pub async fn put(cache: &Cache, request: &Request, response: &Response) -> Result<(), JsValue> {
    JsFuture::from(cache.put_with_request(request, response)).await.map(drop)
}

pub async fn put_url(cache: &Cache, url: &str, response: &Response) -> Result<(), JsValue> {
    JsFuture::from(cache.put_with_str(url, response)).await.map(drop)
}

/// One of several things done at once (`all`).
pub type Task = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), JsValue>>>>;

/// Run `tasks` at once and wait for all; the first failure fails the whole (`Promise.all`).
pub async fn all(
    tasks: impl IntoIterator<Item = impl std::future::Future<Output = Result<(), JsValue>> + 'static>,
) -> Result<(), JsValue> {
    let promises: js_sys::Array = tasks
        .into_iter()
        .map(|task| {
            JsValue::from(wasm_bindgen_futures::future_to_promise(async move {
                task.await.map(|()| JsValue::UNDEFINED)
            }))
        })
        .collect();
    wait(Promise::all(&promises)).await.map(drop)
}

pub async fn wait(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// A JSON error in the server's one shape, made by the worker itself.
pub fn json_error(status: u16, code: vitrine_protocol::ErrorCode, message: &str) -> Response {
    let body = serde_json::to_string(&vitrine_protocol::ApiError {
        code,
        message: message.to_owned(),
        fields: Vec::new(),
    })
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

/// `POST` a JSON body; the worker's own requests never go through its fetch handler.
pub async fn post_json(
    url: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Result<Response, JsValue> {
    let h = Headers::new()?;
    h.set("content-type", "application/json")?;
    for (name, value) in headers {
        h.set(name, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&h);
    init.set_body(&JsValue::from_str(body));
    init.set_signal(Some(&timeout_signal(API_TIMEOUT_MS)?));
    let request = Request::new_with_str_and_init(url, &init)?;
    fetch(&request).await
}

/// A `GET` that skips the HTTP cache: order states change.
pub async fn get_fresh(url: &str) -> Result<Response, JsValue> {
    get_fresh_within(url, API_TIMEOUT_MS).await
}

/// `get_fresh`, abandoned after `ms` (a person is waiting for the answer).
pub async fn get_fresh_within(url: &str, ms: i32) -> Result<Response, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_signal(Some(&timeout_signal(ms)?));
    let request = Request::new_with_str_and_init(url, &init)?;
    fetch(&request).await
}

/// The body as text. A body that stalls after the headers is cut off by the request's own
/// timeout signal (it covers the body too).
pub async fn text(response: &Response) -> Result<String, JsValue> {
    Ok(JsFuture::from(response.text()?).await?.as_string().unwrap_or_default())
}

pub fn now() -> vitrine_protocol::UnixMillis {
    // Date.now() is an integral number of milliseconds well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    vitrine_protocol::UnixMillis(js_sys::Date::now() as i64)
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut bytes = [0u8; N];
    scope().crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}

/// Resolve after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Run `task` holding the Web Lock `name`, shared by every worker instance of this origin.
/// Without Web Locks the task runs unguarded (the server's idempotency still holds). `None` if
/// the task started under the lock but did not finish (the lock request failed midway).
pub async fn with_lock<T: 'static>(
    name: &str,
    task: impl std::future::Future<Output = T> + 'static,
) -> Option<T> {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;

    let locks = js_sys::Reflect::get(&scope(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()))
        .ok()
        .filter(|l| !l.is_undefined());
    let request = locks.as_ref().and_then(|l| {
        js_sys::Reflect::get(l, &"request".into()).ok()?.dyn_into::<js_sys::Function>().ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else { return Some(task.await) };

    let output: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let task = Rc::new(RefCell::new(Some(task)));
    let (out, pending) = (output.clone(), task.clone());
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let task = pending.borrow_mut().take();
            if let Some(task) = task {
                let value = task.await;
                *out.borrow_mut() = Some(value);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    if let Ok(promise) = request.call2(&locks, &JsValue::from_str(name), &callback) {
        if let Ok(promise) = promise.dyn_into::<Promise>() {
            let _ = JsFuture::from(promise).await;
        }
    }
    if let Some(value) = output.borrow_mut().take() {
        return Some(value);
    }
    // The lock could not be taken at all: run unguarded rather than never.
    let task = task.borrow_mut().take();
    match task {
        Some(task) => Some(task.await),
        None => None,
    }
}
