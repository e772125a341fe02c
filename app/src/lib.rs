//! The Vitrine storefront, a client-side Leptos app. Views stay declarative; HTTP lives in `api`,
//! network and service-worker state in `connectivity`, checkout and receipts (held by the service
//! worker) in `worker`, URLs in `routes`.

#![recursion_limit = "256"]

mod api;
mod components;
mod connectivity;
#[cfg(feature = "hydrate")]
pub mod crash;
mod embed;
mod pages;
mod placeholder;
pub mod preload;
pub mod routes;
mod search;
mod server_clock;
#[cfg(feature = "ssr")]
pub mod ssr;
mod worker;

/// Running in a page. The same views render on the server (`ssr`), where there is no window:
/// everything that touches the browser is skipped there, and the page starts as it looks
/// before any check has run.
pub(crate) const IN_BROWSER: bool = cfg!(feature = "hydrate");

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use components::StatusBar;
use leptos_router::Lazy;
use pages::{
    ClaimRoute, CollectionPage, ConsoleRoute, Home, ItemRoute, KioskRoute, NotFound, ReceiptRoute,
    ReceiptsRoute, SearchRoute, StorageRoute,
};

/// Draw the app into `<div id="app">`. When the server rendered the page there, the app
/// hydrates it: it takes the server's elements as its own, attaching its handlers and signals,
/// and draws nothing again (a lazily loaded route hydrates once its part has arrived). The
/// visitor's focus, scroll and anything they already typed stay where they are. The page the
/// worker sends for a route it has no HTML for is the empty shell; the app draws it from nothing.
#[cfg(feature = "hydrate")]
pub fn start() {
    use wasm_bindgen::JsCast;
    let document = leptos::prelude::document();
    let Some(root) = document.get_element_by_id("app") else {
        leptos::mount::mount_to_body(App);
        return;
    };
    let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() else { return };
    if !root.has_child_nodes() {
        leptos::mount::mount_to(root, App).forget();
        return;
    }
    // The server's page is already in front of the visitor: its heading must not take their
    // focus as a page the app navigates to does.
    components::keep_focus();
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(root, App).await.forget();
    });
}

#[cfg(not(feature = "hydrate"))]
pub fn start() {}

#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    preload::provide(preload::from_document());
    let clock = server_clock::provide();
    let connectivity = connectivity::provide(clock);
    worker::provide(connectivity);
    embed::start();
    view! {
        <Router>
            <header class="site">
                <A href=routes::HOME attr:class="brand link">"Vitrine"</A>
                <nav aria-label="Site">
                    <A href=routes::SEARCH attr:class="link">"Search"</A>
                    <A href=routes::RECEIPTS attr:class="link">"Receipts"</A>
                    <A href=routes::STORAGE attr:class="link">"Storage"</A>
                </nav>
                <StatusBar />
            </header>
            <main id="main">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/c/:slug") view=CollectionPage />
                    // A collection framed on its merchant's site (`embed.js`).
                    <Route path=path!("/embed/:slug") view=CollectionPage />
                    // Every route but the galleries loads on demand (a wasm split), fetching
                    // its data meanwhile.
                    <Route path=path!("/i/:id") view={Lazy::<ItemRoute>::new()} />
                    <Route path=path!("/receipts") view={Lazy::<ReceiptsRoute>::new()} />
                    <Route path=path!("/storage") view={Lazy::<StorageRoute>::new()} />
                    <Route path=path!("/search") view={Lazy::<SearchRoute>::new()} />
                    <Route path=path!("/merchant") view={Lazy::<ConsoleRoute>::new()} />
                    <Route path=path!("/merchant/:section") view={Lazy::<ConsoleRoute>::new()} />
                    <Route path=path!("/receipts/:id") view={Lazy::<ReceiptRoute>::new()} />
                    // The QR code spells the path in capitals (a smaller code); both open it.
                    <Route path=path!("/claim/:code") view={Lazy::<ClaimRoute>::new()} />
                    <Route path=path!("/CLAIM/:code") view={Lazy::<ClaimRoute>::new()} />
                    <Route path=path!("/kiosk") view={Lazy::<KioskRoute>::new()} />
                </Routes>
            </main>
        </Router>
    }
}
