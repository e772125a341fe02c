//! Vitrine's service worker. `public/sw.js` registers every listener synchronously (wasm cannot
//! start synchronously) and hands each event here once the wasm is instantiated.

mod cache_names;
mod catalog_warmup;
mod js;
mod lifecycle;
mod routing;
mod strategies;

pub use lifecycle::{on_activate, on_install};
pub use strategies::on_fetch;

/// The generated precache manifest: `VERSION` and `PRECACHE` (URL, revision).
pub mod manifest {
    include!(concat!(env!("OUT_DIR"), "/precache.rs"));
}
