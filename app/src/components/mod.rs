//! Small reusable views.

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
mod work_picture;

pub use buy_form::{BuyArea, CARDS};
pub use drop_status::DropStatus;
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
pub use viewer::open_viewer;
pub use work_picture::WorkPicture;
