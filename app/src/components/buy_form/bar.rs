//! The sticky bar with a work's price and Buy: the island a page the server drew runs for a
//! buyable work. The sheet it opens is `super::buy_form`, a lazily loaded part; a press whose
//! part cannot load (offline before the page fetched it) says so, and the next press retries.

use leptos::prelude::*;
use vitrine_protocol::drops::{self, DropInfo, Phase};
use vitrine_protocol::{ItemId, Money};

use super::{buy_form, sells, show, Form};
use crate::components::NotLoaded;
use crate::server_clock::{device_now, use_server_clock};

/// A buyable work's sticky bar with its price and Buy: an island (a page the server drew runs
/// it alone). The server draws the bar; the sheet with the form is a lazily loaded part, loaded
/// by the first press, which draws it into the panel itself, so the page's start does not run
/// it (it was most of the item page's blocking time) and its first load carries none of its
/// view. `boot.js` fetches its files while the page is idle (not compiling them), so a press
/// offline finds them in the browser's cache. A sold-out work's waitlist is its bar: its part
/// loads at once.
///
/// `quote` is the signed quote's JSON as the server wrote it: only the form's part parses it,
/// so the first load carries no parser for it.
#[island]
pub fn BuyArea(
    item: ItemId,
    title: String,
    quote: String,
    price: Money,
    stock: u32,
    drop: Option<DropInfo>,
) -> impl IntoView {
    let sheet = NodeRef::<leptos::html::Dialog>::new();
    // Where the part draws the sheet, or a sold-out work's waitlist.
    let place = NodeRef::<leptos::html::Div>::new();
    let sold_out = drops::for_sale(stock, drop.as_ref()) == 0;
    // Pressed, and the part is loading (a slow link may take seconds).
    let opening = RwSignal::new(false);
    // The part could not be loaded: said, and the next press loads it again.
    let failed = RwSignal::new(false);
    let load = {
        // Weak: the island's owner holds this closure.
        let owner = Owner::current().map(|owner| owner.downgrade());
        let drop = drop.clone();
        // The part's drawing, kept while the island is: dropping it removes it.
        let drawn = StoredValue::new_local(None::<Box<dyn std::any::Any>>);
        move || {
            if opening.get_untracked() || drawn.with_value(Option::is_some) {
                return;
            }
            let Some(place) = place.get_untracked() else { return };
            let (owner, title, quote, drop) =
                (owner.clone(), title.clone(), quote.clone(), drop.clone());
            opening.set(true);
            failed.set(false);
            leptos::task::spawn_local(async move {
                let form =
                    Form { owner, place: place.into(), item, title, quote, stock, drop, sheet };
                #[cfg(feature = "hydrate")]
                let loaded = buy_form(form).await;
                #[cfg(not(feature = "hydrate"))]
                let loaded = buy_form(form);
                match loaded {
                    // Kept while the island is; an island gone meanwhile (a page left in the
                    // whole app) drops it at once, which removes the drawing.
                    Ok(handle) => {
                        if drawn.try_set_value(Some(handle)).is_none() {
                            show(sheet, true);
                        }
                    }
                    Err(NotLoaded) => failed.set(true),
                }
                opening.set(false);
            });
        }
    };
    let load_now = load.clone();
    // A sold-out work's waitlist is its bar: loaded at once.
    Effect::new(move |_| {
        if sold_out && place.get().is_some() {
            load_now();
        }
    });
    let said = move || {
        match (failed.get(), sold_out) {
        (true, false) => {
            Some("The form could not load: you may be offline. Press Buy to try again, or reload the page.")
        }
        (true, true) => {
            Some("The waitlist could not load: you may be offline. Reload the page to try again.")
        }
        (false, _) => (opening.get() && !sold_out).then_some("Opening the form…"),
    }
    };
    let bar = (!sold_out).then(|| buy_bar(price, drop, sheet, load));
    view! {
        <div class="buy-panel has-action-bar">
            {bar}
            <p role="status" class="note opening">{said}</p>
            <div class="buy-place" node_ref=place></div>
        </div>
    }
}

/// "Buy · 12.00 EUR", or before a drop opens when it does (and not usable yet). Drawn as it is
/// now, usable once this runs, and written by an effect: hydration keeps what the server wrote,
/// which may be minutes old (a kept page), and a press before the island runs would be lost.
fn buy_bar(
    price: Money,
    drop: Option<DropInfo>,
    sheet: NodeRef<leptos::html::Dialog>,
    load: impl Fn() + 'static,
) -> impl IntoView {
    let clock = use_server_clock();
    // Where the drop is, on the server's clock; `None` for a work not in a drop.
    let phase = move || {
        let now = clock.map_or_else(device_now, |c| c.now());
        drop.as_ref().map(|d| d.phase(now))
    };
    let label = move |phase: Option<Phase>| match phase {
        Some(p @ (Phase::Upcoming { .. } | Phase::Ended)) => p.to_string(),
        _ => format!("Buy · {price}"),
    };
    let button = NodeRef::<leptos::html::Button>::new();
    let now = Memo::new(move |_| phase());
    Effect::new(move |_| {
        let phase = now.get();
        if let Some(button) = button.get() {
            button.set_disabled(!sells(phase));
            let text = label(phase);
            if button.text_content().as_deref() != Some(text.as_str()) {
                button.set_text_content(Some(&text));
            }
        }
    });
    // The first press loads and draws the sheet, which opens once drawn; later ones open it.
    let press = move |_| {
        load();
        show(sheet, true);
    };
    view! {
        <div class="action-bar">
            <button type="button" class="btn btn-primary" aria-haspopup="dialog" disabled=true
                node_ref=button on:click=press>
                {label(now.get_untracked())}
            </button>
        </div>
    }
}
