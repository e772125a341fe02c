//! The console's catalog: collections, their works, new ones, and each work's original
//! uploaded with a progress bar, then followed until its pictures are ready.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::merchant::{
    ImageState, MerchantCollection, MerchantItem, NewCollection, NewItem,
};
use vitrine_protocol::{paths, Currency, Money};
use wasm_bindgen::JsCast;

use super::{field, refusal};
use crate::api::merchant::{self as api, Refused};

/// "40.00" → 4000 minor units (EUR); `None` for anything else.
pub fn minor_units(text: &str) -> Option<i64> {
    let t = text.trim();
    let (whole, cents) = t.split_once('.').unwrap_or((t, "0"));
    let cents = format!("{cents:0<2}");
    if cents.len() != 2 || whole.is_empty() {
        return None;
    }
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents.parse::<i64>().ok()?)
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
                                {list.into_iter().map(|c| view! { <CollectionWorks collection=c csrf=csrf.clone() /> }).collect_view()}
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
fn CollectionWorks(collection: MerchantCollection, csrf: String) -> impl IntoView {
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
    view! {
        <section class="console-block">
            <h3>{heading}</h3>
            {move || {
                let csrf = csrf.clone();
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

#[component]
fn Work(item: MerchantItem, csrf: String, on_sent: impl Fn() + Clone + 'static) -> impl IntoView {
    let sent = RwSignal::new(None::<f64>);
    let error = RwSignal::new(None::<Refused>);
    let picture = match item.image {
        ImageState::Awaiting => "waiting for its original".to_owned(),
        ImageState::Processing => "pictures being made".to_owned(),
        ImageState::Ready => "on show".to_owned(),
        ImageState::Failed => {
            format!("original refused: {}", item.image_problem.clone().unwrap_or_default())
        }
    };
    let line = format!(
        "No. {} — {} by {} — {}, {} of {} left — {}",
        item.id, item.title, item.artist, item.price, item.stock, item.edition_size, picture
    );
    let file_id = format!("original-{}", item.id);
    let label = format!("Original for {}", item.title);
    let path = format!("{}/{}/original", paths::MERCHANT_ITEMS, item.id);
    let upload = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        sent.set(Some(0.0));
        let on_sent = on_sent.clone();
        let started = api::upload(
            &path,
            &file,
            &csrf,
            move |done, total| sent.set(Some(if total > 0.0 { done / total * 100.0 } else { 0.0 })),
            move |result| {
                sent.set(None);
                match result {
                    Ok(()) => on_sent(),
                    Err(e) => error.set(Some(e)),
                }
            },
        );
        if let Err(e) = started {
            sent.set(None);
            error.set(Some(e));
        }
    };
    let progress_label = format!("Uploading {}", item.title);
    view! {
        <li>
            <p>{line}</p>
            <div class="field">
                <label for=file_id.clone()>{label}</label>
                <input id=file_id type="file" accept="image/jpeg,image/png,image/webp" on:change=upload />
            </div>
            {move || sent.get().map(|p| view! {
                <progress max="100" value=p aria-label=progress_label.clone()></progress>
            })}
            {refusal(error)}
        </li>
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
