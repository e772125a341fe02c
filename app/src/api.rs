//! The only place the app talks HTTP. Requests are aborted when their view goes away.

pub mod merchant;

use serde::de::DeserializeOwned;
use vitrine_protocol::headers::SERVER_TIME;
use vitrine_protocol::waitlist::{JoinWaitlist, Waitlisted};
use vitrine_protocol::{
    paths, Collection, CollectionDetail, ErrorCode, Item, ItemId, Slug, UnixMillis,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCache, RequestInit, Response};

use crate::preload::Answer;

/// Why data could not be shown, in the terms the UI needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// No network and no saved copy on this device.
    Offline,
    /// The server says it does not exist.
    NotFound,
    /// Anything else; the message is for people.
    Failed(String),
}

/// Aborts its request when dropped: held by the future that reads the whole response, so
/// leaving a view (which drops that future) cancels the download.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn new() -> Self {
        AbortOnDrop(AbortController::new().ok())
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.abort();
        }
    }
}

async fn fetch(
    path: &str,
    cache: RequestCache,
    abort: &AbortOnDrop,
) -> Result<Response, FetchError> {
    let window = web_sys::window().ok_or(FetchError::Offline)?;
    let init = RequestInit::new();
    init.set_cache(cache);
    if let Some(c) = &abort.0 {
        init.set_signal(Some(&c.signal()));
    }
    let value = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| FetchError::Offline)?;
    value.dyn_into::<Response>().map_err(|_| FetchError::Failed("unexpected response".into()))
}

async fn text(response: &Response) -> Result<String, FetchError> {
    let promise = response.text().map_err(|_| FetchError::Offline)?;
    let value = JsFuture::from(promise).await.map_err(|_| FetchError::Offline)?;
    Ok(value.as_string().unwrap_or_default())
}

/// What the app says of a body it cannot read. serde_json's own message is not shown: it
/// means nothing to a collector, and formatting it costs the first load kilobytes of wasm.
const UNEXPECTED: &str = "the server sent something unexpected";

/// The body of a successful `GET`, or why there is none.
async fn get_text(path: &str) -> Result<String, FetchError> {
    let abort = AbortOnDrop::new();
    let response = fetch(path, RequestCache::Default, &abort).await?;
    let body = text(&response).await?;
    if response.ok() {
        return Ok(body);
    }
    Err(failure(response.status(), &body))
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, FetchError> {
    serde_json::from_str(body).map_err(|_| FetchError::Failed(UNEXPECTED.into()))
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, FetchError> {
    parse(&get_text(path).await?)
}

/// The one error shape, read with its code as text: deserialising `ErrorCode` itself would
/// bring every code's spelling into the first load for the two the app tells apart.
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// A non-2xx answer, read from the one error shape.
fn failure(status: u16, body: &str) -> FetchError {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(e) if e.code == ErrorCode::NotFound.as_str() => FetchError::NotFound,
        Ok(e) if e.code == ErrorCode::OfflineUnavailable.as_str() => FetchError::Offline,
        Ok(e) => FetchError::Failed(e.message),
        Err(_) => FetchError::Failed(format!("the server answered {status}")),
    }
}

/// The answer a page was rendered with (`preload`), read as if it had just been fetched.
pub fn preloaded<T: DeserializeOwned>(answer: &Answer) -> Result<T, FetchError> {
    if answer.ok {
        parse(&answer.body)
    } else {
        Err(failure(0, &answer.body))
    }
}

pub async fn collections() -> Result<Vec<Collection>, FetchError> {
    get_json(paths::COLLECTIONS).await
}

pub async fn collection(slug: Slug) -> Result<CollectionDetail, FetchError> {
    get_json(&paths::collection(&slug)).await
}

pub async fn item(id: ItemId) -> Result<Item, FetchError> {
    get_json(&paths::item(id)).await
}

/// An item's JSON, not yet read: the item page fetches it while its own code loads, and reads
/// it with [`read_item`] there, so reading an `Item` is not part of the first load.
pub async fn item_json(id: ItemId) -> Result<String, FetchError> {
    get_text(&paths::item(id)).await
}

pub fn read_item(body: &str) -> Result<Item, FetchError> {
    parse(body)
}

/// Join `item`'s waitlist: `Ok(Some(when))` when added now, `Ok(None)` when the address was
/// already on it. Never cached, never queued: the page says so when offline.
pub async fn join_waitlist(item: ItemId, email: &str) -> Result<Option<UnixMillis>, FetchError> {
    let body = serde_json::to_string(&JoinWaitlist { email: email.to_owned() })
        .map_err(|_| FetchError::Failed("this address cannot be sent".into()))?;
    let window = web_sys::window().ok_or(FetchError::Offline)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_cache(RequestCache::NoStore);
    init.set_body(&body.into());
    let headers = web_sys::Headers::new().map_err(|_| FetchError::Offline)?;
    let _ = headers.set("content-type", "application/json");
    init.set_headers(&headers);
    let value = JsFuture::from(window.fetch_with_str_and_init(&paths::waitlist(item), &init))
        .await
        .map_err(|_| FetchError::Offline)?;
    let response: Response =
        value.dyn_into().map_err(|_| FetchError::Failed("unexpected response".into()))?;
    let text = text(&response).await?;
    if response.ok() {
        let answer: Waitlisted = parse(&text)?;
        return Ok((response.status() == 201).then_some(answer.joined_at));
    }
    Err(failure(response.status(), &text))
}

/// Whether the server answers right now (never served from any cache), and the server's
/// clock as a sample: (sent, server time, received).
pub async fn server_reachable() -> Option<Option<(UnixMillis, UnixMillis, UnixMillis)>> {
    let abort = AbortOnDrop::new();
    let sent = crate::server_clock::device_now();
    let r = fetch(paths::HEALTHZ, RequestCache::NoStore, &abort).await.ok()?;
    let server = r.headers().get(SERVER_TIME).ok().flatten().and_then(|v| v.parse().ok());
    (r.ok() && text(&r).await.is_ok())
        .then(|| server.map(|s| (sent, UnixMillis(s), crate::server_clock::device_now())))
}
