//! The worker's offline stand-in for a picture it never kept: "Available when online" over the
//! picture's own ThumbHash preview, found in the catalog saved at install. The page shows what
//! the work looks like with no script of its own, and the `<img>` keeps its alt text. Where the
//! catalog has no preview for it, a plain card: the stand-in is a whole picture, so a page
//! whose pictures have all come does not fetch its previews' painter (the app's
//! `placeholder.rs`).

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::Promise;
use serde::Deserialize;
use vitrine_protocol::{paths, preview, Collection, Picture};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{Headers, Response, ResponseInit};

use crate::cache_names::CacheKind;
use crate::js;
use crate::routing::split_url;

thread_local! {
    /// Each picture's ThumbHash by the folder of its variants (`Picture::base`), read from the
    /// saved catalog at the first stand-in after a start (an offline gallery asks for many),
    /// and forgotten whenever the catalog is saved again (`forget`).
    static PREVIEWS: RefCell<Option<Previews>> = const { RefCell::new(None) };
    /// The reading under way, which every stand-in asked for meanwhile waits on: one at a time.
    static READING: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

struct Previews {
    by_folder: HashMap<String, String>,
    /// Every gallery the saved list names was saved too. An incomplete catalog (install cut
    /// off halfway) is read again at the next stand-in that finds nothing in it.
    complete: bool,
}

/// The saved catalog changed: read it again at the next stand-in.
pub fn forget() {
    PREVIEWS.with(|p| *p.borrow_mut() = None);
}

/// The stand-in for the picture at `url`.
pub async fn response(url: &str) -> Result<Response, JsValue> {
    let folder = split_url(url)
        .map(|(_, path)| path)
        .filter(|path| vitrine_protocol::is_variant_path(path))
        .and_then(|path| path.rsplit_once('/'))
        .map(|(folder, _)| format!("{folder}/"));
    let preview = match folder {
        Some(folder) => preview_of(&folder).await,
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

/// A card-sized SVG: the preview (a data URL) filling it, else a plain neutral card (the
/// page's sunken colour), and the caption.
fn svg(preview: Option<&str>) -> String {
    let picture = preview.map_or_else(
        || r##"<rect width="480" height="320" fill="#8f8c84"/>"##.to_owned(),
        |url| {
            format!(
                r#"<image width="480" height="320" preserveAspectRatio="xMidYMid slice" href="{url}"/>"#
            )
        },
    );
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320" viewBox="0 0 480 320">{picture}<rect y="244" width="480" height="76" fill="#15172b" fill-opacity=".78"/><text x="240" y="292" fill="#fff" font-family="system-ui,sans-serif" font-size="28" text-anchor="middle">Available when online</text></svg>"##
    )
}

/// The preview of the picture whose variants live in `folder`, as a data URL.
async fn preview_of(folder: &str) -> Option<String> {
    let known = |folder: &str| {
        PREVIEWS.with(|p| {
            let p = p.borrow();
            let p = p.as_ref()?;
            Some((p.by_folder.get(folder).cloned(), p.complete))
        })
    };
    let hash = match known(folder) {
        Some((Some(hash), _)) => hash,
        Some((None, true)) => return None,
        // Not read yet, or read incomplete: read (again), one reading at a time.
        Some((None, false)) | None => {
            let _ = js::wait(reading()).await;
            known(folder)?.0?
        }
    };
    preview::data_url(&hash)
}

/// The reading of the saved catalog under way, or a new one.
fn reading() -> Promise {
    READING.with(|r| {
        r.borrow_mut()
            .get_or_insert_with(|| {
                future_to_promise(async {
                    let read = saved_previews().await;
                    READING.with(|r| *r.borrow_mut() = None);
                    match read {
                        Ok(previews) => PREVIEWS.with(|p| *p.borrow_mut() = Some(previews)),
                        Err(error) => {
                            js::warn("saved catalog unreadable for an offline picture", &error)
                        }
                    }
                    Ok(JsValue::UNDEFINED)
                })
            })
            .clone()
    })
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
async fn saved_previews() -> Result<Previews, JsValue> {
    let api = js::open(CacheKind::Api).await?;
    let mut by_folder = HashMap::new();
    let mut add = |picture: Option<SavedPicture>| {
        if let Some(p) = picture.filter(|p| !p.placeholder.is_empty()) {
            by_folder.insert(p.base, p.placeholder);
        }
    };
    let Some(list) = js::lookup_url(&api, paths::COLLECTIONS).await? else {
        return Ok(Previews { by_folder, complete: false });
    };
    let collections: Vec<Collection> = serde_json::from_str(&js::text(&list).await?)
        .map_err(|e| JsValue::from_str(&format!("saved collections: {e}")))?;
    let mut complete = true;
    for collection in collections {
        add(collection.cover_picture.map(SavedPicture::from));
        let Some(saved) = js::lookup_url(&api, &paths::collection(&collection.slug)).await? else {
            complete = false;
            continue;
        };
        // One gallery that does not parse (saved by an older release) costs only its previews.
        if let Ok(gallery) = serde_json::from_str::<SavedGallery>(&js::text(&saved).await?) {
            add(gallery.cover_picture);
            gallery.items.into_iter().for_each(|work| add(work.picture));
        }
    }
    Ok(Previews { by_folder, complete })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_shows_the_preview_under_its_caption() {
        let with = svg(Some("data:image/bmp;base64,Qk0="));
        assert!(with.contains(r#"<image width="480" height="320" preserveAspectRatio="xMidYMid slice" href="data:image/bmp;base64,Qk0="/>"#));
        assert!(with.find("<image").unwrap() < with.find("<text").unwrap(), "the caption on top");
        // Without one, a plain card: never a transparent hole on a page whose painter did not
        // load (every picture complete).
        let without = svg(None);
        assert!(!without.contains("<image") && without.contains("Available when online"));
        assert!(without.contains(r##"<rect width="480" height="320" fill="#8f8c84"/>"##));
    }
}
