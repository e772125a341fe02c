//! The worker's offline stand-in for a picture it never kept: "Available when online" over the
//! picture's own ThumbHash preview, found in the catalog saved at install. The page shows what
//! the work looks like with no script of its own, and the `<img>` keeps its alt text. Where the
//! catalog has no preview for it, the stand-in is transparent above its caption, and the page
//! paints the preview behind it (the app's `placeholder.rs`).

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Deserialize;
use vitrine_protocol::{paths, preview, Collection, Picture};
use wasm_bindgen::JsValue;
use web_sys::{Headers, Response, ResponseInit};

use crate::cache_names::CacheKind;
use crate::js;
use crate::routing::split_url;

thread_local! {
    /// Each picture's ThumbHash by the folder of its variants (`Picture::base`), read from the
    /// saved catalog at the first stand-in after a start (an offline gallery asks for many).
    static PREVIEWS: RefCell<Option<HashMap<String, String>>> = const { RefCell::new(None) };
}

/// The stand-in for the picture at `url`.
pub async fn response(url: &str) -> Result<Response, JsValue> {
    let folder = split_url(url).and_then(|(_, path)| path.rsplit_once('/')).map(|(f, _)| f);
    let preview = match folder {
        Some(folder) => preview_of(&format!("{folder}/")).await,
        None => None,
    };
    let headers = Headers::new()?;
    headers.set("content-type", "image/svg+xml")?;
    headers.set("cache-control", "no-store")?;
    headers.set("x-vitrine-offline", "placeholder")?;
    let init = ResponseInit::new();
    init.set_headers(&headers);
    Response::new_with_opt_str_and_init(Some(&svg(preview.as_deref())), &init)
}

/// A card-sized SVG: the preview (a data URL) filling it, if there is one, and the caption.
fn svg(preview: Option<&str>) -> String {
    let picture = preview.map_or(String::new(), |url| {
        format!(
            r#"<image width="480" height="320" preserveAspectRatio="xMidYMid slice" href="{url}"/>"#
        )
    });
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320" viewBox="0 0 480 320">{picture}<rect y="244" width="480" height="76" fill="#15172b" fill-opacity=".78"/><text x="240" y="292" fill="#fff" font-family="system-ui,sans-serif" font-size="28" text-anchor="middle">Available when online</text></svg>"##
    )
}

/// The preview of the picture whose variants live in `folder`, as a data URL.
async fn preview_of(folder: &str) -> Option<String> {
    if PREVIEWS.with(|p| p.borrow().is_none()) {
        match saved_previews().await {
            // Not kept while empty: the catalog may be saved later in this worker's life.
            Ok(found) if !found.is_empty() => PREVIEWS.with(|p| *p.borrow_mut() = Some(found)),
            Ok(_) => return None,
            Err(error) => {
                js::warn("saved catalog unreadable for an offline picture", &error);
                return None;
            }
        }
    }
    let hash = PREVIEWS.with(|p| p.borrow().as_ref().and_then(|p| p.get(folder).cloned()))?;
    preview::data_url(&hash)
}

/// What the stand-in reads of a saved gallery (`CollectionDetail`'s JSON): its pictures' folders
/// and hashes. Not the whole type: its deserializer (every work's fields, its drop) would add
/// more to the worker's wasm than the rest of this module.
#[derive(Deserialize)]
struct SavedGallery {
    #[serde(default)]
    cover_picture: Option<SavedPicture>,
    #[serde(default)]
    items: Vec<SavedWork>,
}

#[derive(Deserialize)]
struct SavedWork {
    #[serde(default)]
    picture: Option<SavedPicture>,
}

/// `Picture`'s folder and ThumbHash.
#[derive(Deserialize)]
struct SavedPicture {
    base: String,
    #[serde(default)]
    placeholder: String,
}

impl From<Picture> for SavedPicture {
    fn from(p: Picture) -> Self {
        SavedPicture { base: p.base, placeholder: p.placeholder }
    }
}

/// Every picture's ThumbHash in the saved catalog: the collections' covers and their works.
async fn saved_previews() -> Result<HashMap<String, String>, JsValue> {
    let api = js::open(CacheKind::Api).await?;
    let mut found = HashMap::new();
    let mut add = |picture: Option<SavedPicture>| {
        if let Some(p) = picture.filter(|p| !p.placeholder.is_empty()) {
            found.insert(p.base, p.placeholder);
        }
    };
    let Some(list) = js::lookup_url(&api, paths::COLLECTIONS).await? else { return Ok(found) };
    let collections: Vec<Collection> = serde_json::from_str(&js::text(&list).await?)
        .map_err(|e| JsValue::from_str(&format!("saved collections: {e}")))?;
    for collection in collections {
        add(collection.cover_picture.map(SavedPicture::from));
        let Some(saved) = js::lookup_url(&api, &paths::collection(&collection.slug)).await? else {
            continue;
        };
        // One gallery that does not parse (saved by an older release) costs only its previews.
        if let Ok(gallery) = serde_json::from_str::<SavedGallery>(&js::text(&saved).await?) {
            add(gallery.cover_picture);
            gallery.items.into_iter().for_each(|work| add(work.picture));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_shows_the_preview_under_its_caption() {
        let with = svg(Some("data:image/bmp;base64,Qk0="));
        assert!(with.contains(r#"<image width="480" height="320" preserveAspectRatio="xMidYMid slice" href="data:image/bmp;base64,Qk0="/>"#));
        assert!(with.find("<image").unwrap() < with.find("<text").unwrap(), "the caption on top");
        let without = svg(None);
        assert!(!without.contains("<image") && without.contains("Available when online"));
    }
}
