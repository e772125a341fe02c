//! Tell open pages that a receipt changed, so they re-read it and announce the new status.

use js_sys::Array;
use vitrine_protocol::device::WorkerNotice;
use vitrine_protocol::IntentId;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Client, ClientQueryOptions, ClientType};

use crate::js;

pub async fn receipt_changed(id: IntentId) {
    let Ok(message) = serde_json::to_string(&WorkerNotice::ReceiptChanged { id }) else { return };
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
