//! Vitrine's service worker. `public/sw.js` registers every listener synchronously (wasm cannot
//! start synchronously) and hands each event here once the wasm is instantiated.
//!
//! Two jobs: caching (`routing`, `strategies`, `pages`, `lifecycle`) and offline checkout (`checkout`,
//! `claiming`, `kiosk`, `device_key`, `device_db`, `replay`, `claim_replay`, reached through
//! `messages`); `telemetry` reports the counts of both to the shop.

mod cache_names;
mod catalog_warmup;
mod checkout;
mod claim_replay;
mod claiming;
mod device_db;
mod device_key;
mod image_cache;
mod image_lru;
mod js;
mod kiosk;
mod lifecycle;
mod messages;
mod notify;
mod pages;
mod pictures_shown;
mod replay;
mod routing;
mod stand_in;
mod strategies;
mod telemetry;

pub use lifecycle::{on_activate, on_install};
pub use messages::{on_message, on_start, on_sync};
pub use strategies::on_fetch;

/// The generated precache manifest: `VERSION` and `PRECACHE` (URL, revision).
pub mod manifest {
    include!(concat!(env!("OUT_DIR"), "/precache.rs"));
}
