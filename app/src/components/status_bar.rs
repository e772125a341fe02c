use leptos::html;
use leptos::prelude::*;

use crate::connectivity::{self, use_connectivity};

const ONLINE: &str = "Online";
const OFFLINE: &str = "Offline: showing saved copies";
const READY: &str = "Available offline";

/// Connection and offline-readiness, announced politely when they change. An island: it runs
/// on every page the server drew.
#[island]
pub fn StatusBar() -> impl IntoView {
    let c = use_connectivity();
    let online = move || c.is_none_or(|c| c.online.get());
    let ready = move || c.is_some_and(|c| c.offline_ready.get());
    let update = move || c.is_some_and(|c| c.update_waiting.get());
    // Drawn as they are now, then written by effects: hydration keeps what the server wrote
    // ("Online") and applies only later changes, and the page may already know better (a
    // device with no network finds out before the islands hydrate).
    let (net, saved) = (NodeRef::<html::P>::new(), NodeRef::<html::P>::new());
    Effect::new(move |_| {
        let online = online();
        if let Some(net) = net.get() {
            say(&net, if online { ONLINE } else { OFFLINE });
            let _ = net.class_list().toggle_with_force("offline", !online);
        }
    });
    Effect::new(move |_| {
        let ready = ready();
        if let Some(saved) = saved.get() {
            say(&saved, if ready { READY } else { "" });
        }
    });
    let (was_online, was_ready) = (online(), ready());
    view! {
        <div class="status-bar">
            <p role="status" aria-live="polite" class="net" class:offline=!was_online node_ref=net>
                {if was_online { ONLINE } else { OFFLINE }}
            </p>
            <p role="status" aria-live="polite" class="ready" node_ref=saved>
                {if was_ready { READY } else { "" }}
            </p>
            // Activation waits for the buyer: a reload in the middle of checkout would lose
            // what they typed, so the new release takes over only when they say so.
            <div role="status" aria-live="polite" class="update">
                <Show when=update>
                    "Update available — "
                    <button type="button" class="btn" on:click=move |_| connectivity::activate_update()>
                        "Reload"
                    </button>
                </Show>
            </div>
        </div>
    }
}

/// Write `text` into a live region only when it changes: writing the same words again would
/// have them read out again.
fn say(region: &web_sys::HtmlElement, text: &str) {
    if region.text_content().as_deref() != Some(text) {
        region.set_text_content(Some(text));
    }
}
