//! The Vitrine storefront in Leptos: the whole app (`app`, feature `app`), which the server
//! renders and the empty shell runs, and the islands a page the server drew runs
//! (`start_islands`; `bin/islands.rs` builds them without `app`). Views stay declarative; HTTP
//! lives in `api`, network and service-worker state in `connectivity`, checkout and receipts
//! (held by the service worker) in `worker`, URLs in `routes`.

#![recursion_limit = "256"]
// The islands' build leaves the router and the pages out: what only they use is unused there.
#![cfg_attr(not(feature = "app"), allow(dead_code, unused_imports))]

mod api;
#[cfg(feature = "app")]
mod app;
mod components;
mod connectivity;
#[cfg(feature = "hydrate")]
pub mod crash;
mod embed;
#[cfg(feature = "app")]
mod pages;
mod placeholder;
pub mod preload;
pub mod routes;
#[cfg(feature = "app")]
mod search;
mod server_clock;
mod shared;
#[cfg(feature = "ssr")]
pub mod ssr;
mod worker;

/// Running in a page. The same views render on the server (`ssr`), where there is no window:
/// everything that touches the browser is skipped there, and the page starts as it looks
/// before any check has run.
pub(crate) const IN_BROWSER: bool = cfg!(feature = "hydrate");

#[cfg(all(feature = "app", feature = "hydrate"))]
pub use app::start;
#[cfg(feature = "app")]
pub use app::App;

/// Start a page the server drew: its content is the server's and stays as it is; only its
/// islands run, each hydrated by `boot.js` with its own export once this has returned. What
/// they share is provided here, at the root they all hang from; links load pages (there is no
/// router to follow them), as `routes::navigator` knows.
#[cfg(feature = "hydrate")]
pub fn start_islands() {
    use leptos::prelude::provide_context;
    leptos::mount::hydrate_islands();
    shared::provide();
    provide_context(routes::PageLoads);
    if placeholder::wanted() {
        leptos::task::spawn_local(async {
            let _ = placeholder::paint_previews().await;
        });
    }
}
