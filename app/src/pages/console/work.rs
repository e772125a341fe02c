//! One work in the console's catalog: its line, an edit form (words, alt text, price), hide
//! and show, and its original uploaded with a progress bar.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::merchant::{ImageState, ItemPatch, MerchantItem};
use vitrine_protocol::{paths, Money};
use wasm_bindgen::JsCast;

use super::catalog::{amount, minor_units};
use super::{field, refusal};
use crate::api::merchant::{self as api, Refused};

#[component]
pub fn Work(
    item: MerchantItem,
    csrf: String,
    on_sent: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let sent = RwSignal::new(None::<f64>);
    let error = RwSignal::new(None::<Refused>);
    let editing = RwSignal::new(false);
    let picture = match item.image {
        ImageState::Awaiting => "waiting for its original".to_owned(),
        ImageState::Processing => "pictures being made".to_owned(),
        ImageState::Ready => "on show".to_owned(),
        ImageState::Failed => {
            format!("original refused: {}", item.image_problem.clone().unwrap_or_default())
        }
    };
    let line = format!(
        "No. {} — {} by {} — {}, {} of {} left — {}{}",
        item.id,
        item.title,
        item.artist,
        item.price,
        item.stock,
        item.edition_size,
        picture,
        if item.hidden { " — hidden" } else { "" }
    );
    let patch_path = format!("{}/{}", paths::MERCHANT_ITEMS, item.id);
    // Sends a change; the list is read again when it lands.
    let patch = {
        let (csrf, on_sent) = (csrf.clone(), on_sent.clone());
        move |change: ItemPatch| {
            let (csrf, on_sent, path) = (csrf.clone(), on_sent.clone(), patch_path.clone());
            spawn_local(async move {
                match api::send::<MerchantItem>("PATCH", &path, &change, &csrf).await {
                    Ok(_) => {
                        error.set(None);
                        editing.set(false);
                        on_sent();
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let hidden = item.hidden;
    let hide = {
        let patch = patch.clone();
        move |_| patch(ItemPatch { hidden: Some(!hidden), ..ItemPatch::default() })
    };
    let (hide_label, edit_label) = (
        format!("{} {}", if hidden { "Show" } else { "Hide" }, item.title),
        format!("Edit {}", item.title),
    );
    let form = {
        let item = item.clone();
        move || editing.get().then(|| view! { <EditWork item=item.clone() patch=patch.clone() /> })
    };
    view! {
        <li>
            <p>{line}</p>
            <div class="console-actions">
                <button type="button" class="btn btn-quiet" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>{edit_label}</button>
                <button type="button" class="btn btn-quiet" on:click=hide>{hide_label}</button>
            </div>
            {form}
            <Original item csrf sent error on_sent />
            {refusal(error)}
        </li>
    }
}

/// The words and price of a work; only what changed is sent.
#[component]
fn EditWork(
    item: MerchantItem,
    patch: impl Fn(ItemPatch) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let title = RwSignal::new(item.title.clone());
    let artist = RwSignal::new(item.artist.clone());
    let alt = RwSignal::new(item.alt.clone());
    let description = RwSignal::new(item.description.clone());
    let price = RwSignal::new(amount(item.price));
    let before = item.clone();
    let save = move || {
        let changed = |now: String, was: &str| (now != was).then_some(now);
        let amount_minor = minor_units(&price.get_untracked()).unwrap_or(-1);
        let change = ItemPatch {
            title: changed(title.get_untracked(), &before.title),
            artist: changed(artist.get_untracked(), &before.artist),
            alt: changed(alt.get_untracked(), &before.alt),
            description: changed(description.get_untracked(), &before.description),
            price: (amount_minor != before.price.amount_minor)
                .then_some(Money { amount_minor, currency: before.price.currency }),
            hidden: None,
        };
        patch(change);
    };
    let id = item.id;
    view! {
        <form class="console-form" aria-label=format!("Edit {}", item.title) on:submit=move |ev| { ev.prevent_default(); save(); }>
            {field(format!("edit-{id}-title"), "Title", "text", title)}
            {field(format!("edit-{id}-artist"), "Artist", "text", artist)}
            {field(format!("edit-{id}-alt"), "Alt text (what the work shows)", "text", alt)}
            {field(format!("edit-{id}-description"), "Description", "text", description)}
            {field(format!("edit-{id}-price"), format!("Price in {}", item.price.currency.code()), "text", price)}
            <p class="hint">"A new price applies to quotes from now on; buyers holding an earlier quote keep it until it expires."</p>
            <button type="submit" class="btn btn-secondary">{format!("Save {}", item.title)}</button>
        </form>
    }
}

/// The original's file field and the upload's progress.
#[component]
fn Original(
    item: MerchantItem,
    csrf: String,
    sent: RwSignal<Option<f64>>,
    error: RwSignal<Option<Refused>>,
    on_sent: impl Fn() + Clone + 'static,
) -> impl IntoView {
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
        <div class="field">
            <label for=file_id.clone()>{label}</label>
            <input id=file_id type="file" accept="image/jpeg,image/png,image/webp" on:change=upload />
        </div>
        {move || sent.get().map(|p| view! {
            <progress max="100" value=p aria-label=progress_label.clone()></progress>
        })}
    }
}
