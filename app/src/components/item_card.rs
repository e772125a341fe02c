use leptos::prelude::*;
use leptos_router::components::A;
use vitrine_protocol::ItemSummary;

use super::{DropStatus, Layout, ResponsiveImage};
use crate::routes;

/// One tile of a gallery grid; the whole card is a single link named by the title.
#[component]
pub fn ItemCard(item: ItemSummary, #[prop(optional)] eager: bool) -> impl IntoView {
    let availability =
        if item.stock == 0 { "Sold out".to_owned() } else { format!("{} left", item.stock) };
    // A work in a drop sells at the drop's price, and only in its window.
    let price = item.drop.as_ref().map_or(item.price, |d| d.price);
    let availability = match item.drop {
        Some(drop) => view! { <DropStatus drop /> }.into_any(),
        None => {
            view! { <p class="stock" class:sold-out=item.stock == 0>{availability}</p> }.into_any()
        }
    };
    view! {
        <article class="card">
            <A href=routes::item(item.id)>
                <ResponsiveImage picture=item.picture fallback=item.thumb alt=item.alt
                    layout=Layout::Card eager=eager />
                <h2>{item.title}</h2>
            </A>
            <p class="artist">{item.artist}</p>
            <p class="price">{price.to_string()}</p>
            {availability}
        </article>
    }
}
