//! Responsive images: the variant pipeline (`vitrine assets`), its manifest, the index the API
//! reads pictures from, what an uploaded original is (`sniff`), and the client-hint choice
//! behind `GET /img/{item}`.

pub mod encode;
pub mod hints;
mod index;
pub mod manifest;
pub mod pipeline;
pub mod sniff;

pub use index::{PictureIndex, Pictures};
