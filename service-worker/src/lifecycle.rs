//! Install: precache the build and warm the catalog. Activate: drop old versions, take control.

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use crate::cache_names::{self, CacheKind};
use crate::js;
use crate::manifest::PRECACHE;

/// Precache every manifest entry plus the worker's own files (`own_urls`, passed by the shim),
/// so the worker and the app both start with no network. Fails as a whole if any entry fails,
/// leaving the previous version in charge.
#[wasm_bindgen]
pub fn on_install(own_urls: Array) -> Promise {
    future_to_promise(async move {
        let precache = async move {
            let cache = js::open(CacheKind::Precache).await?;
            let urls: Array = PRECACHE.iter().map(|(url, _)| JsValue::from_str(url)).collect();
            for url in own_urls.iter() {
                urls.push(&url);
            }
            js::wait(cache.add_all_with_str_sequence(&urls)).await.map(drop)
        };
        // The catalog is a bonus: without it the worker still serves the shell and what the
        // buyer browses later, so its failure must not block the install. It is fetched
        // alongside the build's files, not after them.
        let warm = async {
            if let Err(error) = crate::catalog_warmup::warm().await {
                js::warn("catalog warm-up failed; it will be cached while browsing", &error);
            }
            Ok(())
        };
        let tasks: [js::Task; 2] = [Box::pin(precache), Box::pin(warm)];
        js::all(tasks).await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// Delete caches of other versions (keeping their still-valid images), then control open pages at once so a first visit is
/// already offline-capable.
#[wasm_bindgen]
pub fn on_activate() -> Promise {
    future_to_promise(async move {
        let scope = js::scope();
        let caches = scope.caches()?;
        let names: Array = js::wait(caches.keys()).await?.into();
        for name in names.iter().filter_map(|n| n.as_string()) {
            if cache_names::is_outdated(&name) {
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
        Ok(JsValue::UNDEFINED)
    })
}
