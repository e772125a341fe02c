//! At install, save the catalog JSON, so any gallery opens offline, and what claim codes are
//! checked against (the shop's keys, its claim batches' terms, the device's certificate). Images are not prefetched:
//! on a phone with little data that would spend megabytes on pictures nobody looked at (and
//! Save-Data asks us not to); a gallery never opened shows each image's inline ThumbHash
//! preview instead, and every image seen is kept by the image cache.

use vitrine_protocol::{paths, Collection};
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
    crate::stand_in::forget();
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| JsValue::from_str(&format!("{url}: {e}")))
}

/// Everything at once: on a phone's slow link, install (and so the page's control by the
/// worker) waits for the slowest request, not for their sum.
pub async fn warm() -> Result<(), JsValue> {
    let best_effort = async {
        // What a claim code is checked against offline: the shop's keys and its batches'
        // terms. Best effort: the catalog matters more, and both are fetched again when a code
        // is scanned.
        let urls = [paths::KEYS, paths::CLAIM_TERMS];
        let _ = js::all(urls.map(|url| async move {
            if let Err(error) = fetch_json::<serde::de::IgnoredAny>(url).await {
                js::warn("warm-up skipped", &error);
            }
            Ok(())
        }))
        .await;
        Ok(())
    };
    // The device's certificate: a phone that has visited the shop can then claim a voucher at
    // a pop-up with no network at all.
    let certificate = async {
        match crate::device_db::open().await {
            Ok(db) => {
                if let Err(error) = crate::device_key::ensure(&db).await {
                    js::warn("device registration at install failed", &error.0.into());
                }
            }
            Err(error) => js::warn("device database unavailable at install", &error.0.into()),
        }
        Ok(())
    };
    let catalog = async {
        let collections: Vec<Collection> = fetch_json(paths::COLLECTIONS).await?;
        js::all(collections.into_iter().map(|c| async move {
            fetch_json::<serde::de::IgnoredAny>(&paths::collection(&c.slug)).await.map(drop)
        }))
        .await
    };
    let tasks: [js::Task; 3] = [Box::pin(best_effort), Box::pin(certificate), Box::pin(catalog)];
    js::all(tasks).await
}
