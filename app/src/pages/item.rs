use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::{paths, Item, ItemId};

use super::loading;
use crate::api::{self, FetchError};
use crate::components::{BuyArea, DropStatus, PageHeading, Problem, WorkFigure};
use crate::{preload, routes};

/// `/i/{id}`, a lazy route: the page's code loads while `data` fetches the item, so neither
/// waits for the other, and the first load of other pages does not carry it.
pub struct ItemRoute {
    /// The item's JSON: the answer the server rendered the page with, else fetched in the first
    /// load's code; read in this part's.
    item: Source,
}

enum Source {
    /// No work could have this id.
    Malformed,
    Preloaded(preload::Answer),
    Fetched(LocalResource<Result<String, FetchError>>),
}

unsplit_preload!(__preload___ItemRoute_View);

#[lazy_route]
impl LazyRoute for ItemRoute {
    fn data() -> Self {
        let params = use_params_map();
        let first = params.read_untracked().get("id").unwrap_or_default().parse::<ItemId>();
        // No page links one work to another, so this route's id does not change under it:
        // the server's answer is this page's for as long as it shows.
        let Ok(first) = first else { return ItemRoute { item: Source::Malformed } };
        if let Some(answer) = preload::take(&paths::item(first)) {
            return ItemRoute { item: Source::Preloaded(answer) };
        }
        let item = LocalResource::new(move || {
            let id = params.read().get("id").unwrap_or_default();
            async move {
                match id.parse::<ItemId>() {
                    Ok(id) => api::item_json(id).await,
                    Err(_) => Err(FetchError::NotFound),
                }
            }
        });
        ItemRoute { item: Source::Fetched(item) }
    }

    fn view(this: Self) -> AnyView {
        let item = match this.item {
            Source::Malformed => return detail(Err(FetchError::NotFound)),
            Source::Preloaded(answer) => return detail(api::preloaded(&answer)),
            Source::Fetched(item) => item,
        };
        view! {
            <Suspense fallback=|| loading("Loading this work…", super::skeleton::WORK)>
                {move || Suspend::new(async move {
                    detail(item.await.and_then(|json| api::read_item(&json)))
                })}
            </Suspense>
        }
        .into_any()
    }
}

fn detail(item: Result<Item, FetchError>) -> AnyView {
    match item {
        Ok(item) => view! { <ItemDetail item /> }.into_any(),
        Err(error) => view! { <Problem error what="item" /> }.into_any(),
    }
}

/// One plain sentence with everything that matters, for screen readers and skimmers alike.
pub fn summary(item: &Item) -> String {
    let s = &item.summary;
    if let Some(drop) = &s.drop {
        let supply = match drop.supply {
            1 => "1 edition".to_owned(),
            n => format!("{n} editions"),
        };
        return format!(
            "{} by {}, {} in the drop {}: {supply}, at most {} per buyer.",
            s.title, s.artist, drop.price, drop.title, drop.per_buyer_limit
        );
    }
    let availability = match s.stock {
        0 => "sold out".to_owned(),
        n => format!("{n} of {} editions left", item.edition_size),
    };
    format!("{} by {}, {}, {availability}.", s.title, s.artist, s.price)
}

#[component]
fn ItemDetail(item: Item) -> impl IntoView {
    let sentence = summary(&item);
    let s = item.summary;
    // The form is a lazily loaded wasm split, loaded by the first press of Buy. The signed
    // quote goes to it as JSON (its signature covers the quote's signing bytes, not the JSON).
    let buy = item.quote.and_then(|quote| {
        let (id, title, stock, drop) = (s.id, s.title.clone(), s.stock, s.drop.clone());
        let price = quote.body.price;
        let quote = serde_json::to_string(&quote).ok()?;
        Some(view! { <BuyArea item=id title quote price stock drop /> })
    });
    // In a drop, the drop's price and where it is (counting down on the server's clock).
    let price = s.drop.as_ref().map_or(s.price, |d| d.price);
    let drop_status = s.drop.clone().map(|drop| view! { <DropStatus drop /> });
    let cannot_buy = buy
        .is_none()
        .then(|| view! { <p class="note">"This work cannot be bought right now."</p> });
    view! {
        <article class="item">
            <nav aria-label="Breadcrumb">
                <A href=routes::collection(&item.collection) attr:class="link">{item.collection_title}</A>
            </nav>
            // The work first; title, artist and edition follow; the price and Buy stay in
            // reach in the sticky bar.
            <WorkFigure picture=s.picture thumb=s.thumb alt=s.alt title=s.title.clone()
                original=item.original />
            <div class="item-info">
                <PageHeading text=s.title.clone() />
                <p class="summary">{sentence}</p>
                {drop_status}
                <dl class="facts">
                    <dt>"Artist"</dt><dd>{s.artist}</dd>
                    <dt>"Price"</dt><dd class="price">{price.to_string()}</dd>
                    <dt>"Edition"</dt>
                    <dd>{format!("{} of {} available", s.stock, item.edition_size)}</dd>
                </dl>
                <p class="description">{s.description}</p>
                {buy}
                {cannot_buy}
            </div>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use vitrine_protocol::{Currency, ImageRef, ItemSummary, Money};

    use super::*;

    fn item(stock: u32) -> Item {
        let img = ImageRef { url: "/x.jpg".into(), width: 1, height: 1 };
        Item {
            summary: ItemSummary {
                id: ItemId::try_from(1).unwrap(),
                title: "Neap".into(),
                artist: "Mara Okonkwo".into(),
                price: Money { amount_minor: 2400, currency: Currency::EUR },
                stock,
                thumb: img.clone(),
                alt: "waves".into(),
                description: String::new(),
                picture: None,
                drop: None,
            },
            collection: "tidal-glass".parse().unwrap(),
            collection_title: "Tidal Glass".into(),
            edition_size: 10,
            original: img,
            quote: None,
        }
    }

    #[test]
    fn summary_reads_as_one_sentence() {
        assert_eq!(summary(&item(3)), "Neap by Mara Okonkwo, 24.00 EUR, 3 of 10 editions left.");
        assert_eq!(summary(&item(0)), "Neap by Mara Okonkwo, 24.00 EUR, sold out.");
    }
}
