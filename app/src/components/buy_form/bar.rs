//! The sticky bar with a work's price and Buy: the island a page the server drew runs for a
//! buyable work. The sheet it opens is `super::buy_form`, a lazily loaded part; a press whose
//! part cannot load (offline before the page fetched it) says so, and the next press retries.

use leptos::prelude::*;
use vitrine_protocol::drops::{DropInfo, Phase};
use vitrine_protocol::{ItemId, Money};

use super::{buy_form, sells, show};
use crate::components::NotLoaded;
use crate::server_clock::{device_now, use_server_clock};

/// A buyable work's sticky bar with its price and Buy: an island (a page the server drew runs
/// it alone). The server draws the bar; the sheet with the form is a lazily loaded part, loaded
/// and drawn by the first press, so the page's start does not run it (it was most of the item
/// page's blocking time). `boot.js` fetches its files while the page is idle (not compiling
/// them), so a press offline finds them in the browser's cache. A sold-out work's waitlist
/// loads at once: it is its bar.
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
    let sold_out = drop.as_ref().map_or(stock, |d| stock.min(d.remaining)) == 0;
    let wanted = RwSignal::new(sold_out);
    // The part could not be loaded: said, and the next press loads it again.
    let failed = RwSignal::new(false);
    let form = {
        let drop = drop.clone();
        move || {
            let (title, quote, drop) = (title.clone(), quote.clone(), drop.clone());
            wanted.get().then(|| {
                Suspend::new(async move {
                    #[cfg(feature = "hydrate")]
                    let loaded = buy_form(item, title, quote, stock, drop, sheet).await;
                    #[cfg(not(feature = "hydrate"))]
                    let loaded = buy_form(item, title, quote, stock, drop, sheet);
                    let shown = loaded.map_err(|NotLoaded| {
                        failed.set(true);
                        wanted.set(false);
                    });
                    shown.ok()
                })
            })
        }
    };
    // Only a press draws the sheet: once drawn, it opens.
    Effect::new(move |_| {
        if let Some(dialog) = sheet.get() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        }
    });
    // Pressed, not drawn yet: said while the part loads (a slow link may take seconds).
    let opening = move || !sold_out && wanted.get() && sheet.get().is_none();
    let said = move || {
        match (failed.get(), sold_out) {
        (true, false) => {
            Some("The form could not load: you may be offline. Press Buy to try again, or reload the page.")
        }
        (true, true) => {
            Some("The waitlist could not load: you may be offline. Reload the page to try again.")
        }
        (false, _) => opening().then_some("Opening the form…"),
    }
    };
    let bar = (!sold_out).then(|| buy_bar(price, drop, sheet, wanted, failed));
    view! {
        <div class="buy-panel has-action-bar">
            {bar}
            <p role="status" class="note opening">{said}</p>
            <Suspense fallback=|| ()>{form}</Suspense>
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
    wanted: RwSignal<bool>,
    failed: RwSignal<bool>,
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
    // The first press loads and draws the sheet, which opens once drawn.
    let press = move |_| {
        if failed.get_untracked() {
            failed.set(false);
        }
        if !wanted.get_untracked() {
            wanted.set(true);
        }
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
