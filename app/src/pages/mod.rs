//! One file per route.

/// Leptos' `#[lazy_route]` preloads the route's split-off part on every wasm32 build, but only
/// the page's build (`hydrate`) is split: the worker's renderer (wasm32 with `ssr`) renders every
/// route in one module and needs a no-op in the preload's place (leptos_router_macro 0.8 says
/// as much in its generated code).
macro_rules! unsplit_preload {
    ($name:ident) => {
        #[cfg(all(target_arch = "wasm32", not(feature = "hydrate")))]
        #[allow(non_snake_case)]
        async fn $name() {}
    };
}

mod claim;
mod collection;
mod console;
mod home;
mod item;
mod kiosk;
mod not_found;
mod receipt;
mod receipts;
mod search;
mod storage;

pub use claim::ClaimRoute;
pub use collection::CollectionPage;
pub use console::ConsoleRoute;
pub use home::Home;
pub use item::ItemRoute;
pub use kiosk::KioskRoute;
pub use not_found::NotFound;
pub use receipt::ReceiptRoute;
pub use receipts::ReceiptsRoute;
pub use search::SearchRoute;
pub use storage::StorageRoute;

use leptos::prelude::*;

/// What a page looks like while its data is on its way, as the skeleton's classes: a heading
/// and cards (the home page), a banner, a title and cards (a gallery), or a breadcrumb, a
/// work's picture and its title (an item page).
mod skeleton {
    pub const CARDS: &str = "skeleton skeleton-home";
    pub const GALLERY: &str = "skeleton";
    pub const WORK: &str = "skeleton skeleton-work";
}

/// Shown while a page's data is on its way: the shape of what is coming (one of `skeleton`),
/// each picture where its picture will be, so the page does not jump when it arrives, and the
/// words for screen readers. Once the data is there, each picture shows its ThumbHash preview
/// until it has loaded. One view for every page, shaped by its classes (each distinct view
/// type costs wasm).
fn loading(says: &'static str, class: &'static str) -> impl IntoView {
    view! {
        <div class=class aria-busy="true">
            <p class="visually-hidden" role="status">{says}</p>
            <div class="skeleton-picture"></div>
            <div class="skeleton-line"></div>
            <div class="skeleton-line skeleton-short"></div>
            <div class="skeleton-cards"><div></div><div></div><div></div><div></div></div>
        </div>
    }
}
