//! What reconciliation raised about the merchant's orders: each mismatch between a rail's
//! report and the ledger, with its suggested actions, open ones first; those an action proven
//! safe settled (a merged duplicate, a re-mint, a late mint made final) say what was done.
//! Read again on request: reconciliation runs in windows, not as you watch.

use leptos::prelude::*;
use vitrine_protocol::merchant::{words, ReconciliationItem};
use vitrine_protocol::paths;

use super::when;
use crate::api::merchant as api;

fn title(item: &ReconciliationItem) -> String {
    let order = item.order.as_deref().map(|o| format!(" — order {o}")).unwrap_or_default();
    let kind = words(&item.kind);
    let mut kind = kind.chars();
    let capital = kind.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{capital}{} on {}{order}", kind.as_str(), item.rail)
}

fn outcome(item: &ReconciliationItem) -> String {
    match (&item.applied, item.suggested.as_slice()) {
        (Some(done), _) => format!("Done automatically: {}.", words(done)),
        (None, []) => "Waiting for you.".to_owned(),
        (None, suggested) => {
            let list: Vec<String> = suggested.iter().map(|s| words(s)).collect();
            format!("Waiting for you. Suggested: {}.", list.join(", then "))
        }
    }
}

#[component]
pub fn Reconciliation() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let items = LocalResource::new(move || {
        refresh.track();
        api::get::<Vec<ReconciliationItem>>(paths::MERCHANT_RECONCILIATION)
    });
    view! {
        <h2>"Reconciliation"</h2>
        <p class="hint">"What the card processor and the chains reported that does not match your ledger. Reports are compared in windows, every 30 seconds by default; safe fixes are applied by themselves and the rest wait here with suggestions. Needs a token with the admin scope."</p>
        <button type="button" class="btn btn-secondary" on:click=move |_| refresh.update(|n| *n += 1)>"Check again"</button>
        <Suspense fallback=|| view! { <p role="status">"Loading what reconciliation found…"</p> }>
            {move || Suspend::new(async move {
                match items.await {
                    Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p role="status">"Every report matched your ledger."</p> }.into_any(),
                    Ok(mut list) => {
                        // Open ones first, newest first within each.
                        list.sort_by_key(|i| (i.status != "open", std::cmp::Reverse(i.id)));
                        let open = list.iter().filter(|i| i.status == "open").count();
                        view! {
                            <p role="status">{format!("{open} waiting for you, {} settled automatically.", list.len() - open)}</p>
                            <ul class="console-list" aria-label="Reconciliation items">
                                {list.into_iter().map(|i| view! {
                                    <li class="console-block">
                                        <h3>{title(&i)}</h3>
                                        <p>{i.detail.clone()}</p>
                                        <p class="hint">{format!("{} Raised {}.", outcome(&i), when(i.created_at.0))}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
