use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use vitrine_protocol::{paths, CollectionDetail, Slug};

use super::loading;
use crate::api::{self, FetchError};
use crate::components::{Gallery, Layout, PageHeading, Problem, ResponsiveImage};
use crate::preload;

#[component]
pub fn CollectionPage() -> impl IntoView {
    let params = use_params_map();
    // Drawn again whole when the slug changes: from the answer the server rendered it with
    // (the first time only), else fetched.
    move || {
        let Ok(slug) = params.read().get("slug").unwrap_or_default().parse::<Slug>() else {
            return gallery(Err(FetchError::NotFound));
        };
        match preload::take(&paths::collection(&slug)) {
            Some(answer) => gallery(api::preloaded(&answer)),
            None => fetched(slug),
        }
    }
}

fn fetched(slug: Slug) -> AnyView {
    let detail = LocalResource::new(move || api::collection(slug.clone()));
    view! {
        <Suspense fallback=|| loading("Loading the gallery…", super::skeleton::GALLERY)>
            {move || Suspend::new(async move { gallery(detail.await) })}
        </Suspense>
    }
    .into_any()
}

fn gallery(detail: Result<CollectionDetail, FetchError>) -> AnyView {
    match detail {
        Ok(d) => {
            let c = d.collection;
            // The collection's hero: its cover as a banner, then its name and what it is
            // about; the grid follows.
            let banner = c.cover.map(|img| {
                view! {
                    <ResponsiveImage picture=c.cover_picture fallback=img
                        alt=c.cover_alt.unwrap_or_default() layout=Layout::Banner eager=true />
                }
            });
            view! {
                <header class="collection-hero">
                    {banner}
                    <div class="collection-hero-text">
                        <PageHeading text=c.title />
                        <p class="lede">{c.description}</p>
                    </div>
                </header>
                <Gallery items=d.items label="Works in this collection" />
            }
            .into_any()
        }
        Err(error) => view! { <Problem error what="collection" /> }.into_any(),
    }
}
