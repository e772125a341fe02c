//! Tell open pages what changed: a receipt (they re-read it and announce the new status), or
//! that everything is now saved for offline use.

use js_sys::Array;
use vitrine_protocol::device::WorkerNotice;
use vitrine_protocol::IntentId;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Client, ClientQueryOptions, ClientType};

use crate::js;

pub async fn receipt_changed(id: IntentId) {
    tell(&WorkerNotice::ReceiptChanged { id }).await;
}

pub async fn offline_ready() {
    tell(&WorkerNotice::OfflineReady).await;
}

async fn tell(notice: &WorkerNotice) {
    let Ok(message) = serde_json::to_string(notice) else { return };
    let options = ClientQueryOptions::new();
    options.set_include_uncontrolled(true);
    options.set_type(ClientType::Window);
    let Ok(clients) = js::wait(js::scope().clients().match_all_with_options(&options)).await else {
        return;
    };
    for client in Array::from(&clients).iter() {
        if let Ok(client) = client.dyn_into::<Client>() {
            let _ = client.post_message(&JsValue::from_str(&message));
        }
    }
}
