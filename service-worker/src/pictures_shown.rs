//! Pictures the browser answers itself. Where it has static routes (`public/sw.js`), a kept
//! variant comes from the image cache and a miss from the network, neither through the worker.
//! The page reports what it showed (`PageRequest::PicturesShown`, from `public/boot.js`): each
//! is counted a hit (and marked used) if kept, else a miss, which the worker keeps from the
//! browser's HTTP cache (never fetched again). Without static routes every picture came
//! through `image_cache::answer`, which counted it: the report is ignored.

use std::cell::RefCell;

use js_sys::Promise;
use vitrine_protocol::device::MAX_PICTURES_SHOWN;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

use crate::image_cache;
use crate::js;

thread_local! {
    /// The last report being taken: reports are taken one at a time, and the image cache's
    /// counters are read after them (`taken`).
    static LAST: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

/// Take a page's report of the variants it showed.
pub async fn shown(urls: Vec<String>) {
    if !routed() {
        return;
    }
    let previous = LAST.with(|s| s.borrow_mut().take());
    let task = future_to_promise(async move {
        if let Some(previous) = previous {
            let _ = js::wait(previous).await;
        }
        if let Err(error) = keep(urls).await {
            js::warn("could not keep the pictures shown", &error);
        }
        Ok(JsValue::UNDEFINED)
    });
    LAST.with(|s| *s.borrow_mut() = Some(task.clone()));
    let _ = js::wait(task).await;
}

/// Once every report received so far is taken.
pub async fn taken() {
    let last = LAST.with(|s| s.borrow().clone());
    if let Some(last) = last {
        let _ = js::wait(last).await;
    }
}

async fn keep(urls: Vec<String>) -> Result<(), JsValue> {
    let origin = js::scope().location().origin();
    let cache = image_cache::indexed().await?;
    for url in urls.iter().take(MAX_PICTURES_SHOWN).filter(|url| is_variant(&origin, url)) {
        if !image_cache::count_shown(url) {
            image_cache::keep_from_browser(&cache, url).await?;
        }
    }
    Ok(())
}

/// A picture variant of this origin as the static route takes it: `/media/v/…`, no query.
fn is_variant(origin: &str, url: &str) -> bool {
    url.strip_prefix(origin).is_some_and(|path| {
        path.starts_with("/media/v/") && !path.contains(['?', '#']) && !path.contains("/../")
    })
}

/// Whether this browser answers pictures by static route: it has `InstallEvent.addRoutes`,
/// which `public/sw.js` calls at install.
fn routed() -> bool {
    let install = js_sys::Reflect::get(&js::scope(), &"InstallEvent".into());
    let prototype = install.and_then(|i| js_sys::Reflect::get(&i, &"prototype".into()));
    prototype.is_ok_and(|p| js_sys::Reflect::has(&p, &"addRoutes".into()).unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::is_variant;

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
    }
}
