//! Images: cache-first, keyed by the variant's own URL (never by `Vary`), bounded by entries and
//! bytes (`image_lru`), the byte bound a share of `navigator.storage.estimate()`'s quota. On
//! `QuotaExceededError` the image cache is purged first: never the outbox or the receipts.
//! Offline, a miss gets another cached size of the same picture, else a stand-in that says
//! "Available when online" over the picture's preview (`stand_in`).
//!
//! Where the browser has static routes (`public/sw.js`), it answers a kept variant from this
//! cache itself, and sends a miss to the network past the worker. The page then reports what
//! it showed (`pictures_shown`): that counts the hits and misses, marks pictures used, and keeps what
//! the browser fetched, from its HTTP cache. A picture the page could not load that way it asks
//! for again with `?fallback`, which is not routed, so the worker answers it as below.
//!
//! Through the worker, a hit is one `match` on the cache opened once, and one call back into
//! the worker, plus counters in memory: no IndexedDB, no JSON. Counters reach IndexedDB
//! (`meta`) in a batch a moment later.

use std::cell::{Cell, RefCell};

use js_sys::{Array, ArrayBuffer, Function, Promise};
use serde::{Deserialize, Serialize};
use vitrine_protocol::device::ImageCacheStats;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{Cache, Headers, Request, Response, ResponseInit};

use crate::cache_names::CacheKind;
use crate::device_db::{self, MetaRecord};
use crate::image_lru::{self, Lru};
use crate::js;

/// Stored with each entry: its body size, so the index can be rebuilt after a restart without
/// reading bodies.
const SIZE_HEADER: &str = "x-vitrine-bytes";
const FLUSH_AFTER_MS: i32 = 1500;

thread_local! {
    /// The open image cache: opening it per request costs a promise round trip on the hot path.
    /// It is never deleted while this worker runs (only other versions' caches are).
    static IMAGES: RefCell<Option<Cache>> = const { RefCell::new(None) };
    static LRU: RefCell<Option<Lru>> = const { RefCell::new(None) };
    static PENDING: Cell<Counters> = const { Cell::new(Counters::ZERO) };
    static FLUSH_SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// What a page asks for again when a picture failed past the worker (`public/boot.js`).
const FALLBACK_QUERY: &str = "?fallback";

/// What the image cache counts, summed over the device's lifetime.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Counters {
    hits: u64,
    misses: u64,
    fallbacks: u64,
    placeholders: u64,
    evictions: u64,
}

impl Counters {
    const ZERO: Counters =
        Counters { hits: 0, misses: 0, fallbacks: 0, placeholders: 0, evictions: 0 };

    fn add(&mut self, o: Counters) {
        self.hits += o.hits;
        self.misses += o.misses;
        self.fallbacks += o.fallbacks;
        self.placeholders += o.placeholders;
        self.evictions += o.evictions;
    }
}

/// The `meta` record holding the counters.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StatsRecord {
    id: String,
    #[serde(flatten)]
    counters: Counters,
}

impl MetaRecord for StatsRecord {
    const KEY: &'static str = "image-stats";
}

/// The collector's own limit on image space (`PageRequest::ImageBudget`); 0 = none.
#[derive(Debug, Default, Serialize, Deserialize)]
struct BudgetRecord {
    id: String,
    max_bytes: u64,
}

impl MetaRecord for BudgetRecord {
    const KEY: &'static str = "image-budget";
}

/// Store the collector's limit and apply it now (evicting what no longer fits).
pub async fn set_budget(max_bytes: u64) -> Result<ImageCacheStats, JsValue> {
    let db = device_db::open().await.map_err(|e| JsValue::from_str(&e.0))?;
    device_db::update_meta::<BudgetRecord>(&db, |r| {
        r.id = BudgetRecord::KEY.to_owned();
        r.max_bytes = max_bytes;
    })
    .await
    .map_err(|e| JsValue::from_str(&e.0))?;
    drop(db);
    // Rebuild the index under the new bound.
    LRU.with(|l| *l.borrow_mut() = None);
    stats().await
}

async fn collector_budget() -> Option<u64> {
    let db = device_db::open().await.ok()?;
    let record = device_db::meta::<BudgetRecord>(&db).await.ok()??;
    (record.max_bytes > 0).then_some(record.max_bytes)
}

fn count(change: impl FnOnce(&mut Counters)) {
    PENDING.with(|p| {
        let mut c = p.get();
        change(&mut c);
        p.set(c);
    });
    if !FLUSH_SCHEDULED.with(|f| f.replace(true)) {
        wasm_bindgen_futures::spawn_local(async {
            js::sleep(FLUSH_AFTER_MS).await;
            let _ = flush().await;
        });
    }
    crate::telemetry::soon();
}

/// The lifetime hits and misses, with what is counted in memory written first.
pub async fn totals() -> Option<(u64, u64)> {
    flush().await.ok().map(|c| (c.hits, c.misses))
}

/// Move the in-memory counters into IndexedDB; returns the lifetime totals.
async fn flush() -> Result<Counters, device_db::DbError> {
    FLUSH_SCHEDULED.with(|f| f.set(false));
    let delta = PENDING.with(|p| p.replace(Counters::ZERO));
    let db = device_db::open().await?;
    let update = device_db::update_meta::<StatsRecord>(&db, |r| {
        r.id = StatsRecord::KEY.to_owned();
        r.counters.add(delta);
    });
    match update.await {
        Ok(record) => Ok(record.counters),
        Err(e) => {
            // Not written: keep the counts for the next flush.
            PENDING.with(|p| {
                let mut c = p.get();
                c.add(delta);
                p.set(c);
            });
            Err(e)
        }
    }
}

pub async fn stats() -> Result<ImageCacheStats, JsValue> {
    crate::pictures_shown::taken().await;
    let cache = images().await?;
    ensure_index(&cache).await?;
    let totals = flush().await.map_err(|e| JsValue::from_str(&e.0))?;
    let (entries, bytes, byte_budget) = LRU.with(|l| {
        l.borrow().as_ref().map_or((0, 0, 0), |l| (l.len() as u64, l.bytes(), l.budget()))
    });
    Ok(ImageCacheStats {
        hits: totals.hits,
        misses: totals.misses,
        fallbacks: totals.fallbacks,
        placeholders: totals.placeholders,
        evictions: totals.evictions,
        entries,
        bytes,
        byte_budget,
    })
}

async fn images() -> Result<Cache, JsValue> {
    if let Some(cache) = IMAGES.with(|c| c.borrow().clone()) {
        return Ok(cache);
    }
    let cache = js::open(CacheKind::Images).await?;
    IMAGES.with(|c| *c.borrow_mut() = Some(cache.clone()));
    Ok(cache)
}

/// The answer to an image request: a hit is the `match` promise and one call back into the
/// worker (`on_match`), with no Rust future per request (the cache is opened once, by the
/// first): through `future_to_promise`, each hit took 0.6–0.75 ms longer, about a tenth of the
/// whole fetch (BENCHMARKS.md, issue 15).
pub fn answer(request: Request, url: String) -> Promise {
    // Asked again by a page that could not load the variant (`FALLBACK_QUERY`): the variant
    // itself, by its own URL, kept under it.
    let (request, url) = match url.strip_suffix(FALLBACK_QUERY) {
        Some(variant) if is_variant_url(variant) => match Request::new_with_str(variant) {
            Ok(request) => (request, variant.to_owned()),
            Err(error) => return Promise::reject(&error),
        },
        _ => (request, url),
    };
    match IMAGES.with(|c| c.borrow().clone()) {
        Some(cache) => look_up(&cache, &request, &url),
        None => future_to_promise(async move {
            // A promise resolved with a promise follows it.
            Ok(look_up(&images().await?, &request, &url).into())
        }),
    }
}

/// Whether `url`'s path is a picture variant's (`/media/v/…`).
fn is_variant_url(url: &str) -> bool {
    crate::routing::split_url(url).is_some_and(|(_, path)| vitrine_protocol::is_variant_path(path))
}

fn look_up(cache: &Cache, request: &Request, url: &str) -> Promise {
    let on_match = ON_MATCH.with(|f| f.bind1(&JsValue::NULL, request));
    js::then_call(&cache.match_with_str(url), &on_match)
}

thread_local! {
    /// `on_match` as a JS function, made once for the worker's life.
    static ON_MATCH: Function =
        Closure::<dyn Fn(Request, JsValue) -> JsValue>::new(on_match).into_js_value().unchecked_into();
}

/// The cache's answer for `request`: a hit is counted and returned as it is; a miss goes on to
/// the network (a promise, which the `then` it is returned to follows).
fn on_match(request: Request, hit: JsValue) -> JsValue {
    match hit.dyn_into::<Response>() {
        Ok(hit) => {
            count(|c| c.hits += 1);
            let url = request.url();
            LRU.with(|l| l.borrow_mut().as_mut().map(|l| l.touch(&url)));
            hit.into()
        }
        Err(_) => future_to_promise(async move {
            let url = request.url();
            Ok(miss(&images().await?, &request, &url).await?.into())
        })
        .into(),
    }
}

/// Not in the cache: from the network, kept; offline, another size or the stand-in.
async fn miss(cache: &Cache, request: &Request, url: &str) -> Result<Response, JsValue> {
    count(|c| c.misses += 1);
    match js::fetch(request).await {
        Ok(response) => {
            if response.ok() {
                if let Err(error) = store(cache, &response).await {
                    js::warn("image not cached", &error);
                }
            }
            Ok(response)
        }
        Err(_) => offline(cache, url).await,
    }
}

/// Keep the pictures of `urls` the browser already holds, as if they had come through this
/// worker: a first visit's pictures load before its wasm runs (the shim leaves requests to the
/// network until then), so without this they would not be there offline. Taken from the HTTP
/// cache only (`only-if-cached`): a variant the browser did not load is not fetched.
pub async fn keep_seen(urls: &[String]) -> Result<(), JsValue> {
    let cache = images().await?;
    for url in urls {
        if js::lookup_url(&cache, url).await?.is_none() {
            keep_from_browser(&cache, url).await?;
        }
    }
    Ok(())
}

/// Keep `url` from the browser's HTTP cache (`only-if-cached`), if it is there.
pub(crate) async fn keep_from_browser(cache: &Cache, url: &str) -> Result<(), JsValue> {
    // Not in the browser's cache: an error, and nothing to keep.
    if let Ok(response) = js::fetch_if_cached(url).await {
        if response.ok() {
            store(cache, &response).await?;
        }
    }
    Ok(())
}

/// The image cache, its index built.
pub(crate) async fn indexed() -> Result<Cache, JsValue> {
    let cache = images().await?;
    ensure_index(&cache).await?;
    Ok(cache)
}

/// Count a picture the browser answered itself: a hit (and marked used) if kept, else a miss;
/// whether it was kept.
pub(crate) fn count_shown(url: &str) -> bool {
    let kept = LRU.with(|l| l.borrow().as_ref().is_some_and(|l| l.contains(url)));
    if kept {
        count(|c| c.hits += 1);
        LRU.with(|l| l.borrow_mut().as_mut().map(|l| l.touch(url)));
    } else {
        count(|c| c.misses += 1);
    }
    kept
}

async fn offline(cache: &Cache, url: &str) -> Result<Response, JsValue> {
    ensure_index(cache).await?;
    let folder = url.rsplit_once('/').map_or(url, |(folder, _)| folder);
    let others = if is_variant_url(url) {
        LRU.with(|l| l.borrow().as_ref().map(|l| l.with_prefix(&format!("{folder}/"))))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    for other in others {
        if let Some(hit) = js::lookup_url(cache, &other).await? {
            count(|c| c.fallbacks += 1);
            return Ok(hit);
        }
    }
    count(|c| c.placeholders += 1);
    crate::stand_in::response(url).await
}

/// Keep `response` under its final URL (after a `/img/{item}` redirect, the variant's URL),
/// without `Vary`, with its size; evict first so the bounds hold.
async fn store(cache: &Cache, response: &Response) -> Result<(), JsValue> {
    let key = response.url();
    if key.is_empty() {
        return Ok(());
    }
    let body: ArrayBuffer = JsFuture::from(response.clone()?.array_buffer()?).await?.dyn_into()?;
    let bytes = u64::from(body.byte_length());
    let headers = Headers::new_with_headers(&response.headers())?;
    headers.delete("vary")?;
    headers.set(SIZE_HEADER, &bytes.to_string())?;
    let init = ResponseInit::new();
    init.set_status(response.status());
    init.set_headers(&headers);
    let stored = Response::new_with_opt_buffer_source_and_init(Some(&body), &init)?;
    ensure_index(cache).await?;
    let victims = LRU.with(|l| l.borrow_mut().as_mut().map(|l| l.insert(&key, bytes)));
    delete_all(cache, victims.unwrap_or_default()).await?;
    if !LRU.with(|l| l.borrow().as_ref().is_some_and(|l| l.contains(&key))) {
        return Ok(()); // larger than the whole budget
    }
    match js::put_url(cache, &key, &stored).await {
        Err(error) if is_quota_error(&error) => {
            // The device is full: images go first, everything else stays.
            let all = LRU.with(|l| l.borrow_mut().as_mut().map(Lru::clear)).unwrap_or_default();
            delete_all(cache, all).await?;
            Err(error)
        }
        other => other,
    }
}

/// On activate: move the still-valid entries of an older release's image cache (variant URLs
/// are content-addressed, so any of them is still right) into this one, within the bounds.
pub async fn adopt(old: &Cache) -> Result<(), JsValue> {
    let cache = images().await?;
    let keys: Array = js::wait(old.keys()).await?.into();
    for key in keys.iter() {
        let Ok(request) = key.dyn_into::<Request>() else { continue };
        if !is_variant_url(&request.url()) {
            continue;
        }
        if let Some(response) = js::lookup(old, &request).await? {
            store(&cache, &response).await?;
        }
    }
    Ok(())
}

async fn delete_all(cache: &Cache, urls: Vec<String>) -> Result<(), JsValue> {
    if urls.is_empty() {
        return Ok(());
    }
    let n = urls.len() as u64;
    for url in urls {
        js::wait(cache.delete_with_str(&url)).await?;
    }
    count(|c| c.evictions += n);
    Ok(())
}

pub(crate) fn is_quota_error(error: &JsValue) -> bool {
    js_sys::Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .is_some_and(|n| n == "QuotaExceededError")
}

/// Build the index from the cache on first need after a worker start (off the hit path).
/// Recency after a restart is insertion order, which is what `keys()` returns.
async fn ensure_index(cache: &Cache) -> Result<(), JsValue> {
    if LRU.with(|l| l.borrow().is_some()) {
        return Ok(());
    }
    let budget = image_lru::byte_budget(storage_quota().await);
    let budget = collector_budget().await.map_or(budget, |own| own.min(budget));
    let mut lru = Lru::new(budget);
    let keys: Array = js::wait(cache.keys()).await?.into();
    let mut victims = Vec::new();
    for key in keys.iter() {
        let Ok(request) = key.dyn_into::<Request>() else { continue };
        let url = request.url();
        let size = match js::lookup_url(cache, &url).await? {
            Some(r) => r.headers().get(SIZE_HEADER)?.and_then(|s| s.parse::<u64>().ok()),
            None => None,
        };
        // An entry without a size was not written by this code: drop it.
        match size {
            Some(bytes) => victims.extend(lru.insert(&url, bytes)),
            None => victims.push(url),
        }
    }
    if LRU.with(|l| l.borrow().is_some()) {
        return Ok(()); // another request built it meanwhile
    }
    LRU.with(|l| *l.borrow_mut() = Some(lru));
    delete_all(cache, victims).await
}

/// The origin's storage quota in bytes, if the browser tells.
async fn storage_quota() -> Option<f64> {
    let navigator = js_sys::Reflect::get(&js::scope(), &"navigator".into()).ok()?;
    let storage = js_sys::Reflect::get(&navigator, &"storage".into()).ok()?;
    let estimate = js_sys::Reflect::get(&storage, &"estimate".into()).ok()?;
    let estimate: js_sys::Function = estimate.dyn_into().ok()?;
    let promise: js_sys::Promise = estimate.call0(&storage).ok()?.dyn_into().ok()?;
    let result = JsFuture::from(promise).await.ok()?;
    js_sys::Reflect::get(&result, &"quota".into()).ok()?.as_f64()
}
