use std::cmp::Reverse;

use leptos::prelude::*;
use vitrine_protocol::ItemSummary;

use crate::components::ItemCard;

/// Cards a phone shows before scrolling: two columns, two rows.
const EAGER_CARDS: usize = 4;

/// How a gallery is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// The collection's own order, as the merchant arranged it.
    Featured,
    PriceLow,
    PriceHigh,
    /// Added last first: item ids grow as works are added.
    Newest,
    /// Most editions left first.
    MostAvailable,
}

const SORTS: [(Sort, &str, &str); 5] = [
    (Sort::Featured, "featured", "Featured"),
    (Sort::PriceLow, "price-low", "Price: low to high"),
    (Sort::PriceHigh, "price-high", "Price: high to low"),
    (Sort::Newest, "newest", "Newest"),
    (Sort::MostAvailable, "available", "Most editions left"),
];

/// The works to show, in order. Prices in different currencies are not compared by amount:
/// they group by currency first.
pub fn arrange(items: &[ItemSummary], sort: Sort, available_only: bool) -> Vec<ItemSummary> {
    let mut out: Vec<ItemSummary> =
        items.iter().filter(|i| !available_only || i.stock > 0).cloned().collect();
    let price = |i: &ItemSummary| (i.price.currency.code(), i.price.amount_minor);
    match sort {
        Sort::Featured => {}
        Sort::PriceLow => out.sort_by_key(price),
        Sort::PriceHigh => out.sort_by_key(|i| Reverse(price(i))),
        Sort::Newest => out.sort_by_key(|i| Reverse(i.id)),
        Sort::MostAvailable => out.sort_by_key(|i| Reverse(i.stock)),
    }
    out
}

/// A collection's works: image first, sorted and filtered on the device (works offline).
#[component]
pub fn Gallery(items: Vec<ItemSummary>, #[prop(into)] label: String) -> impl IntoView {
    let sort = RwSignal::new(Sort::Featured);
    let available_only = RwSignal::new(false);
    let shown = Memo::new(move |_| arrange(&items, sort.get(), available_only.get()));
    let count = move || match shown.with(Vec::len) {
        1 => "1 work".to_owned(),
        n => format!("{n} works"),
    };
    let on_sort = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some((s, _, _)) = SORTS.iter().find(|(_, key, _)| *key == value) {
            sort.set(*s);
        }
    };
    view! {
        <div class="gallery-tools">
            <div class="field">
                <label for="gallery-sort">"Sort by"</label>
                <select id="gallery-sort" class="select" on:change=on_sort>
                    {SORTS.iter().map(|(_, key, text)| view! { <option value=*key>{*text}</option> }).collect_view()}
                </select>
            </div>
            <button type="button" class="btn btn-secondary"
                aria-pressed=move || available_only.get().to_string()
                on:click=move |_| available_only.update(|on| *on = !*on)>
                "Available only"
            </button>
            <p role="status" class="count">{count}</p>
        </div>
        <ul class="grid" aria-label=label>
            <For each=move || shown.get().into_iter().enumerate()
                key=|(i, item)| (*i, item.id)
                children=move |(i, item)| view! {
                    // The first screen loads at once (it holds the LCP image); the rest wait
                    // until they scroll near.
                    <li><ItemCard item eager=i < EAGER_CARDS /></li>
                } />
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use vitrine_protocol::{Currency, ImageRef, ItemId, Money};

    use super::*;

    fn item(id: i64, price: i64, stock: u32) -> ItemSummary {
        ItemSummary {
            id: ItemId::try_from(id).unwrap(),
            title: format!("#{id}"),
            artist: "A".into(),
            price: Money { amount_minor: price, currency: Currency::EUR },
            stock,
            thumb: ImageRef { url: "/x.jpg".into(), width: 1, height: 1 },
            alt: String::new(),
            picture: None,
        }
    }

    fn ids(items: &[ItemSummary]) -> Vec<i64> {
        items.iter().map(|i| i.id.get()).collect()
    }

    #[test]
    fn sorts_and_filters() {
        let items = [item(2, 500, 0), item(1, 900, 3), item(3, 100, 7)];
        assert_eq!(ids(&arrange(&items, Sort::Featured, false)), [2, 1, 3]);
        assert_eq!(ids(&arrange(&items, Sort::PriceLow, false)), [3, 2, 1]);
        assert_eq!(ids(&arrange(&items, Sort::PriceHigh, false)), [1, 2, 3]);
        assert_eq!(ids(&arrange(&items, Sort::Newest, false)), [3, 2, 1]);
        assert_eq!(ids(&arrange(&items, Sort::MostAvailable, false)), [3, 1, 2]);
        assert_eq!(ids(&arrange(&items, Sort::PriceLow, true)), [3, 1], "sold out left out");
    }
}
