//! Responsive images: the variant pipeline (`vitrine assets`), its manifest, the index the API
//! reads pictures from, and the client-hint choice behind `GET /img/{item}`.

pub mod encode;
pub mod hints;
mod index;
pub mod manifest;
pub mod pipeline;

pub use index::PictureIndex;
