use leptos::prelude::*;
use leptos_router::components::A;
use vitrine_protocol::ItemSummary;

use super::{Layout, ResponsiveImage};
use crate::routes;

/// One tile of a gallery grid; the whole card is a single link named by the title.
#[component]
pub fn ItemCard(item: ItemSummary, #[prop(optional)] eager: bool) -> impl IntoView {
    let availability =
        if item.stock == 0 { "Sold out".to_owned() } else { format!("{} left", item.stock) };
    view! {
        <article class="card">
            <A href=routes::item(item.id)>
                <ResponsiveImage picture=item.picture fallback=item.thumb alt=item.alt
                    layout=Layout::Card eager=eager />
                <h2>{item.title}</h2>
            </A>
            <p class="artist">{item.artist}</p>
            <p class="price">{item.price.to_string()}</p>
            <p class="stock" class:sold-out=item.stock == 0>{availability}</p>
        </article>
    }
}
