//! Is the server reachable, and is this device ready to browse offline?
//!
//! `navigator.onLine` only knows about the local link: a phone on captive Wi-Fi or a stopped
//! server both look "online". So the app asks `/healthz` (never cached) on start, when the
//! browser reports a network change, when the page becomes visible, and every few seconds.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api;

const RECHECK_EVERY: Duration = Duration::from_secs(10);

/// Shared through context; read by the status bar and by pages that want to explain themselves.
#[derive(Clone, Copy)]
pub struct Connectivity {
    /// The server answered the last health check.
    pub online: RwSignal<bool>,
    /// A service worker controls this page, so what was seen stays available offline.
    pub offline_ready: RwSignal<bool>,
}

pub fn provide() -> Connectivity {
    let c = Connectivity { online: RwSignal::new(true), offline_ready: RwSignal::new(false) };
    provide_context(c);
    let check = move || {
        spawn_local(async move {
            let link_up = web_sys::window().is_some_and(|w| w.navigator().on_line());
            c.online.set(link_up && api::server_reachable().await);
        })
    };
    check();
    let _ = window_event_listener(leptos::ev::online, move |_| check());
    let _ = window_event_listener(leptos::ev::offline, move |_| c.online.set(false));
    let _ = window_event_listener(leptos::ev::focus, move |_| check());
    let _ = window_event_listener(leptos::ev::pageshow, move |_| check());
    set_interval(check, RECHECK_EVERY);
    register_service_worker(c.offline_ready);
    c
}

pub fn use_connectivity() -> Option<Connectivity> {
    use_context::<Connectivity>()
}

/// Register `/sw.js`; `ready` turns true once a worker controls this page.
fn register_service_worker(ready: RwSignal<bool>) {
    let Some(window) = web_sys::window() else { return };
    let navigator = window.navigator();
    // Absent on insecure origins and in some private modes: the app still works online.
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();
    let _ = container.register("/sw.js");
    spawn_local(async move {
        let Ok(promise) = container.ready() else { return };
        if JsFuture::from(promise).await.is_err() {
            return;
        }
        if container.controller().is_some() {
            ready.set(true);
            return;
        }
        // First visit: the worker claims this page right after activating.
        let on_change = Closure::<dyn FnMut()>::new(move || ready.set(true));
        container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
    });
}
