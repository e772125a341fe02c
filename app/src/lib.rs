//! The Vitrine storefront, a client-side Leptos app. Views stay declarative; HTTP lives in `api`,
//! network and service-worker state in `connectivity`, checkout and receipts (held by the service
//! worker) in `worker`, URLs in `routes`.

#![recursion_limit = "256"]

mod api;
mod components;
mod connectivity;
#[cfg(feature = "csr")]
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
pub(crate) const IN_BROWSER: bool = cfg!(feature = "csr");

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use components::StatusBar;
use leptos_router::Lazy;
use pages::{
    ClaimRoute, CollectionPage, ConsoleRoute, Home, ItemRoute, KioskRoute, NotFound, ReceiptRoute,
    ReceiptsRoute, SearchRoute, StorageRoute,
};

/// Draw the app into `<div id="app">`. When the server rendered the page there, the app draws
/// the page afresh from the same answer (`preload`) off the document, and swaps it in once its
/// heading is there (a lazily loaded route draws after its part has arrived): same content, so
/// nothing moves, and a visitor who tabbed into the page before the app arrived keeps their
/// place. The page does not hydrate the server's HTML (ARCHITECTURE.md says why).
#[cfg(feature = "csr")]
pub fn start() {
    use wasm_bindgen::JsCast;
    let document = leptos::prelude::document();
    let Some(root) = document.get_element_by_id("app") else {
        leptos::mount::mount_to_body(App);
        return;
    };
    if !root.has_child_nodes() {
        if let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() {
            leptos::mount::mount_to(root, App).forget();
        }
        return;
    }
    let Ok(fresh) = document.create_element("div") else { return };
    fresh.set_id("app");
    let Ok(fresh) = fresh.dyn_into::<web_sys::HtmlElement>() else { return };
    leptos::mount::mount_to(fresh.clone(), App).forget();
    swap_when_drawn(root, fresh, 0);
}

/// Frames to wait for the app's page before showing whatever it has (about 5 s).
#[cfg(feature = "csr")]
const MAX_FRAMES: u32 = 300;

#[cfg(feature = "csr")]
fn swap_when_drawn(root: web_sys::Element, fresh: web_sys::HtmlElement, frames: u32) {
    use wasm_bindgen::JsCast;
    let drawn = fresh.query_selector("h1").ok().flatten().is_some();
    if !drawn && frames < MAX_FRAMES {
        leptos::prelude::request_animation_frame(move || swap_when_drawn(root, fresh, frames + 1));
        return;
    }
    let focused = leptos::prelude::document().active_element().and_then(|e| place(&root, &e));
    let _ = root.replace_with_with_node_1(&fresh);
    let element = focused.and_then(|place| find(&fresh, &place));
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        if element.focus().is_ok() {
            components::keep_focus();
        }
    }
}

/// Where `element` sits under `root`, as child indices; `None` if it is not under it.
#[cfg(feature = "csr")]
fn place(root: &web_sys::Element, element: &web_sys::Element) -> Option<Vec<u32>> {
    let mut path = Vec::new();
    let mut at = element.clone();
    while !at.is_same_node(Some(root)) {
        let parent = at.parent_element()?;
        let children = parent.children();
        let index = (0..children.length()).find(|&i| children.item(i).as_ref() == Some(&at))?;
        path.push(index);
        at = parent;
    }
    path.reverse();
    Some(path)
}

#[cfg(feature = "csr")]
fn find(root: &web_sys::Element, place: &[u32]) -> Option<web_sys::Element> {
    place.iter().try_fold(root.clone(), |at, &i| at.children().item(i))
}

#[cfg(not(feature = "csr"))]
pub fn start() {}

#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "csr")]
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
