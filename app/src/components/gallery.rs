use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use vitrine_protocol::{ItemId, ItemSummary, Money};

use crate::components::ItemCard;

/// Cards a phone shows before scrolling: two columns, two rows.
const EAGER_CARDS: usize = 4;

/// What the sort and the filter read of a work. The island's props are written into the page:
/// three fields a card, not every card's data a second time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sortable {
    id: ItemId,
    price: Money,
    stock: u32,
}

impl From<&ItemSummary> for Sortable {
    fn from(item: &ItemSummary) -> Self {
        Sortable { id: item.id, price: item.price, stock: item.stock }
    }
}

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
pub fn arrange(items: &[Sortable], sort: Sort, available_only: bool) -> Vec<Sortable> {
    let mut out: Vec<Sortable> =
        items.iter().filter(|i| !available_only || i.stock > 0).cloned().collect();
    // One key function (so one instantiation of the sort: each distinct closure would add its
    // own copy of the sort to the first-load wasm); the sort is stable, so ties keep the
    // collection's order.
    let key = |i: &Sortable| -> (&'static str, i64) {
        let (currency, amount) = (i.price.currency.code(), i.price.amount_minor);
        match sort {
            Sort::Featured => ("", 0),
            Sort::PriceLow => (currency, amount),
            Sort::PriceHigh => (currency, amount.saturating_neg()),
            Sort::Newest => ("", i.id.get().saturating_neg()),
            Sort::MostAvailable => ("", -i64::from(i.stock)),
        }
    };
    if sort != Sort::Featured {
        out.sort_by_key(key);
    }
    out
}

/// Put the grid's cards (`<li data-item>`) in `order`, hiding the others. The cards are
/// moved, not rebuilt: DOM order stays the reading and tab order, and a reactive keyed list
/// would have cost ~10 KB of first-load wasm (measured) for a sort select.
fn show_in_order(list: &web_sys::Element, order: &[Sortable]) {
    let cards = list.children();
    let mut by_id = Vec::with_capacity(cards.length() as usize);
    for i in 0..cards.length() {
        if let Some(card) = cards.item(i) {
            by_id.push((card.get_attribute("data-item").unwrap_or_default(), card));
        }
    }
    for (_, card) in &by_id {
        let _ = card.set_attribute("hidden", "");
    }
    // A card already in its place is not moved: moving an element takes focus off it, and
    // a keyboard user may be on one (the first pass keeps the drawn order).
    let mut place = 0;
    for item in order {
        let id = item.id.to_string();
        if let Some((_, card)) = by_id.iter().find(|(key, _)| *key == id) {
            let _ = card.remove_attribute("hidden");
            let here = list.children().item(place);
            if here.as_ref() != Some(card) {
                let _ = list.insert_before(card, here.as_ref().map(|h| h.as_ref()));
            }
            place += 1;
        }
    }
}

/// A collection's works, image first. The grid and its sort and filter controls are drawn at
/// once; only the controls run (an island).
#[cfg(any(feature = "app", not(feature = "item-page")))]
#[component]
pub fn Gallery(items: Vec<ItemSummary>, #[prop(into)] label: String) -> impl IntoView {
    let all = items.iter().map(Sortable::from).collect();
    view! {
        <div class="gallery-tools">
            <GalleryControls items=all />
        </div>
        <ul class="grid" aria-label=label>
            {items.into_iter().enumerate().map(|(i, item)| {
                let key = item.id.to_string();
                // The first screen loads at once (it holds the LCP image); the rest wait
                // until they scroll near.
                view! { <li data-item=key><ItemCard item eager=i < EAGER_CARDS /></li> }
            }).collect_view()}
        </ul>
    }
}

/// The sort and filter controls: an island (a page the server drew runs it alone). They were a
/// lazily loaded part, fetched as soon as the island ran: drawn by the server and run here, the
/// first load is smaller than the island's loader and the part together (measured, BENCHMARKS.md).
// Not in the item page's islands build (`item-page`): no work's page has them.
#[cfg(any(feature = "app", not(feature = "item-page")))]
#[island]
fn GalleryControls(items: Vec<Sortable>) -> impl IntoView {
    view! { <GalleryTools items /> }
}

/// The grid the controls arrange: the list after their box (`Gallery`), found in the
/// document because the server drew it outside the island.
fn grid_after(field: &web_sys::Element) -> Option<web_sys::Element> {
    field.closest(".gallery-tools").ok().flatten()?.next_element_sibling()
}

#[component]
fn GalleryTools(items: Vec<Sortable>) -> impl IntoView {
    let field = NodeRef::<leptos::html::Div>::new();
    let sort = RwSignal::new(Sort::Featured);
    let available_only = RwSignal::new(false);
    let shown = RwSignal::new(items.len());
    Effect::new(move |_| {
        let order = arrange(&items, sort.get(), available_only.get());
        shown.set(order.len());
        if let Some(list) = field.get_untracked().and_then(|f| grid_after(&f)) {
            show_in_order(&list, &order);
        }
    });
    let count = move || match shown.get() {
        1 => "1 work".to_owned(),
        n => format!("{n} works"),
    };
    let choose = move |value: String| {
        if let Some((s, _, _)) = SORTS.iter().find(|(_, key, _)| *key == value) {
            sort.set(*s);
        }
    };
    // A sort chosen on the server's drawing before the island ran is applied when it does.
    let select = NodeRef::<leptos::html::Select>::new();
    select.on_load(move |select| choose(select.value()));
    view! {
        <div class="field" node_ref=field>
            <label for="gallery-sort">"Sort by"</label>
            <select id="gallery-sort" class="select" node_ref=select
                on:change=move |ev| choose(event_target_value(&ev))>
                {SORTS.iter().map(|(_, key, text)| view! { <option value=*key>{*text}</option> }).collect_view()}
            </select>
        </div>
        <button type="button" class="btn btn-secondary"
            aria-pressed=move || available_only.get().to_string()
            on:click=move |_| available_only.update(|on| *on = !*on)>
            "Available only"
        </button>
        <p role="status" class="count">{count}</p>
    }
}

#[cfg(test)]
mod tests {
    use vitrine_protocol::Currency;

    use super::*;

    fn item(id: i64, price: i64, stock: u32) -> Sortable {
        let id = ItemId::try_from(id).unwrap();
        Sortable { id, price: Money { amount_minor: price, currency: Currency::EUR }, stock }
    }

    fn ids(items: &[Sortable]) -> Vec<i64> {
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
