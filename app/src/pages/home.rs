use leptos::prelude::*;
use leptos_router::components::A;
use vitrine_protocol::Collection;

use super::loading;
use crate::components::{Layout, PageHeading, Problem, ResponsiveImage};
use crate::{api, routes};

#[component]
pub fn Home() -> impl IntoView {
    let collections = LocalResource::new(api::collections);
    view! {
        <Suspense fallback=|| loading("Loading collections…", super::skeleton::CARDS)>
            {move || Suspend::new(async move {
                match collections.await {
                    Ok(list) => view! {
                        <PageHeading text="Collections" />
                        <ul class="collections">
                            {list.into_iter().map(|c| view! { <li><CollectionCard c /></li> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <Problem error what="list of collections" /> }.into_any(),
                }
            })}
        </Suspense>
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
