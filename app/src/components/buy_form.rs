use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use vitrine_protocol::device::Purchase;
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{sandbox, Buyer, IntentId, ItemId, Payment, Quote};

use crate::connectivity::use_connectivity;
use crate::routes;
use crate::worker::{self, use_device_events, NotBought};

/// The sandbox rail's test cards. No real money moves.
const CARDS: [(&str, &str); 3] = [
    (sandbox::APPROVE, "4242 4242 4242 4242 — approves"),
    (sandbox::APPROVE_AFTER_DELAY, "4000 0000 0000 3220 — approves after a delay"),
    (sandbox::DECLINE, "4000 0000 0000 0002 — is declined"),
];

/// A new purchase id (UUID v7) from the page's clock and CSPRNG.
fn new_purchase_id() -> Option<IntentId> {
    let mut random = [0u8; 10];
    web_sys::window()?.crypto().ok()?.get_random_values_with_u8_array(&mut random).ok()?;
    let millis = js_sys::Date::now();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(IntentId::new_v7(millis.max(0.0) as u64, random))
}

/// The Buy form, loaded on demand.
#[leptos::lazy]
pub fn buy_form(item: ItemId, title: String, quote: Signed<Quote>, stock: u32) -> AnyView {
    view! { <BuyForm item title quote stock /> }.into_any()
}

/// Buy works the same online and offline: the worker signs and stores the intent, then sends
/// it when it can. The button says why when it cannot be used.
#[component]
fn BuyForm(item: ItemId, title: String, quote: Signed<Quote>, stock: u32) -> impl IntoView {
    let events = use_device_events();
    let online = use_connectivity().map(|c| c.online);
    let quantity = RwSignal::new(1u32);
    let checked_quote = quote.clone();
    // The worker checks the certificate, the quote and the offline limits, and says why not.
    let verdict = RwSignal::new(Err::<String, String>("Getting this device ready…".into()));
    Effect::new(move |_| {
        events.receipts_changed.track();
        if let Some(online) = online {
            online.track();
        }
        let (quote, quantity) = (checked_quote.clone(), quantity.get());
        spawn_local(async move {
            let answer = if stock == 0 {
                Err("Sold out.".to_owned())
            } else {
                worker::check(quote, quantity).await.map(|total| {
                    format!(
                        "Total {total}. Works offline too: it is sent when you are back online."
                    )
                })
            };
            // The form may be gone by now.
            let _ = verdict.try_set(answer);
        });
    });
    let verdict = move || verdict.get();
    let card = RwSignal::new(CARDS[0].0.to_owned());
    let email = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    // One purchase, one id, from the first press until the worker has stored it: pressing
    // Buy again after a timeout resumes that purchase instead of making a second order.
    let purchase_id = StoredValue::new(None::<IntentId>);
    let navigate = use_navigate();
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let id = match purchase_id.get_value().or_else(new_purchase_id) {
            Some(id) => id,
            None => {
                problem.set(Some("This browser cannot make a purchase number.".into()));
                return;
            }
        };
        purchase_id.set_value(Some(id));
        busy.set(true);
        problem.set(None);
        let email = email.get_untracked().trim().to_owned();
        let purchase = Purchase {
            id,
            item,
            title: title.clone(),
            quantity: quantity.get_untracked(),
            quote: quote.clone(),
            payment: Payment { rail: sandbox::CARD_RAIL.into(), token: card.get_untracked() },
            buyer: Buyer { wallet: None, email: (!email.is_empty()).then_some(email) },
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match worker::buy(purchase).await {
                Ok(receipt) => {
                    // The device now holds an order that must not be lost: ask the browser
                    // not to evict this origin's storage (only a page may ask).
                    worker::persist_storage();
                    navigate(&routes::receipt(receipt.id), Default::default())
                }
                Err(NotBought::Refused(reason)) => {
                    // Nothing was stored: the next press is a new purchase.
                    purchase_id.set_value(None);
                    problem.set(Some(reason));
                }
                // Maybe stored: pressing again resumes this purchase (same id).
                Err(NotBought::Unknown(message)) => problem.set(Some(message)),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="buy" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h2>"Buy"</h2>
            <label for="buy-quantity">"Quantity"</label>
            <input id="buy-quantity" type="number" inputmode="numeric" min="1" max="10"
                prop:value=move || quantity.get().to_string()
                on:input=move |ev| quantity.set(event_target_value(&ev).parse().unwrap_or(0)) />
            <label for="buy-card">"Test card (sandbox: no real money)"</label>
            <select id="buy-card" on:change=move |ev| card.set(event_target_value(&ev))>
                {CARDS.iter().map(|(number, label)| view! { <option value=*number>{*label}</option> }).collect_view()}
            </select>
            <label for="buy-email">"Email for the receipt (optional)"</label>
            <input id="buy-email" type="email" autocomplete="email"
                on:input=move |ev| email.set(event_target_value(&ev)) />
            <p id="buy-note" class="note" aria-live="polite">
                {move || match verdict() { Ok(text) | Err(text) => text }}
            </p>
            <button type="submit" aria-describedby="buy-note"
                disabled=move || busy.get() || verdict().is_err()>
                {move || if busy.get() { "Saving…" } else { "Buy" }}
            </button>
            <p role="alert" class="problem">{move || problem.get()}</p>
        </form>
    }
}
