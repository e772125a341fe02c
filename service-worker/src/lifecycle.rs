//! Install: precache the build and warm the catalog. Activate: drop old versions, take control.
//!
//! A first install takes control at once: the shim (`public/sw.js`) leaves requests to the
//! network until this wasm is ready, then `on_activate` saves the whole build, the catalog and
//! the pages open (`complete`), and the page says "Available offline" only once it has
//! (`PageRequest::OfflineReady`, `WorkerNotice::OfflineReady`). An update, which the buyer
//! activates when they choose, precaches everything before it is installed.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use crate::cache_names::{self, CacheKind};
use crate::js;
use crate::manifest::PRECACHE;

/// Put in the precache once all of it is there, so a worker start checks one entry, not a
/// hundred.
const COMPLETE: &str = "/.vitrine-precache-complete";

thread_local! {
    /// `complete` is running in this worker.
    static COMPLETING: Cell<bool> = const { Cell::new(false) };
    /// The worker's own files (its wasm), which the manifest cannot list: their names are
    /// hashes of what is built from it. The shim tells them (`own_files`).
    static OWN_FILES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The worker's own files, saved with the build so that it starts with no network.
#[wasm_bindgen]
pub fn own_files(urls: Vec<String>) {
    OWN_FILES.with(|own| *own.borrow_mut() = urls);
}

/// Every file this version's precache holds: the manifest's and the worker's own.
fn all_files() -> Vec<String> {
    let own = OWN_FILES.with(|own| own.borrow().clone());
    PRECACHE.iter().map(|(url, _)| (*url).to_owned()).chain(own).collect()
}

/// An update: precache every file (`all_files`), so the worker and the app both start with no
/// network, and the catalog. Fails as a whole if any entry fails, leaving the previous version
/// in charge. (A first install caches nothing before it takes control: `complete` saves it
/// all.)
#[wasm_bindgen]
pub fn on_install() -> Promise {
    future_to_promise(async move {
        let precache = async move {
            let cache = js::open(CacheKind::Precache).await?;
            let urls: Array = all_files().iter().map(|url| JsValue::from_str(url)).collect();
            js::wait(cache.add_all_with_str_sequence(&urls)).await.map(drop)
        };
        let tasks: [js::Task; 2] = [Box::pin(precache), Box::pin(warm())];
        js::all(tasks).await?;
        mark_complete().await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// The catalog is a bonus: without it the worker still serves the shell and what the buyer
/// browses later, so its failure must not block the install.
async fn warm() -> Result<(), JsValue> {
    if let Err(error) = crate::catalog_warmup::warm().await {
        js::warn("catalog warm-up failed; it will be cached while browsing", &error);
    }
    Ok(())
}

/// Delete caches of other versions (keeping their still-valid images), control open pages,
/// then save what a first install left out. A first install runs this once its wasm has
/// started, after it took control (`public/sw.js`): by then a newer release may be on its way,
/// whose caches are not this one's to delete.
#[wasm_bindgen]
pub fn on_activate() -> Promise {
    future_to_promise(async move {
        let scope = js::scope();
        let caches = scope.caches()?;
        let names: Array = js::wait(caches.keys()).await?.into();
        let newest = is_newest(&scope);
        for name in names.iter().filter_map(|n| n.as_string()) {
            if newest && cache_names::is_outdated(&name) {
                if name.ends_with("-media") {
                    let old: web_sys::Cache = js::wait(caches.open(&name)).await?.dyn_into()?;
                    if let Err(error) = crate::image_cache::adopt(&old).await {
                        js::warn("could not keep an older release's images", &error);
                    }
                }
                js::wait(caches.delete(&name)).await?;
            }
        }
        js::wait(scope.clients().claim()).await?;
        // Not in `waitUntil`: fetches wait for activation to end, and pages must not.
        wasm_bindgen_futures::spawn_local(async {
            if !complete().await {
                keep_open_pages().await;
            }
        });
        Ok(JsValue::UNDEFINED)
    })
}

/// Whether no newer release of the worker is installing, waiting or active.
fn is_newest(scope: &web_sys::ServiceWorkerGlobalScope) -> bool {
    let registration = scope.registration();
    if registration.installing().is_some() || registration.waiting().is_some() {
        return false;
    }
    // `self.serviceWorker` (not in every browser yet): this worker, to compare with the
    // active one.
    let me = js_sys::Reflect::get(scope, &"serviceWorker".into()).unwrap_or(JsValue::UNDEFINED);
    match registration.active() {
        Some(active) if !me.is_undefined() => js_sys::Object::is(&me, &active),
        _ => true,
    }
}

/// Save the build files this version's precache lacks, with the catalog and the pages open
/// now, mark the precache complete, then tell the pages; whether it did. Runs after a first
/// install's activation and at every start of the active worker (a worker stopped halfway
/// finishes on its next start); does nothing when all is there.
pub async fn complete() -> bool {
    let registration = js::scope().registration();
    if registration.installing().is_some() || registration.waiting().is_some() {
        // A new version is on its way; this one's files are not worth completing now.
        return false;
    }
    if COMPLETING.with(|c| c.replace(true)) {
        return false;
    }
    let done = async {
        if is_marked_complete().await? {
            return Ok(false);
        }
        let missing = missing().await?;
        let rest = async move {
            let cache = js::open(CacheKind::Precache).await?;
            js::wait(cache.add_all_with_str_sequence(&missing)).await.map(drop)
        };
        let pages = async {
            keep_open_pages().await;
            Ok(())
        };
        let tasks: [js::Task; 3] = [Box::pin(rest), Box::pin(warm()), Box::pin(pages)];
        js::all(tasks).await?;
        mark_complete().await.map(|()| true)
    }
    .await;
    COMPLETING.with(|c| c.set(false));
    match done {
        Ok(true) => {
            crate::notify::offline_ready().await;
            true
        }
        Ok(false) => false,
        Err(error) => {
            js::warn("could not save every file for offline use yet", &error);
            false
        }
    }
}

/// Best effort: a page not kept now is kept on its next visit.
async fn keep_open_pages() {
    if let Err(error) = crate::pages::keep_open_pages().await {
        js::warn("could not keep the open pages", &error);
    }
}

/// Everything the storefront needs offline is saved, and nothing is being saved.
pub async fn offline_ready() -> bool {
    !COMPLETING.with(Cell::get) && is_marked_complete().await.unwrap_or(false)
}

async fn is_marked_complete() -> Result<bool, JsValue> {
    let cache = js::open(CacheKind::Precache).await?;
    Ok(js::lookup_url(&cache, COMPLETE).await?.is_some())
}

async fn mark_complete() -> Result<(), JsValue> {
    let cache = js::open(CacheKind::Precache).await?;
    js::put_url(&cache, COMPLETE, &web_sys::Response::new()?).await
}

/// The files (`all_files`) not in this version's precache.
async fn missing() -> Result<Array, JsValue> {
    let cache = js::open(CacheKind::Precache).await?;
    let kept: Array = js::wait(cache.keys()).await?.into();
    let kept: std::collections::HashSet<String> = kept
        .iter()
        .filter_map(|r| r.dyn_into::<web_sys::Request>().ok())
        .filter_map(|r| crate::routing::split_url(&r.url()).map(|(_, path)| path.to_owned()))
        .collect();
    Ok(all_files()
        .iter()
        .filter(|url| !kept.contains(*url))
        .map(|url| JsValue::from_str(url))
        .collect())
}
