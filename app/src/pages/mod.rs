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

/// What a page looks like while its data is on its way.
#[derive(Clone, Copy)]
enum Skeleton {
    /// A heading and cards (the home page).
    Cards,
    /// A banner, a title and cards (a gallery).
    Gallery,
    /// A breadcrumb, a work's picture, its title (an item page).
    Work,
}

/// Shown while a page's data is on its way: the shape of what is coming, each picture where
/// its picture will be, so the page does not jump when it arrives, and the words for screen
/// readers. Once the data is there, each picture shows its ThumbHash preview until it has
/// loaded. One view for every page, shaped by a class (each distinct view type costs wasm).
fn loading(what: &'static str, shape: Skeleton) -> impl IntoView {
    let class = match shape {
        Skeleton::Cards => "skeleton skeleton-cards-only",
        Skeleton::Gallery => "skeleton",
        Skeleton::Work => "skeleton skeleton-work",
    };
    view! {
        <div class=class aria-busy="true">
            <p class="visually-hidden" role="status">{format!("Loading {what}…")}</p>
            <div class="skeleton-picture"></div>
            <div class="skeleton-line"></div>
            <div class="skeleton-line skeleton-short"></div>
            <div class="skeleton-cards"><div></div><div></div><div></div><div></div></div>
        </div>
    }
}
