use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use vitrine_protocol::Slug;

use super::loading;
use crate::api::{self, FetchError};
use crate::components::{Gallery, Layout, PageHeading, Problem, ResponsiveImage};

#[component]
pub fn CollectionPage() -> impl IntoView {
    let params = use_params_map();
    let detail = LocalResource::new(move || {
        let slug = params.read().get("slug").unwrap_or_default();
        async move {
            match slug.parse::<Slug>() {
                Ok(slug) => api::collection(slug).await,
                Err(_) => Err(FetchError::NotFound),
            }
        }
    });
    view! {
        <Suspense fallback=|| loading("Loading the gallery…", super::skeleton::GALLERY)>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => {
                        let c = d.collection;
                        // The collection's hero: its cover as a banner, then its name and what
                        // it is about; the grid follows.
                        let banner = c.cover.map(|img| view! {
                            <ResponsiveImage picture=c.cover_picture fallback=img
                                alt=c.cover_alt.unwrap_or_default() layout=Layout::Banner eager=true />
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
                        }.into_any()
                    }
                    Err(error) => view! { <Problem error what="collection" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
