//! Entry points for everything that is not a fetch: page requests, Background Sync, start-up.

use js_sys::Promise;
use vitrine_protocol::device::{PageRequest, WorkerReply};
use vitrine_protocol::drops;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{ExtendableMessageEvent, MessagePort};

use crate::device_db::{self, DbError};
use crate::{checkout, claiming, js, kiosk, replay};

/// The Background Sync tag the worker registers when the outbox has something to send.
pub const SYNC_TAG: &str = "outbox";

/// A page's request (JSON string) with a `MessagePort` to answer on. The shim passes the
/// returned promise to `waitUntil`, so the worker stays alive while it sends.
#[wasm_bindgen]
pub fn on_message(event: ExtendableMessageEvent) -> Promise {
    future_to_promise(async move {
        let port: Option<MessagePort> = event.ports().get(0).dyn_into().ok();
        let request = event
            .data()
            .as_string()
            .and_then(|text| serde_json::from_str::<PageRequest>(&text).ok());
        let Some(request) = request else {
            reply(port.as_ref(), &WorkerReply::Failed { message: "unknown request".into() });
            return Ok(JsValue::UNDEFINED);
        };
        if let PageRequest::PicturesShown { urls } = request {
            // Often (a gallery's pictures as they load), taken in turn (`pictures_shown`):
            // not through `answer`, which opens the outbox's database for every request.
            crate::pictures_shown::shown(urls).await;
            reply(port.as_ref(), &WorkerReply::Done);
            return Ok(JsValue::UNDEFINED);
        }
        let (answer, then_replay) = match answer(request).await {
            Ok(pair) => pair,
            Err(error) => (WorkerReply::Failed { message: error.0 }, None),
        };
        reply(port.as_ref(), &answer);
        if let Some(force) = then_replay {
            if replay::run(force).await {
                register_sync();
            }
        }
        Ok(JsValue::UNDEFINED)
    })
}

/// The reply, and whether (and how hard) to replay afterwards.
async fn answer(request: PageRequest) -> Result<(WorkerReply, Option<bool>), DbError> {
    let db = device_db::open().await?;
    Ok(match request {
        PageRequest::Check { quote, quantity, drop, clock_offset_ms } => {
            let now = drops::corrected(js::now(), clock_offset_ms);
            (checkout::check(&db, &quote.body, quantity, drop.as_ref(), now).await?, None)
        }
        PageRequest::Buy(purchase) => {
            let reply = checkout::buy(&db, purchase).await?;
            let bought = matches!(reply, WorkerReply::Bought(_));
            (reply, bought.then_some(false))
        }
        PageRequest::ClaimCheck { code, kiosk, clock_offset_ms } => {
            (claiming::check(&db, &code, kiosk, clock_offset_ms).await?, None)
        }
        PageRequest::Claim(request) => {
            let reply = claiming::claim(&db, request).await?;
            let stored = matches!(reply, WorkerReply::Bought(_));
            (reply, stored.then_some(false))
        }
        PageRequest::KioskKey => (kiosk::registration(&db).await?, None),
        PageRequest::KioskSetup { certificate, vouchers } => {
            (kiosk::setup(&db, certificate, &vouchers).await?, None)
        }
        PageRequest::KioskStatus => (kiosk::status(&db).await?, None),
        PageRequest::Receipts => {
            let receipts = device_db::receipts(&db).await?;
            let needs_attention =
                u32::try_from(device_db::quarantined(&db).await?.len()).unwrap_or(u32::MAX);
            (WorkerReply::Receipts { receipts, needs_attention }, None)
        }
        PageRequest::Replay { force } => (WorkerReply::Done, Some(force)),
        PageRequest::Activate => {
            // Only a waiting worker gets this: the buyer said "reload" to an update.
            let _ = js::scope().skip_waiting();
            (WorkerReply::Done, None)
        }
        PageRequest::OfflineReady => {
            (WorkerReply::OfflineReady { ready: crate::lifecycle::offline_ready().await }, None)
        }
        PageRequest::ImageStats => stats_reply(crate::image_cache::stats().await),
        PageRequest::ImageBudget { max_bytes } => {
            stats_reply(crate::image_cache::set_budget(max_bytes).await)
        }
        // Taken before the database is opened (`on_message`).
        PageRequest::PicturesShown { .. } => (WorkerReply::Done, None),
    })
}

fn stats_reply(
    stats: Result<vitrine_protocol::device::ImageCacheStats, JsValue>,
) -> (WorkerReply, Option<bool>) {
    match stats {
        Ok(stats) => (WorkerReply::ImageStats(stats), None),
        Err(error) => (WorkerReply::Failed { message: format!("{error:?}") }, None),
    }
}

fn reply(port: Option<&MessagePort>, answer: &WorkerReply) {
    let Some(port) = port else { return };
    if let Ok(text) = serde_json::to_string(answer) {
        let _ = port.post_message(&JsValue::from_str(&text));
    }
}

/// Background Sync: the browser thinks the network is back. Rejecting asks it to try again
/// later, which it does with its own backoff.
#[wasm_bindgen]
pub fn on_sync(tag: String) -> Promise {
    future_to_promise(async move {
        if tag != SYNC_TAG {
            return Ok(JsValue::UNDEFINED);
        }
        if replay::run(true).await {
            return Err(JsValue::from_str("intents still waiting"));
        }
        Ok(JsValue::UNDEFINED)
    })
}

/// Every worker start (Firefox and Safari have no Background Sync, so this is their chance);
/// a first install's once its wasm has started, after `on_activate` (`public/sw.js`).
#[wasm_bindgen]
pub fn on_start() -> Promise {
    future_to_promise(async move {
        wasm_bindgen_futures::spawn_local(async {
            crate::lifecycle::complete().await;
        });
        if replay::run(false).await {
            register_sync();
        }
        Ok(JsValue::UNDEFINED)
    })
}

/// Ask for a `sync` event where Background Sync exists; elsewhere this does nothing.
fn register_sync() {
    let sync = js_sys::Reflect::get(&js::scope().registration(), &"sync".into());
    let Ok(sync) = sync else { return };
    if sync.is_undefined() {
        return;
    }
    let register = js_sys::Reflect::get(&sync, &"register".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(register) = register {
        if let Ok(promise) = register.call1(&sync, &JsValue::from_str(SYNC_TAG)) {
            if let Ok(promise) = promise.dyn_into::<Promise>() {
                // A refusal (permission, unsupported) leaves the other triggers in charge.
                let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                let _ = promise.catch(&ignore);
                ignore.forget();
            }
        }
    }
}
