//! Small reusable views.
//!
//! A page the server drew loads one of two islands' builds (`vitrine-islands`): a work's page
//! (feature `item-page`: the Buy bar, the work's picture and the parts they load) or any other
//! page (a gallery's controls). The islands only one of them hydrates are compiled only into
//! it, so neither first load carries the other's (BENCHMARKS.md); the whole app has them all.

mod buy_form;
mod drop_status;
mod gallery;
mod heading;
mod item_card;
mod item_picture;
mod picture;
mod problem;
mod search_form;
mod status_bar;
mod stepper;
mod viewer;
// A work's picture, and its island, of a work's page only (`item-page`).
#[cfg(any(feature = "app", feature = "item-page"))]
mod work_picture;

#[cfg(any(feature = "app", feature = "item-page"))]
pub use buy_form::BuyArea;
pub use buy_form::CARDS;
pub use drop_status::DropStatus;
#[cfg(any(feature = "app", not(feature = "item-page")))]
pub use gallery::Gallery;
#[cfg(feature = "hydrate")]
pub use heading::restore_focus_with;
pub use heading::PageHeading;
pub use item_card::ItemCard;
pub use item_picture::ItemPicture;
pub use picture::{Layout, ResponsiveImage};
pub use problem::Problem;
pub use search_form::SearchForm;
pub use status_bar::StatusBar;
pub use stepper::Stepper;
#[cfg(any(feature = "app", feature = "item-page"))]
pub use viewer::open_viewer;
#[cfg(any(feature = "app", feature = "item-page"))]
pub use work_picture::WorkFigure;

/// A lazily loaded part (the Buy sheet, the viewer, the previews' painter) that could not be
/// loaded: offline before the page had fetched it, or a failing network. Said to the visitor, who may press again; a failed
/// load is not kept, so the next call loads it again. Such parts are split with wasm-split's
/// `fallible`, not `#[leptos::lazy]`, whose failed load panics and so ends the page's wasm.
pub(crate) struct NotLoaded;

#[cfg(feature = "hydrate")]
impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}
