use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::{lazy_route, LazyRoute};

use crate::api;
use crate::components::{ItemCard, PageHeading};
use crate::routes;
use crate::search::{search, Entry};

/// More results than this are cut, with a note to narrow the search: a phone should not draw
/// a whole large catalog because someone typed one letter.
const MAX_SHOWN: usize = 48;

/// `/search`, lazily loaded: the index and the matching are not in the first-load wasm.
pub struct SearchRoute;

unsplit_preload!(__preload___SearchRoute_View);

#[lazy_route]
impl LazyRoute for SearchRoute {
    fn data() -> Self {
        SearchRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <SearchPage /> }.into_any()
    }
}

/// Every work on this device, and how many collections could not be read (offline and never
/// saved). Read through `api`, which the worker answers from the catalog it saved at install.
async fn load_index() -> Result<(Vec<Entry>, usize), api::FetchError> {
    let collections = api::collections().await?;
    let mut entries = Vec::new();
    let mut missing = 0;
    for c in collections {
        match api::collection(c.slug).await {
            Ok(detail) => {
                let title = detail.collection.title;
                entries.extend(detail.items.into_iter().map(|item| Entry::new(item, &title)));
            }
            Err(_) => missing += 1,
        }
    }
    Ok((entries, missing))
}

/// Keep the query in the address, so Back from a result returns to the same results, without
/// a router navigation (which would redraw the page under the collector's fingers).
fn remember(query: &str) {
    let url = if query.is_empty() {
        routes::SEARCH.to_owned()
    } else {
        format!("{}?q={}", routes::SEARCH, js_sys::encode_uri_component(query))
    };
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[component]
fn SearchPage() -> impl IntoView {
    let query = RwSignal::new(use_query_map().read_untracked().get("q").unwrap_or_default());
    let index = LocalResource::new(load_index);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        remember(&text);
        query.set(text);
    };
    let results = move || {
        let q = query.get();
        let loaded = index.read();
        let Some(Ok((entries, missing))) = &*loaded else {
            let status = match &*loaded {
                Some(Err(_)) => "The catalog is not saved on this device yet. Search works \
                                 offline once you have opened the shop online."
                    .to_owned(),
                _ => "Loading the catalog…".to_owned(),
            };
            return view! { <p role="status" class="count">{status}</p> }.into_any();
        };
        let found = search(entries, &q);
        let status = match found.len() {
            _ if q.trim().is_empty() => String::new(),
            0 => format!("No works match “{}”.", q.trim()),
            1 => format!("1 work matches “{}”.", q.trim()),
            n if n > MAX_SHOWN => {
                format!("{n} works match “{}”; the first {MAX_SHOWN} are shown.", q.trim())
            }
            n => format!("{n} works match “{}”.", q.trim()),
        };
        let partial = (*missing > 0).then(|| {
            view! {
                <p class="note">
                    {format!("{missing} collection(s) are not saved on this device, so their works are not searched until you are online.")}
                </p>
            }
        });
        let cards: Vec<_> = found.into_iter().take(MAX_SHOWN).map(|e| e.item.clone()).collect();
        view! {
            <p role="status" class="count">{status}</p>
            {partial}
            <ul class="grid" aria-label="Search results">
                {cards.into_iter().map(|item| view! { <li><ItemCard item /></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <PageHeading text="Search" />
        <form role="search" class="search-form" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="search-q">"Search the catalog"</label>
                <p class="hint" id="search-q-hint">
                    "Titles, artists, collections and descriptions. Works offline."
                </p>
                <input id="search-q" class="input" type="search" name="q" autocomplete="off"
                    aria-describedby="search-q-hint" prop:value=query.get_untracked()
                    on:input=on_input />
            </div>
        </form>
        {results}
    }
}
