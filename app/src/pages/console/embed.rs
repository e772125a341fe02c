//! Embed: the sites allowed to show the merchant's storefront in a frame (one origin a line,
//! checked by the same rule as the server's), and for each collection on show the one-line
//! snippet to paste into those sites, with a copy button and a preview of the frame.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::merchant::{origin, snippet, EmbedOrigins, MerchantCollection};
use vitrine_protocol::paths;

use super::refusal;
use crate::api::merchant::{self as api, Refused};

/// This shop's origin, as the snippet names it.
fn shop() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

#[component]
pub fn Embed(csrf: String) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Refused>);
    let saved = RwSignal::new(None::<String>);
    // The field waits for the saved list, so what the merchant types is never overwritten.
    let loaded = RwSignal::new(false);
    spawn_local(async move {
        match api::get::<EmbedOrigins>(paths::MERCHANT_EMBED).await {
            Ok(list) => typed.set(list.origins.join("\n")),
            Err(e) => error.set(Some(e)),
        }
        loaded.set(true);
    });
    let collections =
        LocalResource::new(|| api::get::<Vec<MerchantCollection>>(paths::MERCHANT_COLLECTIONS));
    let save = move || {
        let origins: Vec<String> = typed
            .get_untracked()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        // The server's rule, first here: the field says which line is wrong at once.
        if let Some((n, why)) =
            origins.iter().enumerate().find_map(|(n, o)| origin(o).err().map(|why| (n, why)))
        {
            error.set(Some(Refused::said(&format!("Line {}: {why}.", n + 1))));
            return;
        }
        let csrf = csrf.clone();
        spawn_local(async move {
            let body = EmbedOrigins { origins };
            match api::send::<EmbedOrigins>("PUT", paths::MERCHANT_EMBED, &body, &csrf).await {
                Ok(list) => {
                    error.set(None);
                    saved.set(Some(match list.origins.len() {
                        0 => "Saved: no other site may show your storefront.".to_owned(),
                        n => format!("Saved: {n} site(s) may show your storefront."),
                    }));
                    typed.set(list.origins.join("\n"));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h2>"Embed"</h2>
        <p class="hint">"Show a collection on your own site. Only the sites listed here may show it; every other site is refused by the browser. Purchases made there are kept in that site's storage on the buyer's device, apart from this shop's own receipts."</p>
        <form class="console-form" aria-label="Sites allowed" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <div class="field">
                <label for="embed-origins">"Sites allowed to show your storefront"</label>
                <p class="hint" id="embed-origins-hint">"One a line, like https://gallery.example (no path). http:// only for localhost."</p>
                <textarea id="embed-origins" class="input" rows="3" aria-describedby="embed-origins-hint"
                    disabled=move || !loaded.get()
                    on:input=move |ev| typed.set(event_target_value(&ev)) prop:value=move || typed.get()></textarea>
            </div>
            {refusal(error)}
            <p role="status">{move || saved.get()}</p>
            <button type="submit" class="btn btn-primary">"Save sites"</button>
        </form>
        <Suspense fallback=|| view! { <p role="status">"Loading your collections…"</p> }>
            {move || Suspend::new(async move {
                match collections.await {
                    Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                    Ok(list) => list.into_iter().filter(|c| !c.hidden).map(|c| view! { <Snippet collection=c /> }).collect_view().into_any(),
                }
            })}
        </Suspense>
    }
}

/// One collection's snippet: copy it, or preview the frame it makes.
#[component]
fn Snippet(collection: MerchantCollection) -> impl IntoView {
    let code = snippet(&shop(), &collection.slug);
    let copied = RwSignal::new(None::<&'static str>);
    let preview = RwSignal::new(false);
    let id = format!("snippet-{}", collection.slug);
    let title = collection.title.clone();
    let src = format!("{}/{}?host={}&lite=1", paths::EMBED, collection.slug, shop());
    let copy = {
        let code = code.clone();
        move |_| {
            let code = code.clone();
            spawn_local(async move {
                let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
                let done = match clipboard {
                    Some(c) => {
                        wasm_bindgen_futures::JsFuture::from(c.write_text(&code)).await.is_ok()
                    }
                    None => false,
                };
                copied.set(Some(if done {
                    "Copied."
                } else {
                    "This browser would not copy it: select the snippet and copy it yourself."
                }));
            });
        }
    };
    view! {
        <section class="console-block" aria-labelledby=format!("{id}-title")>
            <h3 id=format!("{id}-title")>{collection.title.clone()}</h3>
            <div class="field">
                <label for=id.clone()>{format!("Snippet for {}", collection.title)}</label>
                <textarea id=id.clone() class="input snippet" rows="2" readonly prop:value=code></textarea>
            </div>
            <p role="status">{move || copied.get()}</p>
            <div class="console-actions">
                <button type="button" class="btn btn-secondary" on:click=copy>{format!("Copy snippet for {}", collection.title)}</button>
                <button type="button" class="btn btn-secondary" aria-expanded=move || preview.get().to_string()
                    on:click=move |_| preview.update(|p| *p = !*p)>{format!("Preview {}", collection.title)}</button>
            </div>
            {move || preview.get().then(|| view! {
                <iframe class="embed-preview" src=src.clone() title=format!("Preview of {title}")></iframe>
            })}
        </section>
    }
}
