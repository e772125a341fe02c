//! The Vitrine storefront, a client-side Leptos app. Views stay declarative; HTTP lives in `api`,
//! network and service-worker state in `connectivity`, URLs in `routes`.

mod api;
mod components;
mod connectivity;
mod pages;
pub mod routes;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use components::StatusBar;
use pages::{CollectionPage, Home, ItemPage, NotFound};

#[component]
pub fn App() -> impl IntoView {
    connectivity::provide();
    view! {
        <Router>
            <header class="site">
                <A href=routes::HOME attr:class="brand">"Vitrine"</A>
                <StatusBar />
            </header>
            <main id="main">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/c/:slug") view=CollectionPage />
                    <Route path=path!("/i/:id") view=ItemPage />
                </Routes>
            </main>
        </Router>
    }
}
