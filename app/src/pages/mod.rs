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

/// Shown while a page's data is on its way.
fn loading(what: &'static str) -> impl IntoView {
    view! { <p class="loading" aria-busy="true">{format!("Loading {what}…")}</p> }
}
