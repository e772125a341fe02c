//! Give back part or all of a paid order, from its history. The request carries a key kept for
//! its retries: pressing again after the shop could not be reached sends the same key, so a
//! lost answer never refunds twice. The rail decides; the receipt and the ledger follow.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use vitrine_protocol::merchant::MerchantOrder;
use vitrine_protocol::{paths, Money};

use super::catalog::minor_units_in;
use super::refusal;
use crate::api::merchant::{self as api, Refused};

#[derive(Serialize)]
struct Ask {
    /// Absent: all that is left.
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_minor: Option<i64>,
}

/// The request as the shop wrote it.
#[derive(Deserialize)]
struct Requested {
    amount: Money,
}

/// What a merchant reads when a refund's answer was lost or said "try again".
const NO_ANSWER: &str = "The shop gave no final answer: the refund may or may not have been made. \
    Press Refund again to send the same request; it is never made twice.";

#[component]
pub fn RefundForm(order: MerchantOrder, csrf: String) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let key = RwSignal::new(api::fresh_key());
    let error = RwSignal::new(None::<Refused>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let currency = order.total.currency;
    let path = format!("{}/{}/refund", paths::MERCHANT_ORDERS, order.id);
    let id = format!("refund-{}", order.id);
    let submit = move || {
        let text = typed.get_untracked();
        let amount_minor = if text.trim().is_empty() {
            None
        } else {
            match minor_units_in(&text, currency.minor_digits()) {
                Some(minor) => Some(minor),
                None => {
                    let example = if currency.minor_digits() == 0 { "300" } else { "10.00" };
                    error.set(Some(Refused::said(&format!(
                        "Type an amount like {example}, or leave it empty for all that is left."
                    ))));
                    return;
                }
            }
        };
        busy.set(true);
        let (path, csrf, sent_key) = (path.clone(), csrf.clone(), key.get_untracked());
        spawn_local(async move {
            let answer =
                api::send_once::<Requested>(&path, &Ask { amount_minor }, &csrf, &sent_key).await;
            match answer {
                Ok(r) => {
                    error.set(None);
                    typed.set(String::new());
                    done.set(Some(format!(
                        "Refund of {} requested; the rail decides within seconds.",
                        r.amount
                    )));
                    key.set(api::fresh_key());
                }
                Err(e) => {
                    // A final refusal settles that request: the next one is new. No answer, or
                    // a "try again" (a 5xx from a proxy may follow a refund that was made):
                    // the same key goes again, so the refund is made at most once.
                    let retry =
                        e.status == 0 || e.status >= 500 || [409, 425, 429].contains(&e.status);
                    if retry {
                        error.set(Some(Refused::said(NO_ANSWER)));
                    } else {
                        key.set(api::fresh_key());
                        error.set(Some(e));
                    }
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="console-form" aria-label="Refund" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <div class="field">
                <label for=id.clone()>{format!("Amount to refund in {}", currency.code())}</label>
                <p class="hint" id=format!("{id}-hint")>"Empty: all that is left. Never more than was paid."</p>
                <input id=id.clone() class="input" inputmode="decimal" autocomplete="off"
                    aria-describedby=format!("{id}-hint")
                    on:input=move |ev| {
                        // Another amount is another request, with its own key.
                        typed.set(event_target_value(&ev));
                        key.set(api::fresh_key());
                    } prop:value=move || typed.get() />
            </div>
            {refusal(error)}
            <p role="status">{move || done.get()}</p>
            <button type="submit" class="btn btn-secondary" disabled=move || busy.get()>"Refund"</button>
        </form>
    }
}
