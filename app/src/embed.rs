//! The storefront framed on a merchant's own site (`/embed/{slug}`, put there by `embed.js`):
//! in lite mode our header is hidden; the page's height and its purchases are posted to the
//! host page (`protocol::embed`, version 1), addressed to the host's origin only, so a page
//! that framed us under another name hears nothing; and a theme the host sends from that
//! origin is applied once `Theme::problems` finds none. Receipt numbers only cross: never a
//! key, a token or an email.

use std::cell::RefCell;
use std::collections::HashSet;

use leptos::task::spawn_local;
use vitrine_protocol::device::ReceiptStatus;
use vitrine_protocol::embed::{Envelope, FromHost, ToHost, PROTOCOL};
use vitrine_protocol::merchant::origin;
use vitrine_protocol::IntentId;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, MessageEvent, ResizeObserver, Window};

/// What the pages need to know about being framed on another site.
#[derive(Clone, Copy)]
pub struct Framed {
    /// This page is the storefront framed on a merchant's site.
    pub embedded: bool,
    /// The browser keeps no storage for the shop inside that site (third-party storage
    /// blocked): no worker, so no purchase can be kept here.
    pub storage_blocked: leptos::prelude::RwSignal<bool>,
}

/// How this page is framed (not framed, outside embed mode).
pub fn use_framed() -> Framed {
    leptos::prelude::use_context::<Framed>().unwrap_or(Framed {
        embedded: false,
        storage_blocked: leptos::prelude::RwSignal::new(false),
    })
}

thread_local! {
    /// The host page's origin, when this page is framed in embed mode.
    static HOST: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Purchases whose payment was already told to the host.
    static TOLD_PAID: RefCell<HashSet<IntentId>> = RefCell::new(HashSet::new());
}

fn parent(window: &Window) -> Option<Window> {
    let parent = window.parent().ok().flatten()?;
    // A page that is not framed is its own parent.
    (!js_sys::Object::is(&parent, window)).then_some(parent)
}

fn query(window: &Window, name: &str) -> Option<String> {
    let search = window.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name)
}

/// Enter embed mode if this page is `/embed/…` in a frame whose host named itself (`?host=`).
pub fn start() {
    if !crate::IN_BROWSER {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let path = window.location().pathname().unwrap_or_default();
    if !path.starts_with("/embed/") {
        return;
    }
    let framed = Framed { embedded: true, storage_blocked: leptos::prelude::RwSignal::new(false) };
    leptos::prelude::provide_context(framed);
    // A browser that blocks third-party storage refuses the worker here: say so where it
    // matters (the Buy sheet) instead of failing at Pay.
    let registrations = window.navigator().service_worker().get_registrations();
    spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(registrations).await.is_err() {
            leptos::prelude::Set::set(&framed.storage_blocked, true);
        }
    });
    let Some(root) = window.document().and_then(|d| d.document_element()) else { return };
    let _ = root.class_list().add_1("embedded");
    if query(&window, "lite").as_deref() == Some("1") {
        let _ = root.class_list().add_1("lite");
    }
    let Some(host) = query(&window, "host").and_then(|h| origin(&h).ok()) else { return };
    if parent(&window).is_none() {
        return;
    }
    HOST.with(|h| *h.borrow_mut() = Some(host.clone()));
    watch_height(&root);
    listen_for_theme(&window, host);
}

/// Post `message` to the host page, at its origin only.
fn tell(message: ToHost) {
    let Some(host) = HOST.with(|h| h.borrow().clone()) else { return };
    let Some(parent) = web_sys::window().as_ref().and_then(parent) else { return };
    let Ok(json) = serde_json::to_string(&Envelope::new(message)) else { return };
    if let Ok(value) = js_sys::JSON::parse(&json) {
        let _ = parent.post_message(&value, &host);
    }
}

fn watch_height(root: &web_sys::Element) {
    let last = RefCell::new(0u32);
    let measure = Closure::<dyn FnMut()>::new(move || {
        let height = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .map_or(0, |e| u32::try_from(e.scroll_height()).unwrap_or(0));
        if height != *last.borrow() {
            *last.borrow_mut() = height;
            tell(ToHost::Resize { height });
        }
    });
    if let Ok(observer) = ResizeObserver::new(measure.as_ref().unchecked_ref()) {
        observer.observe(root);
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            observer.observe(&body);
        }
    }
    measure.forget();
}

fn listen_for_theme(window: &Window, host: String) {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if event.origin() != host {
            return;
        }
        let Some(text) = js_sys::JSON::stringify(&event.data()).ok().and_then(|s| s.as_string())
        else {
            return;
        };
        let Ok(message) = serde_json::from_str::<Envelope<FromHost>>(&text) else { return };
        if message.protocol != PROTOCOL {
            return;
        }
        let FromHost::Theme(theme) = message.body;
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        if let Some(root) = root {
            for (name, value) in theme.properties() {
                let _ = root.style().set_property(name, &value);
            }
        }
    });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
}

/// A purchase was made on this device.
pub fn purchased(receipt: IntentId) {
    tell(ToHost::PurchaseCreated { receipt });
}

/// A receipt changed: if it is now paid, tell the host once.
pub fn receipt_changed(receipt: IntentId) {
    if HOST.with(|h| h.borrow().is_none()) {
        return;
    }
    spawn_local(async move {
        let Ok((receipts, _)) = crate::worker::receipts().await else { return };
        let paid = receipts.iter().any(|r| r.id == receipt && r.status == ReceiptStatus::Paid);
        if paid && TOLD_PAID.with(|t| t.borrow_mut().insert(receipt)) {
            tell(ToHost::PurchasePaid { receipt });
        }
    });
}
