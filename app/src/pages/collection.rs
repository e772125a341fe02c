use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use vitrine_protocol::Slug;

use super::loading;
use crate::api::{self, FetchError};
use crate::components::{Gallery, PageHeading, Problem};

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
        <Suspense fallback=|| loading("the gallery")>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! {
                        <PageHeading text=d.collection.title.clone() />
                        <p class="lede">{d.collection.description}</p>
                        <Gallery items=d.items label="Works in this collection" />
                    }.into_any(),
                    Err(error) => view! { <Problem error what="collection" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
