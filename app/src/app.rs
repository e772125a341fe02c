//! The whole app: its router and every page. It runs in the empty shell the worker sends (a page
//! only the browser draws, or one it has no HTML for) and in a framed storefront; the server
//! renders its pages with it. A page the server drew runs only its islands
//! (`crate::start_islands`), whose build leaves this module out (feature `app`).

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::components::StatusBar;
use crate::pages::{
    ClaimRoute, CollectionPage, ConsoleRoute, Home, ItemRoute, KioskRoute, NotFound, ReceiptRoute,
    ReceiptsRoute, SearchRoute, StorageRoute,
};
use crate::{routes, shared};
use leptos_router::Lazy;

/// Draw the app into `<div id="app">`: the empty shell the worker sends for a page only the
/// browser draws (receipts, the console, search…) or a page it has no HTML for, offline. A
/// page the server drew runs its islands instead (`start_islands`, chosen by `boot.js`), but
/// for a storefront framed on a merchant's site: the app draws that page again from the answer
/// the server embedded (`preload`; the same content, in the same task, so nothing flickers),
/// and the frame's next pages are routed in the one document that carries the merchant's
/// `frame-ancestors`.
#[cfg(feature = "hydrate")]
pub fn start() {
    use wasm_bindgen::JsCast;
    let root = leptos::prelude::document().get_element_by_id("app");
    match root.and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(root) => {
            // A keyboard user may be on a link of the framed page the server drew: put them
            // on its like in the new drawing, once drawn, as if nothing had been redrawn.
            if let Some(place) = focus::remember(&root) {
                let root = root.clone();
                crate::components::restore_focus_with(move || focus::restore(&root, place));
            }
            root.set_inner_html("");
            leptos::mount::mount_to(root, App).forget();
        }
        None => leptos::mount::mount_to_body(App),
    }
}

#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    crate::preload::provide(crate::preload::from_document());
    shared::provide();
    crate::embed::start();
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

/// Keeping a keyboard user's place across the app's redrawing of a page (`start`). The page is
/// drawn from the same answer, so the focused element has a like in the new drawing: the same
/// tag and `href` (or `id`), at the same place among those alike. The page's heading restores
/// it when it appears, where it would otherwise take focus itself.
#[cfg(feature = "hydrate")]
mod focus {
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlElement};

    pub struct Place {
        tag: String,
        key: String,
        nth: usize,
    }

    fn key(element: &Element) -> String {
        element.get_attribute("href").or_else(|| element.get_attribute("id")).unwrap_or_default()
    }

    fn alike(root: &HtmlElement, tag: &str, key: &str) -> Vec<Element> {
        let all = root.get_elements_by_tag_name(tag);
        (0..all.length()).filter_map(|i| all.item(i)).filter(|e| self::key(e) == key).collect()
    }

    pub fn remember(root: &HtmlElement) -> Option<Place> {
        let focused = leptos::prelude::document().active_element()?;
        if !root.contains(Some(&focused)) {
            return None;
        }
        let (tag, key) = (focused.tag_name(), key(&focused));
        let nth = alike(root, &tag, &key).iter().position(|e| *e == focused)?;
        Some(Place { tag, key, nth })
    }

    /// Focus the like of `place`; whether there was one.
    pub fn restore(root: &HtmlElement, place: Place) -> bool {
        let like = alike(root, &place.tag, &place.key).into_iter().nth(place.nth);
        like.and_then(|e| e.dyn_into::<HtmlElement>().ok()).is_some_and(|like| like.focus().is_ok())
    }
}
