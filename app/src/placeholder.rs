//! The ThumbHash previews of a page the server drew: painted behind its pictures by a part of
//! their own, fetched only where a picture may still show its backdrop. The decoding itself is
//! `vitrine_protocol::preview`, which the worker's offline stand-in uses too.

/// Whether a picture of this page may still show its backdrop: one not loaded yet (a lazy one
/// below the fold) or one that failed. Islands start at `load`, so on a page whose pictures
/// have all loaded (a work's page online: its one picture is eager) every backdrop would sit
/// behind an opaque picture, and the painter is not fetched at all. (The worker's offline
/// stand-in for a picture it never kept carries its own preview.)
#[cfg(feature = "hydrate")]
pub fn wanted() -> bool {
    use wasm_bindgen::JsCast;
    let Ok(images) = leptos::prelude::document().query_selector_all("img[data-thumbhash]") else {
        return false;
    };
    (0..images.length())
        .filter_map(|i| images.item(i)?.dyn_into::<web_sys::HtmlImageElement>().ok())
        .any(|img| !img.complete() || img.natural_width() == 0)
}

/// Paint the ThumbHash preview behind every picture of a page the server drew, from the hash
/// it wrote in `data-thumbhash` (a picture drawn in the browser gets it from its own view).
///
/// A part of its own, which the page loads as soon as it starts, if it is `wanted`: the
/// decoder (with its cosine) is a tenth of an islands' build, and a preview is a picture's
/// backdrop, which the page never waits on. Not loaded (offline before the worker saved it, a
/// failing network), the pictures have no backdrop, and nothing else changes.
#[cfg(feature = "hydrate")]
#[leptos::wasm_split::wasm_split(paint_previews, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn paint_previews() -> Result<(), crate::components::NotLoaded> {
    use wasm_bindgen::JsCast;
    let Ok(images) = leptos::prelude::document().query_selector_all("img[data-thumbhash]") else {
        return Ok(());
    };
    for i in 0..images.length() {
        let Some(img) = images.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        let hash = img.get_attribute("data-thumbhash").unwrap_or_default();
        if let Some(url) = vitrine_protocol::preview::data_url(&hash) {
            let _ = img.style().set_property("background-image", &format!("url({url})"));
        }
    }
    Ok(())
}
