use leptos::prelude::*;

use crate::connectivity::{self, use_connectivity};

/// Connection and offline-readiness, announced politely when they change. An island: it runs
/// on every page the server drew.
#[island]
pub fn StatusBar() -> impl IntoView {
    let c = use_connectivity();
    let online = move || c.is_none_or(|c| c.online.get());
    let ready = move || c.is_some_and(|c| c.offline_ready.get());
    let update = move || c.is_some_and(|c| c.update_waiting.get());
    view! {
        <div class="status-bar">
            <p role="status" aria-live="polite" class="net" class:offline=move || !online()>
                {move || if online() { "Online" } else { "Offline: showing saved copies" }}
            </p>
            <p role="status" aria-live="polite" class="ready">
                {move || if ready() { "Available offline" } else { "" }}
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
