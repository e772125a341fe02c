//! `/storage`: what this device keeps for offline use, and how much room images may take. The
//! numbers are the worker's (`ImageStats`); the choice is sent as `ImageBudget`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::device::ImageCacheStats;

use crate::components::PageHeading;
use crate::worker;

/// The choices offered, in bytes (0: the worker's own bound, a share of the device's quota).
const ROOM: [(u64, &str); 5] = [
    (0, "As much as this device allows (up to 60 MB)"),
    (20 * 1024 * 1024, "20 MB"),
    (5 * 1024 * 1024, "5 MB"),
    (1024 * 1024, "1 MB"),
    (512 * 1024, "512 KB"),
];

/// `/storage`, lazily loaded.
pub struct StorageRoute;

unsplit_preload!(__preload___StorageRoute_View);

#[lazy_route]
impl LazyRoute for StorageRoute {
    fn data() -> Self {
        StorageRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <StoragePage /> }.into_any()
    }
}

fn kilobytes(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn describe(stats: &ImageCacheStats) -> String {
    let answered = stats.hits + stats.misses;
    format!(
        "Images kept for offline use: {} pictures, {} of {} allowed. This device answered {} of \
         {answered} image requests from storage.",
        stats.entries,
        kilobytes(stats.bytes),
        kilobytes(stats.byte_budget),
        stats.hits,
    )
}

#[component]
fn StoragePage() -> impl IntoView {
    let stats = RwSignal::new(None::<Result<ImageCacheStats, String>>);
    let load = move |limit: Option<u64>| {
        spawn_local(async move {
            let _ = stats.try_set(Some(worker::image_stats(limit).await));
        })
    };
    load(None);
    let summary = move || match stats.get() {
        None => "Reading what this device keeps…".to_owned(),
        Some(Ok(s)) => describe(&s),
        Some(Err(message)) => message,
    };
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(max_bytes) = event_target_value(&ev).parse::<u64>() {
            load(Some(max_bytes));
        }
    };
    view! {
        <PageHeading text="Offline storage" />
        <p>
            "Receipts and purchases waiting to be sent are always kept. Images are kept as you \
             browse, oldest first out when the room below is full."
        </p>
        <div class="field">
            <label for="image-room">"Room for images"</label>
            <select id="image-room" class="select" on:change=on_change>
                {ROOM.iter().map(|(bytes, label)| view! { <option value=bytes.to_string()>{*label}</option> }).collect_view()}
            </select>
        </div>
        // Last on the page: its text grows once read, and nothing below it can shift.
        <p role="status" aria-live="polite">{summary}</p>
    }
}
