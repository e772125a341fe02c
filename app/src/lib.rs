//! The Vitrine storefront, a client-side Leptos app. Views stay declarative; HTTP lives in `api`,
//! network and service-worker state in `connectivity`, checkout and receipts (held by the service
//! worker) in `worker`, URLs in `routes`.

mod api;
mod components;
mod connectivity;
mod embed;
mod pages;
mod placeholder;
pub mod routes;
mod search;
mod server_clock;
mod worker;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use components::StatusBar;
use leptos_router::Lazy;
use pages::{
    ClaimRoute, CollectionPage, ConsoleRoute, Home, ItemRoute, KioskRoute, NotFound, ReceiptRoute,
    ReceiptsRoute, SearchRoute, StorageRoute,
};

#[component]
pub fn App() -> impl IntoView {
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
