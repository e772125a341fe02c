//! Small reusable views.

mod heading;
mod item_card;
mod problem;
mod status_bar;

pub use heading::PageHeading;
pub use item_card::ItemCard;
pub use problem::Problem;
pub use status_bar::StatusBar;
