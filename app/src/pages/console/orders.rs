//! The console's orders (one search box: a receipt number, an email or a work's number; a
//! state; each order's history, and a paid one's refund) and the conflicts queue (each resolved by one click).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use vitrine_protocol::merchant::{MerchantOrder, OrderHistory, Resolve, ResolveAction};
use vitrine_protocol::{paths, OrderState};

use super::reconciliation::Waiting as ReconciliationWaiting;
use super::refund::RefundForm;
use super::{refusal, when};
use crate::api::merchant::{self as api, Refused};

fn row(o: &MerchantOrder) -> String {
    format!(
        "{} × {} — {} — {} — {} — {}",
        o.quantity,
        o.title,
        o.total,
        o.state.as_str(),
        o.email.as_deref().unwrap_or("no email"),
        when(o.created_at.0)
    )
}

/// Percent-encode a query value.
fn encode(q: &str) -> String {
    js_sys::encode_uri_component(q).into()
}

#[component]
pub fn Orders(csrf: String) -> impl IntoView {
    let (q, state) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let found = RwSignal::new(None::<Vec<MerchantOrder>>);
    let history = RwSignal::new(None::<OrderHistory>);
    let error = RwSignal::new(None::<Refused>);
    let search = move || {
        let mut path = format!("{}?q={}", paths::MERCHANT_ORDERS, encode(&q.get_untracked()));
        if !state.get_untracked().is_empty() {
            path.push_str(&format!("&state={}", state.get_untracked()));
        }
        spawn_local(async move {
            match api::get::<Vec<MerchantOrder>>(&path).await {
                Ok(list) => {
                    error.set(None);
                    found.set(Some(list));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let open = move |id: String| {
        spawn_local(async move {
            match api::get::<OrderHistory>(&format!("{}/{id}", paths::MERCHANT_ORDERS)).await {
                Ok(h) => history.set(Some(h)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h2>"Orders"</h2>
        <form class="console-form" role="search" on:submit=move |ev| { ev.prevent_default(); search(); }>
            <div class="field">
                <label for="orders-q">"Receipt number, email or work number"</label>
                <input id="orders-q" class="input" type="search" on:input=move |ev| q.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="orders-state">"State"</label>
                <select id="orders-state" class="select" on:change=move |ev| state.set(event_target_value(&ev))>
                    {["", "held", "paid", "declined", "expired", "conflict"].into_iter().map(|s| view! {
                        <option value=s>{if s.is_empty() { "any" } else { s }}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="btn btn-secondary">"Search orders"</button>
        </form>
        {refusal(error)}
        <p role="status" class="hint">{move || found.get().map(|l| format!("{} order(s) found.", l.len()))}</p>
        <ul class="console-list">
            {move || found.get().unwrap_or_default().into_iter().map(|o| {
                let id = o.id.to_string();
                let label = format!("History of {}", o.id);
                view! {
                    <li>{row(&o)} " "
                        <button type="button" class="btn btn-quiet" aria-label=label on:click=move |_| open(id.clone())>"History"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        {move || history.get().map(|h| {
            // Only a paid order has money to give back (the shop says so too).
            let refund = (h.order.state == OrderState::Paid).then(|| {
                view! { <RefundForm order=h.order.clone() csrf=csrf.clone() /> }
            });
            view! {
                <section class="console-block" aria-label="Order history">
                    <h3>{format!("Receipt {}", h.order.id)}</h3>
                    <p>{row(&h.order)}</p>
                    <ol>{h.events.into_iter().map(|e| view! { <li>{format!("{} {} — {}", e.kind, e.quantity, when(e.at.0))}</li> }).collect_view()}</ol>
                    {refund}
                </section>
            }
        })}
    }
}

#[derive(Deserialize, Clone)]
struct Waiting {
    order: MerchantOrder,
    actions: Vec<ResolveAction>,
}

#[component]
pub fn Conflicts(csrf: String) -> impl IntoView {
    let items_csrf = csrf.clone();
    let refresh = RwSignal::new(0u32);
    let queue = LocalResource::new(move || {
        refresh.track();
        api::get::<Vec<Waiting>>(paths::MERCHANT_CONFLICTS)
    });
    let error = RwSignal::new(None::<Refused>);
    let done = RwSignal::new(None::<String>);
    let resolve = move |id: String, action: ResolveAction, csrf: String| {
        spawn_local(async move {
            let body = Resolve { action, item: None, note: String::new() };
            let path = format!("{}/{id}/resolve", paths::MERCHANT_ORDERS);
            match api::send::<MerchantOrder>("POST", &path, &body, &csrf).await {
                Ok(o) => {
                    error.set(None);
                    done.set(Some(format!("Resolved {}: {}.", o.id, action.label())));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h2>"Conflicts"</h2>
        <p class="hint">"Purchases that could not be honoured. Nothing was charged for any of them; choose what each buyer is offered. Each choice is made once and kept in the audit log."</p>
        <p role="status">{move || done.get()}</p>
        {refusal(error)}
        <Suspense fallback=|| view! { <p role="status">"Loading the queue…"</p> }>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                    match queue.await {
                        Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"No conflicts wait for you."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="console-list">
                                {list.into_iter().map(|w| {
                                    let reason = w.order.reason.clone().unwrap_or_default();
                                    let id = w.order.id.to_string();
                                    let csrf = csrf.clone();
                                    view! {
                                        <li class="console-block">
                                            <p>{row(&w.order)}</p>
                                            <p class="hint">{reason}</p>
                                            <div class="console-actions">
                                                {w.actions.into_iter().map(|a| {
                                                    let (id, csrf) = (id.clone(), csrf.clone());
                                                    view! { <button type="button" class="btn btn-secondary" on:click=move |_| resolve(id.clone(), a, csrf.clone())>{a.label()}</button> }
                                                }).collect_view()}
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
        <ReconciliationWaiting csrf=items_csrf />
    }
}
