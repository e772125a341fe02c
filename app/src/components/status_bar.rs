use leptos::prelude::*;

use crate::connectivity::use_connectivity;

/// Connection and offline-readiness, announced politely when they change.
#[component]
pub fn StatusBar() -> impl IntoView {
    let c = use_connectivity();
    let online = move || c.is_none_or(|c| c.online.get());
    let ready = move || c.is_some_and(|c| c.offline_ready.get());
    view! {
        <div class="status-bar">
            <p role="status" aria-live="polite" class="net" class:offline=move || !online()>
                {move || if online() { "Online" } else { "Offline: showing saved copies" }}
            </p>
            <p role="status" aria-live="polite" class="ready">
                {move || if ready() { "Available offline" } else { "" }}
            </p>
        </div>
    }
}
