//! Talking to the service worker, which owns the device key, the outbox and the receipts.
//!
//! Each request goes over its own `MessageChannel`, so replies never cross. The worker also
//! broadcasts [`WorkerNotice`]s; they bump `receipts_changed`, which receipt views track.
//! Pages nudge the worker to replay on start, when the server comes back, when the page becomes
//! visible, and on a timer: Firefox and Safari have no Background Sync, and Chromium may delay it.

use std::time::Duration;

use js_sys::{Array, Promise};
use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::device::{
    ClaimRequest, ImageCacheStats, KioskState, KioskVoucher, PageRequest, Purchase, Receipt,
    VoucherView, WorkerNotice, WorkerReply,
};
use vitrine_protocol::drops::DropInfo;
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{DeviceCertificate, DeviceRegistration, Money, Quote};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageChannel, MessageEvent, ServiceWorkerContainer, ServiceWorkerRegistration};

use crate::connectivity::Connectivity;

const NUDGE_EVERY: Duration = Duration::from_secs(30);
const ANSWER_WITHIN_MS: i32 = 20_000;

/// Shared through context.
#[derive(Clone, Copy)]
pub struct DeviceEvents {
    /// Bumped whenever the worker reports a changed receipt.
    pub receipts_changed: RwSignal<u64>,
}

pub fn use_device_events() -> DeviceEvents {
    use_context::<DeviceEvents>().unwrap_or(DeviceEvents { receipts_changed: RwSignal::new(0) })
}

pub fn provide(connectivity: Connectivity) {
    let events = DeviceEvents { receipts_changed: RwSignal::new(0) };
    provide_context(events);
    if !crate::IN_BROWSER {
        return;
    }
    let Some(container) = container() else { return };
    let on_notice = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let notice = event.data().as_string().and_then(|t| serde_json::from_str(&t).ok());
        match notice {
            Some(WorkerNotice::ReceiptChanged { id }) => {
                events.receipts_changed.update(|n| *n += 1);
                // Only the whole app runs framed (embed mode): the islands' module leaves out
                // reading receipts, and with it every reply's parser.
                #[cfg(feature = "app")]
                crate::embed::receipt_changed(id);
                #[cfg(not(feature = "app"))]
                let _ = id;
            }
            Some(WorkerNotice::OfflineReady) => connectivity.offline_ready.set(true),
            None => {}
        }
    });
    container.set_onmessage(Some(on_notice.as_ref().unchecked_ref()));
    on_notice.forget();

    nudge(false);
    // The server just came back: skip the backoff of intents that failed on the network.
    Effect::new(move |was_online: Option<bool>| {
        let online = connectivity.online.get();
        if online && was_online == Some(false) {
            nudge(true);
        }
        online
    });
    let on_visible = Closure::<dyn FnMut()>::new(move || {
        if !document().hidden() {
            nudge(false);
        }
    });
    let _ = document()
        .add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
    on_visible.forget();
    set_interval(move || nudge(false), NUDGE_EVERY);
}

/// Ask the worker to send what is due. No reply is awaited, which keeps `ask` (and parsing
/// every reply type) out of the first load: only the lazily loaded views use the typed calls
/// below.
pub fn nudge(force: bool) {
    spawn_local(async move {
        if let Some(worker) = active_worker().await {
            let _ = worker.post_message(&JsValue::from_str(replay_message(force)));
        }
    });
}

/// `PageRequest::Replay` as JSON, written out so the first load needs no serializer at all
/// (a test checks it against serde).
fn replay_message(force: bool) -> &'static str {
    if force {
        r#"{"replay":{"force":true}}"#
    } else {
        r#"{"replay":{"force":false}}"#
    }
}

async fn active_worker() -> Option<web_sys::ServiceWorker> {
    let ready = container()?.ready().ok()?;
    let registration: ServiceWorkerRegistration = within(ready).await.ok()?.dyn_into().ok()?;
    registration.active()
}

fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // Absent on insecure origins and in some private modes.
    js_sys::Reflect::has(&navigator, &"serviceWorker".into())
        .unwrap_or(false)
        .then(|| navigator.service_worker())
}

const UNEXPECTED: &str = "Unexpected answer from the offline helper.";

/// May this device buy `quantity` at `quote` now (in `drop`, if the work is in one; the
/// device's clock corrected by `clock_offset_ms`): the total, or why not in words.
pub async fn check(
    quote: Signed<Quote>,
    quantity: u32,
    drop: Option<DropInfo>,
    clock_offset_ms: i64,
) -> Result<Money, String> {
    match ask(&PageRequest::Check { quote, quantity, drop, clock_offset_ms }).await? {
        WorkerReply::Allowed { total } => Ok(total),
        WorkerReply::Refused { reason } => Err(reason),
        WorkerReply::Failed { message } => Err(message),
        _ => Err(UNEXPECTED.to_owned()),
    }
}

/// Why a purchase was not stored.
pub enum NotBought {
    /// The device refused it (budget, expiry): nothing was stored, a new press is a new
    /// purchase.
    Refused(String),
    /// The worker could not answer or failed: the purchase may or may not be stored; pressing
    /// again with the same id resumes it.
    Unknown(String),
}

/// Make, sign and store the purchase (the worker sends it when it can).
pub async fn buy(purchase: Purchase) -> Result<Receipt, NotBought> {
    match ask(&PageRequest::Buy(purchase)).await {
        Ok(WorkerReply::Bought(receipt)) => Ok(*receipt),
        Ok(WorkerReply::Refused { reason }) => Err(NotBought::Refused(reason)),
        Ok(WorkerReply::Failed { message }) => Err(NotBought::Unknown(format!(
            "The purchase could not be saved on this device: {message}"
        ))),
        Ok(_) => Err(NotBought::Unknown(UNEXPECTED.to_owned())),
        Err(message) => Err(NotBought::Unknown(message)),
    }
}

/// Every receipt on this device (newest first) and how many saved purchases need attention.
pub async fn receipts() -> Result<(Vec<Receipt>, u32), String> {
    match ask(&PageRequest::Receipts).await? {
        WorkerReply::Receipts { receipts, needs_attention } => Ok((receipts, needs_attention)),
        WorkerReply::Failed { message } => Err(message),
        _ => Err(UNEXPECTED.to_owned()),
    }
}

/// The image cache's counters; with `Some(max_bytes)`, after setting the collector's limit.
pub async fn image_stats(limit: Option<u64>) -> Result<ImageCacheStats, String> {
    let request = match limit {
        Some(max_bytes) => PageRequest::ImageBudget { max_bytes },
        None => PageRequest::ImageStats,
    };
    match ask(&request).await? {
        WorkerReply::ImageStats(stats) => Ok(stats),
        WorkerReply::Failed { message } => Err(message),
        _ => Err(UNEXPECTED.to_owned()),
    }
}

/// What a scanned code is, checked on this device (offline too); `kiosk` checks it for the
/// kiosk's key (whose earlier claim of it counts), not the collector's.
pub async fn claim_check(
    code: String,
    kiosk: bool,
    clock_offset_ms: i64,
) -> Result<VoucherView, String> {
    match ask(&PageRequest::ClaimCheck { code, kiosk, clock_offset_ms }).await? {
        WorkerReply::Voucher(view) => Ok(*view),
        WorkerReply::Refused { reason } | WorkerReply::Failed { message: reason } => Err(reason),
        _ => Err(UNEXPECTED.to_owned()),
    }
}

/// What came of a claim.
pub enum Claimed {
    /// Signed and stored; the worker sends it when it can.
    New(Receipt),
    /// This device had claimed the code already (at the receipt's `created_at`).
    Before(Receipt),
    /// Refused on the device (not genuine, expired, withdrawn, priced at a kiosk…).
    Refused(String),
}

pub async fn claim(request: ClaimRequest) -> Result<Claimed, String> {
    Ok(match ask(&PageRequest::Claim(request)).await? {
        WorkerReply::Bought(receipt) => Claimed::New(*receipt),
        WorkerReply::AlreadyClaimed { receipt, .. } => Claimed::Before(*receipt),
        WorkerReply::Refused { reason } => Claimed::Refused(reason),
        WorkerReply::Failed { message } => return Err(message),
        _ => return Err(UNEXPECTED.to_owned()),
    })
}

/// The kiosk key's signed registration, for the merchant to certify.
pub async fn kiosk_registration() -> Result<Signed<DeviceRegistration>, String> {
    match ask(&PageRequest::KioskKey).await? {
        WorkerReply::Registration(r) => Ok(r),
        WorkerReply::Failed { message } => Err(message),
        _ => Err(UNEXPECTED.to_owned()),
    }
}

/// Keep the kiosk's certificate and vouchers (`None`: only read where it stands).
pub async fn kiosk(
    setup: Option<(Signed<DeviceCertificate>, Vec<KioskVoucher>)>,
) -> Result<KioskState, String> {
    let request = match setup {
        Some((certificate, vouchers)) => PageRequest::KioskSetup { certificate, vouchers },
        None => PageRequest::KioskStatus,
    };
    match ask(&request).await? {
        WorkerReply::Kiosk(state) => Ok(state),
        WorkerReply::Refused { reason } | WorkerReply::Failed { message: reason } => Err(reason),
        _ => Err(UNEXPECTED.to_owned()),
    }
}

/// Whether the worker has saved everything the storefront needs offline. Every page asks, so
/// the request is written out and only its reply is parsed: `ask` would bring the serializer of
/// every request and the parser of every reply into the first load (tests check both against
/// serde).
pub async fn offline_ready() -> bool {
    let Ok(answer) = ask_text(OFFLINE_READY_REQUEST.to_owned()).await else { return false };
    matches!(serde_json::from_str(&answer), Ok(ReadyReply::OfflineReady { ready: true }))
}

/// `PageRequest::OfflineReady` as JSON.
const OFFLINE_READY_REQUEST: &str = r#""offline_ready""#;

/// `PageRequest::Activate` as JSON, which the status bar's Reload sends to a waiting worker:
/// written out, as serializing it would bring every request's serializer into the first load.
pub const ACTIVATE_REQUEST: &str = r#""activate""#;

/// The one `WorkerReply` that `offline_ready` reads; any other fails to parse.
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum ReadyReply {
    OfflineReady { ready: bool },
}

/// One request, one reply. Fails in words fit for the buyer.
async fn ask(request: &PageRequest) -> Result<WorkerReply, String> {
    let text =
        serde_json::to_string(request).map_err(|_| "the request cannot be sent".to_owned())?;
    let answer = ask_text(text).await?;
    // serde_json's message is not shown: formatting it costs the first load kilobytes.
    serde_json::from_str(&answer).map_err(|_| "unexpected answer from the worker".to_owned())
}

/// Send one request's JSON over its own channel; the reply's JSON.
async fn ask_text(text: String) -> Result<String, String> {
    const NO_WORKER: &str =
        "Purchases need this site's offline helper (a service worker), which this browser has not started.";
    let container = container().ok_or(NO_WORKER)?;
    let ready = container.ready().map_err(|_| NO_WORKER)?;
    let registration: ServiceWorkerRegistration =
        within(ready).await.ok().and_then(|r| r.dyn_into().ok()).ok_or(NO_WORKER)?;
    let worker = registration.active().ok_or(NO_WORKER)?;
    let channel = MessageChannel::new().map_err(|_| NO_WORKER)?;
    let port = channel.port1();
    let reply = Promise::new(&mut |resolve, _reject| {
        let on_reply = Closure::once_into_js(move |event: MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &event.data());
        });
        port.set_onmessage(Some(on_reply.unchecked_ref()));
    });
    worker
        .post_message_with_transferable(&JsValue::from_str(&text), &Array::of1(&channel.port2()))
        .map_err(|_| NO_WORKER)?;
    let answer = within(reply)
        .await
        .map_err(|_| "The offline helper did not answer in time; try again.".to_owned())?;
    Ok(answer.as_string().unwrap_or_default())
}

/// `promise`, or an error after `ANSWER_WITHIN_MS`.
async fn within(promise: Promise) -> Result<JsValue, JsValue> {
    let timeout = Promise::new(&mut |_resolve, reject| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(&reject, ANSWER_WITHIN_MS);
        }
    });
    JsFuture::from(Promise::race(&Array::of2(&promise, &timeout))).await
}

/// `navigator.storage.persist()`, fire and forget: the browser may ask the buyer or decide by
/// itself; either way it only matters under storage pressure.
pub fn persist_storage() {
    let storage = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"storage".into()).ok())
        .filter(|s| s.is_object());
    let Some(storage) = storage else { return };
    let persist = js_sys::Reflect::get(&storage, &"persist".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(persist) = persist {
        let _ = persist.call0(&storage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_out_replay_message_is_what_serde_writes() {
        for force in [true, false] {
            let serde = serde_json::to_string(&PageRequest::Replay { force }).unwrap();
            assert_eq!(replay_message(force), serde);
        }
    }

    #[test]
    fn the_offline_ready_request_and_reply_are_what_serde_writes() {
        let request = serde_json::to_string(&PageRequest::OfflineReady).unwrap();
        assert_eq!(OFFLINE_READY_REQUEST, request);
        for ready in [true, false] {
            let reply = serde_json::to_string(&WorkerReply::OfflineReady { ready }).unwrap();
            let parsed: ReadyReply = serde_json::from_str(&reply).unwrap();
            assert!(matches!(parsed, ReadyReply::OfflineReady { ready: r } if r == ready));
        }
        let other = serde_json::to_string(&WorkerReply::Done).unwrap();
        assert!(serde_json::from_str::<ReadyReply>(&other).is_err());
    }

    #[test]
    fn the_written_out_activate_request_is_what_serde_writes() {
        let serde = serde_json::to_string(&PageRequest::Activate).unwrap();
        assert_eq!(ACTIVATE_REQUEST, serde);
    }
}
