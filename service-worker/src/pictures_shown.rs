//! Pictures the browser answers itself. Where `public/sw.js` added its static route, a kept
//! variant comes from the image cache and a miss from the network, neither through the worker.
//! The page reports what it showed (`PageRequest::PicturesShown`, from `public/boot.js`): each
//! is counted a hit (and marked used) if kept, else a miss, which the worker keeps from the
//! browser's HTTP cache (never fetched again). Without the route (a browser without static
//! routes, or one that refused it) every picture came through `image_cache::answer`, which
//! counted it: the report is ignored.

use std::cell::{Cell, RefCell};

use js_sys::Promise;
use vitrine_protocol::device::MAX_PICTURES_SHOWN;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::future_to_promise;

use crate::cache_names::CacheKind;
use crate::image_cache;
use crate::js;

/// What `public/sw.js` keeps in this release's precache where the browser refused the route
/// (its test checks the shim's spelling).
const NOT_ROUTED: &str = "/.vitrine-pictures-not-routed";

thread_local! {
    /// The last report being taken: reports are taken one at a time, and the image cache's
    /// counters are read after them (`taken`).
    static LAST: RefCell<Option<Promise>> = const { RefCell::new(None) };
    /// The route was found not refused (it stays for this release's life).
    static ROUTE_SEEN: Cell<bool> = const { Cell::new(false) };
}

/// Take a page's report of the variants it showed. Queued at once, in the order received, so
/// that `taken` waits for it; whether the route was added is asked in turn.
pub async fn shown(urls: Vec<String>) {
    let previous = LAST.with(|s| s.borrow_mut().take());
    let task = future_to_promise(async move {
        if let Some(previous) = previous {
            let _ = js::wait(previous).await;
        }
        if routed().await {
            if let Err(error) = keep(urls).await {
                js::warn("could not keep the pictures shown", &error);
            }
        }
        Ok(JsValue::UNDEFINED)
    });
    LAST.with(|s| *s.borrow_mut() = Some(task.clone()));
    let _ = js::wait(task).await;
}

/// Once every report received so far is taken, those received meanwhile included.
pub async fn taken() {
    loop {
        let Some(last) = LAST.with(|s| s.borrow().clone()) else { return };
        let _ = js::wait(last.clone()).await;
        if LAST.with(|s| s.borrow().as_ref().is_some_and(|now| js_sys::Object::is(now, &last))) {
            return;
        }
    }
}

/// Count and keep each picture. One that cannot be kept is said and skipped, and the rest are
/// still counted and kept; but a full device (the image cache was just emptied for it) stops
/// the keeping, not the counting: the next picture would only fill it again.
async fn keep(urls: Vec<String>) -> Result<(), JsValue> {
    let origin = js::scope().location().origin();
    let mut full = false;
    for url in urls.iter().take(MAX_PICTURES_SHOWN).filter(|url| is_variant(&origin, url)) {
        // Indexed again for each: a new budget (`set_budget`) rebuilds the index meanwhile.
        let cache = image_cache::indexed().await?;
        if image_cache::count_shown(url) || full {
            continue;
        }
        if let Err(error) = image_cache::keep_from_browser(&cache, url).await {
            js::warn("could not keep a picture shown", &error);
            full = image_cache::is_quota_error(&error);
        }
    }
    Ok(())
}

/// A picture variant of this origin as the static route takes it: `/media/v/…`, no query, and
/// nothing the URL parser would rewrite (dot segments, escapes, backslashes), so what is kept
/// is under the URL reported.
fn is_variant(origin: &str, url: &str) -> bool {
    let Some(path) = url.strip_prefix(origin) else {
        return false;
    };
    let plain = path.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b));
    plain
        && vitrine_protocol::is_variant_path(path)
        && path.split('/').all(|segment| segment != "." && segment != "..")
}

/// Whether this release's static route takes the pictures: the browser has static routes, and
/// `public/sw.js` did not mark them refused in the precache (where `addRoutes` rejected; each
/// picture then comes through the worker, which counted it). Where the precache is gone (a
/// newer release deleted it, or storage was cleared) no refusal was kept: routed. It is not
/// opened then: opening it would make it again.
async fn routed() -> bool {
    if ROUTE_SEEN.get() {
        return true;
    }
    if !has_static_routes() {
        return false;
    }
    let refused = async {
        let caches = js::scope().caches()?;
        let name = CacheKind::Precache.name();
        if !js::wait(caches.has(&name)).await?.is_truthy() {
            return Ok(false);
        }
        let cache: web_sys::Cache = js::wait(caches.open(&name)).await?.dyn_into()?;
        Ok::<_, JsValue>(js::lookup_url(&cache, NOT_ROUTED).await?.is_some())
    };
    // Storage that cannot be read says nothing either way: not counted, and asked again.
    let Ok(refused) = refused.await else { return false };
    ROUTE_SEEN.set(!refused);
    !refused
}

/// Whether this browser has static routes at all (`InstallEvent.addRoutes`).
fn has_static_routes() -> bool {
    let install = js_sys::Reflect::get(&js::scope(), &"InstallEvent".into());
    let prototype = install.and_then(|i| js_sys::Reflect::get(&i, &"prototype".into()));
    prototype.is_ok_and(|p| js_sys::Reflect::has(&p, &"addRoutes".into()).unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::{is_variant, NOT_ROUTED};

    #[test]
    fn only_this_origin_s_variants_without_a_query_are_taken() {
        let origin = "http://127.0.0.1:8080";
        assert!(is_variant(origin, "http://127.0.0.1:8080/media/v/101-aa-12/480.webp"));
        assert!(!is_variant(origin, "http://127.0.0.1:8080/media/v/101-aa-12/480.webp?fallback"));
        assert!(!is_variant(origin, "http://127.0.0.1:8080/media/thumbs/101.jpg"));
        assert!(!is_variant(origin, "http://127.0.0.1:8080/api/v1/items"));
        assert!(!is_variant(origin, "http://127.0.0.1:8080.evil.test/media/v/a/1.webp"));
        assert!(!is_variant(origin, "http://evil.test/media/v/a/1.webp"));
        assert!(!is_variant(origin, "/media/v/a/1.webp"), "absolute, as currentSrc is");
        for rewritten in [
            "/media/v/%2e%2e/%2e%2e/api/v1/items",
            "/media/v/../../api",
            "/media/v/./a",
            "/media/v/a\\..\\..\\api",
            "/media/v/a%2F1.webp",
        ] {
            assert!(!is_variant(origin, &format!("{origin}{rewritten}")), "{rewritten}");
        }
    }

    #[test]
    fn the_shim_marks_the_route_where_the_worker_looks() {
        let shim = include_str!("../../public/sw.js");
        assert!(shim.contains(&format!(r#"const NOT_ROUTED = "{NOT_ROUTED}";"#)));
        assert!(shim.contains("cache.put(NOT_ROUTED, new Response())"));
    }

    #[test]
    fn the_shim_routes_and_the_page_reports_the_variants_path() {
        let path = vitrine_protocol::VARIANTS_PATH;
        let shim = include_str!("../../public/sw.js");
        assert!(shim.contains(&format!(r#"pathname: "{path}*""#)), "sw.js's static route");
        let boot = include_str!("../../public/boot.js");
        let pattern = path.replace('/', "\\/");
        assert!(boot.contains(&format!("const VARIANT = /{pattern}")), "boot.js's VARIANT");
    }
}
