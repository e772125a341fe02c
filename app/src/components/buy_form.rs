use leptos::prelude::*;
use leptos::reactive::owner::WeakOwner;
use leptos::task::spawn_local;
use vitrine_protocol::acceptance::MAX_QUANTITY;
use vitrine_protocol::device::Purchase;
use vitrine_protocol::drops::{self, DropInfo, Phase};
use vitrine_protocol::signing::Signed;
use vitrine_protocol::{sandbox, Buyer, Currency, IntentId, ItemId, Payment, Quote};
use web_sys::HtmlDialogElement;

use crate::components::{NotLoaded, Stepper};
use crate::connectivity::use_connectivity;
use crate::routes;
use crate::server_clock::{device_now, use_server_clock};
use crate::worker::{self, use_device_events, NotBought};
#[cfg(any(feature = "app", feature = "item-page"))]
pub use bar::BuyArea;
use checks::{field_errors, wallet_error, FieldError, EMAIL, QUANTITY, WALLET};
use methods::methods;
pub use methods::CARDS;

// The bar is an island of a work's page only (`item-page`; `components`).
#[cfg(any(feature = "app", feature = "item-page"))]
mod bar;
mod checks;
mod methods;
mod waitlist;

/// A new purchase id (UUID v7) from the page's clock and CSPRNG.
fn new_purchase_id() -> Option<IntentId> {
    let mut random = [0u8; 10];
    web_sys::window()?.crypto().ok()?.get_random_values_with_u8_array(&mut random).ok()?;
    let millis = js_sys::Date::now();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(IntentId::new_v7(millis.max(0.0) as u64, random))
}

/// What the Buy sheet's part needs to draw it: the island's owner (its context: connectivity,
/// the server's clock, the device's events, the frame), the panel's place to draw into, and
/// the work.
pub(super) struct Form {
    owner: Option<WeakOwner>,
    place: web_sys::HtmlElement,
    item: ItemId,
    title: String,
    quote: String,
    stock: u32,
    drop: Option<DropInfo>,
    sheet: NodeRef<leptos::html::Dialog>,
}

/// The Buy sheet, loaded and drawn into the panel by the first press; for a sold-out work, its
/// waitlist instead. In the page, a lazily loaded part, so an `async`
/// call there (a plain one elsewhere); a press whose part cannot load says so and can be
/// repeated (`NotLoaded`). The part draws its view itself, so the island holds no view type of
/// it: every generic instantiation (the costly part of a Leptos view in wasm) stays in the part.
/// Dropping what it returns removes the drawing. A work in a drop sells only in the drop's
/// window, at most its per-buyer limit.
#[cfg(any(feature = "app", feature = "item-page"))]
#[cfg_attr(
    feature = "hydrate",
    leptos::wasm_split::wasm_split(buy_form, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn buy_form(form: Form) -> Result<Box<dyn std::any::Any>, NotLoaded> {
    let Form { owner, place, item, title, quote, stock, drop, sheet } = form;
    let stock = drops::for_sale(stock, drop.as_ref());
    let view = move || {
        if stock == 0 {
            return view! { <waitlist::Waitlist item title /> }.into_any();
        }
        let Ok(quote) = serde_json::from_str::<Signed<Quote>>(&quote) else {
            return view! {
                <p class="note" role="alert">"This work's price could not be read. Reload the page to buy it."</p>
            }
            .into_any();
        };
        view! { <BuySheet item title quote stock drop sheet /> }.into_any()
    };
    // Without the island's context, purchases would go out on the device's clock, and Pay
    // would be offered in a frame that cannot store them: an island gone meanwhile draws
    // nothing (and says nothing: it is gone).
    let Some(owner) = owner.and_then(|o| o.upgrade()) else { return Err(NotLoaded) };
    let handle = owner.with(move || leptos::mount::mount_to(place, view));
    Ok(Box::new(handle))
}

/// Whether Buy is usable: a work not in a drop, or a drop that has opened (sold out, the worker
/// says so in words).
fn sells(phase: Option<Phase>) -> bool {
    matches!(phase, None | Some(Phase::Live { .. } | Phase::SoldOut))
}

fn show(sheet: NodeRef<leptos::html::Dialog>, open: bool) {
    // `try_`: a press's load may end after its island has gone.
    if let Some(dialog) = sheet.try_get_untracked().flatten() {
        let dialog: HtmlDialogElement = dialog;
        if open {
            let _ = dialog.show_modal();
        } else {
            dialog.close();
        }
    }
}

/// A sheet's heading (`id` names the dialog through `aria-labelledby`) and its Close button.
fn sheet_head(
    sheet: NodeRef<leptos::html::Dialog>,
    id: &'static str,
    title: &'static str,
) -> impl IntoView {
    view! {
        <div class="sheet-head">
            <h2 id=id>{title}</h2>
            <button type="button" class="btn btn-quiet" on:click=move |_| show(sheet, false)>
                "Close"
            </button>
        </div>
    }
}

fn focus(id: &str) {
    let element = document().get_element_by_id(id);
    if let Some(element) =
        element.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = element.focus();
    }
}

/// The bottom sheet with the form, which Buy opens. It works the same online and offline: the
/// worker signs and stores the intent, then sends it when it can. The sheet says what will
/// happen, and the button says why when it cannot be used.
#[component]
fn BuySheet(
    item: ItemId,
    title: String,
    quote: Signed<Quote>,
    stock: u32,
    drop: Option<DropInfo>,
    sheet: NodeRef<leptos::html::Dialog>,
) -> impl IntoView {
    let events = use_device_events();
    let online = use_connectivity().map(|c| c.online);
    let is_online = move || online.is_none_or(|o| o.get());
    let clock = use_server_clock();
    let price = quote.body.price;
    let per_buyer = drop.as_ref().map_or(MAX_QUANTITY, |d| d.per_buyer_limit);
    let listed_only = drop.as_ref().is_some_and(|d| d.allowlist_root.is_some());
    let most = MAX_QUANTITY.min(stock).min(per_buyer).max(1);
    let quantity = RwSignal::new(1u32);
    let checked_quote = quote.clone();
    // Where the drop is, on the server's clock; `None` for a work not in a drop.
    let phase = {
        let drop = drop.clone();
        move || {
            let now = clock.map_or_else(device_now, |c| c.now());
            drop.as_ref().map(|d| d.phase(now))
        }
    };
    // Changes only when the drop opens or closes, so the check below reruns then, not every
    // second.
    let opened = Memo::new({
        let phase = phase.clone();
        move |_| sells(phase())
    });
    // The worker checks the drop's times, the certificate, the quote and the offline limits,
    // and says why not.
    let verdict = RwSignal::new(Err::<String, String>("Getting this device ready…".into()));
    let checked_drop = drop.clone();
    Effect::new(move |_| {
        events.receipts_changed.track();
        opened.track();
        let online = is_online();
        let (quote, quantity) = (checked_quote.clone(), quantity.get());
        let drop = checked_drop.clone();
        let offset = clock.map_or(0, |c| c.offset_ms.get_untracked());
        spawn_local(async move {
            let answer = worker::check(quote, quantity, drop, offset).await.map(|total| {
                if online {
                    format!("Total {total}. Works offline too: if the connection drops, it is sent when you are back online.")
                } else {
                    format!("Total {total}. You are offline: it is saved on this phone and sent by itself when you are back online.")
                }
            });
            // The form may be gone by now.
            let _ = verdict.try_set(answer);
        });
    });
    let verdict = move || verdict.get();
    let framed = crate::embed::use_framed();
    let methods = methods(price.currency);
    // The chosen method, by its `<option>` value.
    let method = RwSignal::new(CARDS[0].0.to_owned());
    let chosen = {
        let methods = methods.clone();
        move || {
            let value = method.get_untracked();
            let (rail, token) = methods
                .iter()
                .find(|m| m.3 == value)
                .map_or((sandbox::CARD_RAIL, sandbox::APPROVE), |m| (m.0, m.1));
            Payment { rail: rail.into(), token: token.into() }
        }
    };
    let email = RwSignal::new(String::new());
    let wallet = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let error_of = move |field: &'static str| {
        errors.with(|e| e.iter().find(|x| x.field == field).map(|x| x.message.clone()))
    };
    let described = move |field: &'static str| {
        let hint = format!("{field}-hint");
        match error_of(field) {
            Some(_) => format!("{hint} {field}-error"),
            None => hint,
        }
    };
    // One purchase, one id, from the first press until the worker has stored it: pressing
    // Pay again after a timeout resumes that purchase instead of making a second order.
    let purchase_id = StoredValue::new(None::<IntentId>);
    let navigate = routes::navigator();
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let mut found =
            field_errors(quantity.get_untracked(), stock, &email.get_untracked(), listed_only);
        found.extend(wallet_error(&wallet.get_untracked()));
        let invalid = !found.is_empty();
        errors.set(found);
        if invalid {
            // As GOV.UK does: the summary takes focus, and links to each field.
            request_animation_frame(|| focus("buy-errors"));
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
        let wallet = wallet.get_untracked().trim().to_owned();
        let purchase = Purchase {
            id,
            item,
            title: title.clone(),
            quantity: quantity.get_untracked(),
            quote: quote.clone(),
            payment: chosen(),
            buyer: Buyer {
                wallet: (!wallet.is_empty()).then_some(wallet),
                email: (!email.is_empty()).then_some(email),
            },
            drop: drop.clone(),
            clock_offset_ms: clock.map_or(0, |c| c.offset_ms.get_untracked()),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match worker::buy(purchase).await {
                Ok(receipt) => {
                    // The device now holds an order that must not be lost: ask the browser
                    // not to evict this origin's storage (only a page may ask).
                    worker::persist_storage();
                    crate::embed::purchased(receipt.id);
                    show(sheet, false);
                    navigate(&routes::receipt(receipt.id))
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
    let pay_label = move || {
        let total = price.times(quantity.get().max(1)).unwrap_or(price);
        match (busy.get(), is_online()) {
            (true, _) => "Saving…".to_owned(),
            (false, true) => format!("Pay {total}"),
            (false, false) => "Save purchase — sends when online".to_owned(),
        }
    };
    let summary = move || {
        let list = errors.get();
        (!list.is_empty()).then(|| view! {
            <div id="buy-errors" class="error-summary" role="alert" tabindex="-1">
                <h2>"There is a problem"</h2>
                <ul>
                    {list.into_iter().map(|e| {
                        let field = e.field;
                        view! {
                            <li><a class="link" href=format!("#{field}")
                                on:click=move |ev| { ev.prevent_default(); focus(field); }>{e.message}</a></li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        })
    };
    let inline_error = move |field: &'static str| {
        move || {
            error_of(field).map(|message| {
                view! {
                    <p class="field-error" id=format!("{field}-error")>{message}</p>
                }
            })
        }
    };

    view! {
            <dialog class="sheet" node_ref=sheet aria-labelledby="buy-title">
                <form novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    {sheet_head(sheet, "buy-title", "Buy this work")}
                    {summary}
                    <div class="field" class:invalid=move || error_of(QUANTITY).is_some()>
                        <label for=QUANTITY>"Quantity"</label>
                        <p class="hint" id=format!("{QUANTITY}-hint")>
                            {format!("{} each; up to {most}.", price)}
                        </p>
                        {inline_error(QUANTITY)}
                        <Stepper id=QUANTITY value=quantity min=1 max=most
                            described_by=Signal::derive(move || described(QUANTITY))
                            invalid=Signal::derive(move || error_of(QUANTITY).is_some()) />
                    </div>
                    <div class="field">
                        <label for="buy-card">"Payment method"</label>
                        <p class="hint" id="buy-card-hint">{if price.currency == Currency::USD {
                            "Sandbox test cards and wallets: no real money moves. Paid in USDC once the transfer is final on the chain."
                        } else {
                            "Sandbox test cards: no real money moves."
                        }}</p>
                        <select id="buy-card" class="select" aria-describedby="buy-card-hint"
                            on:change=move |ev| method.set(event_target_value(&ev))>
                            {methods.iter().map(|(_, _, label, value)| view! { <option value=value.clone()>{*label}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field" class:invalid=move || error_of(EMAIL).is_some()>
                        <label for=EMAIL>{if listed_only { "Email you were listed with" } else { "Email for the receipt (optional)" }}</label>
                        <p class="hint" id=format!("{EMAIL}-hint")>{if listed_only {
                            "This drop is for collectors on its list. The receipt stays on this phone either way."
                        } else {
                            "The receipt stays on this phone either way."
                        }}</p>
                        {inline_error(EMAIL)}
                        <input id=EMAIL class="input" type="email" autocomplete="email"
                            aria-describedby=move || described(EMAIL)
                            aria-invalid=move || error_of(EMAIL).is_some().to_string()
                            on:input=move |ev| email.set(event_target_value(&ev)) />
                    </div>
                    <div class="field" class:invalid=move || error_of(WALLET).is_some()>
                        <label for=WALLET>"Wallet for the token (optional)"</label>
                        <p class="hint" id=format!("{WALLET}-hint")>
                            "The work is minted to this address (0x…). Without one, the shop keeps the token for you."
                        </p>
                        {inline_error(WALLET)}
                        <input id=WALLET class="input" type="text" autocomplete="off"
                            autocapitalize="off" spellcheck="false" inputmode="text"
                            aria-describedby=move || described(WALLET)
                            aria-invalid=move || error_of(WALLET).is_some().to_string()
                            on:input=move |ev| wallet.set(event_target_value(&ev)) />
                    </div>
                    <p id="buy-note" class="note" aria-live="polite">
                        {move || match verdict() { Ok(text) | Err(text) => text }}
                    </p>
                    {framed.embedded.then(|| view! {
                        <p class="hint">"Bought here, your receipt is kept in this browser with this site, apart from receipts from the shop's own site."</p>
                    })}
                    {move || framed.storage_blocked.get().then(|| view! {
                        <p class="note" role="alert">
                            "This browser keeps no shop data inside other sites, so a purchase cannot be saved here. "
                            <a href=routes::item(item) target="_blank" rel="noopener" class="link">"Buy it on the shop's site"</a>
                            " (opens a new tab)."
                        </p>
                    })}
                    <button type="submit" class="btn btn-primary btn-block" aria-describedby="buy-note"
                        disabled=move || busy.get() || verdict().is_err() || framed.storage_blocked.get()>
                        {pay_label}
                    </button>
                    <p role="alert" class="problem">{move || problem.get()}</p>
                </form>
            </dialog>
    }
}
