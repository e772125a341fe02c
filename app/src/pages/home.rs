use leptos::prelude::*;
use leptos_router::components::A;
use vitrine_protocol::{paths, Collection};

use super::loading;
use crate::api::FetchError;
use crate::components::{Layout, PageHeading, Problem, ResponsiveImage};
use crate::{api, preload, routes};

#[component]
pub fn Home() -> impl IntoView {
    // Rendered by the server with the list: draw it at once, as the server did.
    if let Some(answer) = preload::take(paths::COLLECTIONS) {
        return collections(api::preloaded(&answer));
    }
    let list = LocalResource::new(api::collections);
    view! {
        <Suspense fallback=|| loading("Loading collections…", super::skeleton::CARDS)>
            {move || Suspend::new(async move { collections(list.await) })}
        </Suspense>
    }
    .into_any()
}

fn collections(list: Result<Vec<Collection>, FetchError>) -> AnyView {
    match list {
        Ok(list) => view! {
            <PageHeading text="Collections" />
            <ul class="collections">
                {list.into_iter().map(|c| view! { <li><CollectionCard c /></li> }).collect_view()}
            </ul>
        }
        .into_any(),
        Err(error) => view! { <Problem error what="list of collections" /> }.into_any(),
    }
}

#[component]
fn CollectionCard(c: Collection) -> impl IntoView {
    let count = format!("{} works", c.item_count);
    view! {
        <article class="card collection-card">
            <A href=routes::collection(&c.slug)>
                {c.cover.map(|img| view! {
                    <ResponsiveImage picture=c.cover_picture fallback=img
                        alt=c.cover_alt.unwrap_or_default() layout=Layout::Cover eager=true />
                })}
                <h2>{c.title}</h2>
            </A>
            <p class="count">{count}</p>
            <p>{c.description}</p>
        </article>
    }
}
