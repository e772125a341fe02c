//! At install, save the catalog JSON and every grid thumbnail, so any gallery opens offline.

use vitrine_protocol::{paths, Collection, CollectionDetail};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::cache_names::CacheKind;
use crate::js;

async fn fetch_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, JsValue> {
    let api = js::open(CacheKind::Api).await?;
    let response = js::fetch_url(url).await?;
    if !response.ok() {
        return Err(JsValue::from_str(&format!("{url}: HTTP {}", response.status())));
    }
    js::put_url(&api, url, &response.clone()?).await?;
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| JsValue::from_str(&format!("{url}: {e}")))
}

pub async fn warm() -> Result<(), JsValue> {
    let collections: Vec<Collection> = fetch_json(paths::COLLECTIONS).await?;
    let mut images = Vec::new();
    for c in &collections {
        images.extend(c.cover.as_ref().map(|img| img.url.clone()));
        let detail: CollectionDetail = fetch_json(&paths::collection(&c.slug)).await?;
        images.extend(detail.items.into_iter().map(|i| i.thumb.url));
    }
    images.sort();
    images.dedup();
    let media = js::open(CacheKind::Media).await?;
    let urls: js_sys::Array = images.iter().map(|u| JsValue::from_str(u)).collect();
    js::wait(media.add_all_with_str_sequence(&urls)).await.map(drop)
}
