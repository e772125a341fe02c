//! The console's catalog: collections, their works, new ones, and each work's original
//! uploaded with a progress bar, then followed until its pictures are ready.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::merchant::{
    CollectionPatch, ImageState, MerchantCollection, MerchantItem, NewCollection, NewItem,
};
use vitrine_protocol::{paths, Currency, Money};

use super::work::Work;
use super::{field, refusal};
use crate::api::merchant::{self as api, Refused};

/// "40.00" → 4000 minor units (EUR); `None` for anything else.
pub fn minor_units(text: &str) -> Option<i64> {
    minor_units_in(text, 2)
}

/// "12.50" in a currency of `digits` decimals, as minor units (JPY has none: "300" is 300).
pub fn minor_units_in(text: &str, digits: u32) -> Option<i64> {
    let t = text.trim();
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let width = usize::try_from(digits).ok()?;
    if whole.is_empty() || fraction.len() > width || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction = format!("{fraction:0<width$}");
    let scale = 10i64.checked_pow(digits)?;
    let minor = if width == 0 { 0 } else { fraction.parse::<i64>().ok()? };
    whole.parse::<i64>().ok()?.checked_mul(scale)?.checked_add(minor)
}

/// 54.00 EUR → "54.00": a price as its field shows it (the inverse of `minor_units`).
pub fn amount(price: Money) -> String {
    price.to_string().split(' ').next().unwrap_or_default().to_owned()
}

#[component]
pub fn Catalog(csrf: String) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let collections = LocalResource::new(move || {
        refresh.track();
        api::get::<Vec<MerchantCollection>>(paths::MERCHANT_COLLECTIONS)
    });
    let (slug, title) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<Refused>);
    let csrf_new = csrf.clone();
    let create = move || {
        let new = NewCollection {
            slug: slug.get_untracked(),
            title: title.get_untracked(),
            description: String::new(),
        };
        let csrf = csrf_new.clone();
        spawn_local(async move {
            match api::send::<MerchantCollection>("POST", paths::MERCHANT_COLLECTIONS, &new, &csrf)
                .await
            {
                Ok(_) => {
                    error.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h2>"Catalog"</h2>
        <Suspense fallback=|| view! { <p role="status">"Loading your collections…"</p> }>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                    match collections.await {
                        Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                        Ok(list) => {
                            let slugs: Vec<String> = list.iter().map(|c| c.slug.to_string()).collect();
                            view! {
                                {list.into_iter().map(|c| view! { <CollectionWorks collection=c csrf=csrf.clone() on_changed=move || refresh.update(|n| *n += 1) /> }).collect_view()}
                                <NewWork slugs csrf=csrf.clone() on_made=move || refresh.update(|n| *n += 1) />
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
        <form class="console-form" on:submit=move |ev| { ev.prevent_default(); create(); }>
            <h3>"New collection"</h3>
            {field("new-collection-slug", "Address (/c/…)", "text", slug)}
            {field("new-collection-title", "Collection title", "text", title)}
            {refusal(error)}
            <button type="submit" class="btn btn-secondary">"Create collection"</button>
        </form>
    }
}

#[component]
fn CollectionWorks(
    collection: MerchantCollection,
    csrf: String,
    on_changed: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let path = format!("{}/{}/items", paths::MERCHANT_COLLECTIONS, collection.slug);
    let items = LocalResource::new(move || {
        refresh.track();
        let path = path.clone();
        async move { api::get::<Vec<MerchantItem>>(&path).await }
    });
    // While a picture is being made, look again every second.
    let handle = set_interval_with_handle(
        move || {
            let busy = items
                .get()
                .and_then(|r| r.ok())
                .is_some_and(|list| list.iter().any(|i| i.image == ImageState::Processing));
            if busy {
                refresh.update(|n| *n += 1);
            }
        },
        std::time::Duration::from_secs(1),
    );
    on_cleanup(move || {
        if let Ok(h) = handle {
            h.clear();
        }
    });
    let heading = format!(
        "{} (/c/{}){}",
        collection.title,
        collection.slug,
        if collection.hidden { ", hidden" } else { "" }
    );
    let works_csrf = csrf.clone();
    view! {
        <section class="console-block">
            <h3>{heading}</h3>
            <CollectionSettings collection csrf on_changed />
            {move || {
                let csrf = works_csrf.clone();
                items.get().map(|r| match r {
                    Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p>"No works yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="console-list">
                            {list.into_iter().map(|i| view! { <Work item=i csrf=csrf.clone() on_sent=move || refresh.update(|n| *n += 1) /> }).collect_view()}
                        </ul>
                    }.into_any(),
                })
            }}
        </section>
    }
}

/// A collection's title, and hiding it (with its works) from the storefront or showing it again.
#[component]
fn CollectionSettings(
    collection: MerchantCollection,
    csrf: String,
    on_changed: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let error = RwSignal::new(None::<Refused>);
    let title = RwSignal::new(collection.title.clone());
    let path = format!("{}/{}", paths::MERCHANT_COLLECTIONS, collection.slug);
    let patch = move |change: CollectionPatch| {
        let (csrf, path, on_changed) = (csrf.clone(), path.clone(), on_changed.clone());
        spawn_local(async move {
            match api::send::<MerchantCollection>("PATCH", &path, &change, &csrf).await {
                Ok(_) => {
                    error.set(None);
                    on_changed();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let hidden = collection.hidden;
    let toggle = {
        let patch = patch.clone();
        move |_| patch(CollectionPatch { hidden: Some(!hidden), ..CollectionPatch::default() })
    };
    let rename = move || {
        patch(CollectionPatch { title: Some(title.get_untracked()), ..CollectionPatch::default() })
    };
    let name = collection.title.clone();
    view! {
        <form class="console-inline" on:submit=move |ev| { ev.prevent_default(); rename(); }>
            {field(format!("collection-{}-title", collection.slug), format!("Title of {name}"), "text", title)}
            <button type="submit" class="btn btn-quiet">{format!("Rename {name}")}</button>
            <button type="button" class="btn btn-quiet" on:click=toggle>
                {format!("{} {name}", if hidden { "Show" } else { "Hide" })}
            </button>
        </form>
        {refusal(error)}
    }
}

#[component]
fn NewWork(
    slugs: Vec<String>,
    csrf: String,
    on_made: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let collection = RwSignal::new(slugs.first().cloned().unwrap_or_default());
    let (title, artist, alt) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (edition, price) = (RwSignal::new("1".to_owned()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<Refused>);
    let create = move || {
        let amount = minor_units(&price.get_untracked());
        let new = NewItem {
            collection: collection.get_untracked(),
            title: title.get_untracked(),
            artist: artist.get_untracked(),
            description: String::new(),
            alt: alt.get_untracked(),
            edition_size: edition.get_untracked().trim().parse().unwrap_or(0),
            price: Money { amount_minor: amount.unwrap_or(-1), currency: Currency::EUR },
            hidden: false,
        };
        let (csrf, on_made) = (csrf.clone(), on_made.clone());
        spawn_local(async move {
            match api::send::<MerchantItem>("POST", paths::MERCHANT_ITEMS, &new, &csrf).await {
                Ok(_) => {
                    error.set(None);
                    on_made();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="console-form" on:submit=move |ev| { ev.prevent_default(); create(); }>
            <h3>"New work"</h3>
            <div class="field">
                <label for="new-work-collection">"In collection"</label>
                <select id="new-work-collection" class="select" on:change=move |ev| collection.set(event_target_value(&ev))>
                    {slugs.into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                </select>
            </div>
            {field("new-work-title", "Title", "text", title)}
            {field("new-work-artist", "Artist", "text", artist)}
            {field("new-work-alt", "Alt text (what the work shows)", "text", alt)}
            {field("new-work-edition", "Edition size", "text", edition)}
            {field("new-work-price", "Price in EUR (e.g. 40.00)", "text", price)}
            {refusal(error)}
            <button type="submit" class="btn btn-secondary">"Create work"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_is_read_in_its_currencys_decimals() {
        assert_eq!(minor_units("54.00"), Some(5_400));
        assert_eq!(minor_units("54.5"), Some(5_450));
        assert_eq!(minor_units("54"), Some(5_400));
        assert_eq!(minor_units("54.555"), None);
        assert_eq!(minor_units_in("300", 0), Some(300), "a yen is its own minor unit");
        assert_eq!(minor_units_in("300.5", 0), None);
        for bad in ["", ".5", "-5", "5,00", "1e3"] {
            assert_eq!(minor_units(bad), None, "{bad:?}");
        }
    }
}
