//! One file per route.

mod collection;
mod home;
mod item;
mod not_found;
mod receipt;
mod receipts;
mod search;
mod storage;

pub use collection::CollectionPage;
pub use home::Home;
pub use item::ItemRoute;
pub use not_found::NotFound;
pub use receipt::ReceiptRoute;
pub use receipts::ReceiptsRoute;
pub use search::SearchRoute;
pub use storage::StorageRoute;

use leptos::prelude::*;

/// Shown while a page's data is on its way: the shape of what is coming (a banner or a work's
/// picture, a title, cards), so the page does not jump when it arrives, and the words for
/// screen readers. Once the data is there, each picture shows its ThumbHash preview until it
/// has loaded. One view shape for every page (each distinct view type costs wasm).
fn loading(what: &'static str, work: bool) -> impl IntoView {
    view! {
        <div class="skeleton" class:skeleton-work=work aria-busy="true">
            <p class="visually-hidden">{format!("Loading {what}…")}</p>
            <div class="skeleton-picture"></div>
            <div class="skeleton-line"></div>
            <div class="skeleton-line skeleton-short"></div>
            <div class="skeleton-cards"><div></div><div></div><div></div><div></div></div>
        </div>
    }
}
