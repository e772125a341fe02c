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
use crate::server_clock::ServerClock;

const RECHECK_EVERY: Duration = Duration::from_secs(10);

/// Shared through context; read by the status bar and by pages that want to explain themselves.
#[derive(Clone, Copy)]
pub struct Connectivity {
    /// The server answered the last health check.
    pub online: RwSignal<bool>,
    /// A service worker controls this page, so what was seen stays available offline.
    pub offline_ready: RwSignal<bool>,
    /// A new release is installed and waiting for the buyer's word to take over.
    pub update_waiting: RwSignal<bool>,
}

pub fn provide(clock: ServerClock) -> Connectivity {
    let c = Connectivity {
        online: RwSignal::new(true),
        offline_ready: RwSignal::new(false),
        update_waiting: RwSignal::new(false),
    };
    provide_context(c);
    if !crate::IN_BROWSER {
        return c;
    }
    let check = move || {
        spawn_local(async move {
            let link_up = web_sys::window().is_some_and(|w| w.navigator().on_line());
            let answer = if link_up { api::server_reachable().await } else { None };
            if let Some(Some((sent, server, received))) = answer {
                clock.sample(sent, server, received);
            }
            c.online.set(answer.is_some());
        })
    };
    check();
    let _ = window_event_listener(leptos::ev::online, move |_| check());
    let _ = window_event_listener(leptos::ev::offline, move |_| c.online.set(false));
    let _ = window_event_listener(leptos::ev::focus, move |_| check());
    let _ = window_event_listener(leptos::ev::pageshow, move |_| check());
    set_interval(check, RECHECK_EVERY);
    register_service_worker(c);
    c
}

/// On the server: the request a page is drawn for asked to save data (`ssr::Drawn`).
#[derive(Clone, Copy)]
pub struct SaveData(pub bool);

/// The buyer asked to save data (`Save-Data`), or the link is 2G: small, low-quality images and
/// no prefetching. Read once: it rarely changes during a visit, and images must not flip size.
/// On the server, what the request asked (a page the server drew keeps its pictures).
pub fn save_data() -> bool {
    if !crate::IN_BROWSER {
        return use_context::<SaveData>().is_some_and(|SaveData(on)| on);
    }
    thread_local! {
        static SAVE_DATA: bool = {
            let connection = web_sys::window()
                .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"connection".into()).ok())
                .filter(|c| c.is_object());
            connection.is_some_and(|c| {
                let get = |k: &str| js_sys::Reflect::get(&c, &k.into()).ok();
                let save = get("saveData").and_then(|v| v.as_bool()).unwrap_or(false);
                let ect = get("effectiveType").and_then(|v| v.as_string()).unwrap_or_default();
                save || ect == "slow-2g" || ect == "2g"
            })
        };
    }
    SAVE_DATA.with(|s| *s)
}

pub fn use_connectivity() -> Option<Connectivity> {
    use_context::<Connectivity>()
}

/// Register `/sw.js`; `offline_ready` turns true once a worker controls this page and has
/// saved everything (it says so, `worker::offline_ready`, or tells when it has), and
/// `update_waiting` once a newer release has installed behind it.
fn register_service_worker(c: Connectivity) {
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
        let Ok(registration) = JsFuture::from(promise).await else { return };
        let Ok(registration) = registration.dyn_into::<web_sys::ServiceWorkerRegistration>() else {
            return;
        };
        watch_for_updates(&registration, c.update_waiting);
        let had_controller = container.controller().is_some();
        let ask_ready = move || {
            spawn_local(async move {
                // Only ever from false to true: a `WorkerNotice::OfflineReady` may arrive first.
                if crate::worker::offline_ready().await {
                    c.offline_ready.set(true);
                }
            })
        };
        if had_controller {
            ask_ready();
        }
        // First visit: the worker claims this page right after activating. Later, a change of
        // controller means the buyer accepted an update: load the new release.
        let on_change = Closure::<dyn FnMut()>::new(move || {
            if had_controller {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            } else {
                ask_ready();
            }
        });
        container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
    });
}

/// A worker that is `installed` while another controls the page is an update waiting.
fn watch_for_updates(registration: &web_sys::ServiceWorkerRegistration, waiting: RwSignal<bool>) {
    let has_controller =
        || web_sys::window().is_some_and(|w| w.navigator().service_worker().controller().is_some());
    if registration.waiting().is_some() && has_controller() {
        waiting.set(true);
    }
    let reg = registration.clone();
    let on_found = Closure::<dyn FnMut()>::new(move || {
        let Some(installing) = reg.installing() else { return };
        let worker = installing.clone();
        let on_state = Closure::<dyn FnMut()>::new(move || {
            if worker.state() == web_sys::ServiceWorkerState::Installed && has_controller() {
                waiting.set(true);
            }
        });
        installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
        on_state.forget();
    });
    registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
    on_found.forget();
    // Browsers check on navigation; a long-lived tab checks when it comes back into view too.
    let reg = registration.clone();
    let on_visible = Closure::<dyn FnMut()>::new(move || {
        if web_sys::window().and_then(|w| w.document()).is_some_and(|d| !d.hidden()) {
            let _ = reg.update();
        }
    });
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            on_visible.as_ref().unchecked_ref(),
        );
    }
    on_visible.forget();
}

/// The buyer said "reload": tell the waiting worker to take over; `controllerchange` reloads.
pub fn activate_update() {
    let Some(window) = web_sys::window() else { return };
    let container = window.navigator().service_worker();
    spawn_local(async move {
        let Ok(registration) = JsFuture::from(container.get_registration()).await else {
            return;
        };
        let Ok(registration) = registration.dyn_into::<web_sys::ServiceWorkerRegistration>() else {
            return;
        };
        let Some(waiting) = registration.waiting() else { return };
        let _ = waiting.post_message(&crate::worker::ACTIVATE_REQUEST.into());
    });
}
