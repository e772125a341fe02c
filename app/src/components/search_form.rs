use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::routes;

/// A search box that opens the search page with its query: offered where a page was not
/// found, so a mistyped or outdated link still leads to the work. The search itself (and its
/// index) stays in the lazily loaded search page.
#[component]
pub fn SearchForm() -> impl IntoView {
    let navigate = use_navigate();
    let input = NodeRef::<html::Input>::new();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let query = input.get().map(|i| i.value()).unwrap_or_default();
        let encoded = js_sys::encode_uri_component(query.trim());
        navigate(&format!("{}?q={encoded}", routes::SEARCH), Default::default());
    };
    view! {
        <form role="search" class="search-form" action=routes::SEARCH on:submit=on_submit>
            <label for="find-q">"Search the catalog"</label>
            <div class="search-row">
                <input id="find-q" class="input" type="search" name="q" node_ref=input />
                <button type="submit" class="btn btn-primary">"Search"</button>
            </div>
        </form>
    }
}
