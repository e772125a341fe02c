//! What reconciliation raised about the merchant's orders: each mismatch between a rail's
//! report and the ledger, with its suggested actions, open ones first; those settled say how
//! (automatically when proven safe — a merged duplicate, a re-mint, a late mint made final — or
//! by a person's decision). An open item offers a person's actions, one click each: give back
//! what the rail took that the ledger never held, or mark it reviewed with a note. The
//! conflicts queue shows the open ones too (`Waiting`). Read again on request: reconciliation
//! runs in windows, not as you watch.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::merchant::{words, ItemAction, ReconciliationItem, ResolveItem};
use vitrine_protocol::paths;

use super::{refusal, when};
use crate::api::merchant::{self as api, Refused};

fn title(item: &ReconciliationItem) -> String {
    let order = item.order.as_deref().map(|o| format!(" — order {o}")).unwrap_or_default();
    let kind = words(&item.kind);
    let mut kind = kind.chars();
    let capital = kind.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{capital}{} on {}{order}", kind.as_str(), item.rail)
}

fn outcome(item: &ReconciliationItem) -> String {
    if let Some(r) = &item.resolution {
        let refund = r.refund.map(|m| format!(" of {m}")).unwrap_or_default();
        let said = if r.note.is_empty() { String::new() } else { format!(" “{}”", r.note) };
        return match r.state.as_str() {
            "asked" => format!(
                "Refund{refund} asked by {}; the rail has not answered yet. Press Refund again to ask (it is never given twice).",
                r.by
            ),
            "declined" => format!(
                "The rail refused the refund{refund}: {}. Waiting for you.",
                r.reason.as_deref().unwrap_or("no reason given")
            ),
            _ => format!("Done by {}: {}{refund}.{said}", r.by, words(r.action.as_str())),
        };
    }
    match (&item.applied, item.suggested.as_slice()) {
        (Some(done), _) => format!("Done automatically: {}.", words(done)),
        (None, []) => "Waiting for you.".to_owned(),
        (None, suggested) => {
            let list: Vec<String> = suggested.iter().map(|s| words(s)).collect();
            format!("Waiting for you. Suggested: {}.", list.join(", then "))
        }
    }
}

/// One item, with a person's actions while it is open. `decided` is told when one was taken.
#[component]
fn Item(item: ReconciliationItem, csrf: String, decided: RwSignal<u32>) -> impl IntoView {
    let mut offered =
        if item.status == "open" { ItemAction::offered(&item.suggested) } else { vec![] };
    // The rail refused this item's refund: it would say the same again.
    if item.resolution.as_ref().is_some_and(|r| r.state == "declined") {
        offered.retain(|a| *a != ItemAction::Refund);
    }
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Refused>);
    let busy = RwSignal::new(false);
    let path = format!("{}/{}/resolve", paths::MERCHANT_RECONCILIATION, item.id);
    let note_id = format!("item-{}-note", item.id);
    let act = move |action: ItemAction| {
        busy.set(true);
        let (path, csrf) = (path.clone(), csrf.clone());
        let body = ResolveItem { action, note: note.get_untracked() };
        spawn_local(async move {
            match api::send::<ReconciliationItem>("POST", &path, &body, &csrf).await {
                Ok(_) => {
                    error.set(None);
                    decided.update(|n| *n += 1);
                }
                // No answer from the rail: the refund stays asked, which the item, read
                // again, says (with how to ask again).
                Err(e) if e.status == 503 => decided.update(|n| *n += 1),
                // Read again, the list would lose the refusal and the note: keep both here.
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let actions = (!offered.is_empty()).then(|| {
        view! {
            <div class="field">
                <label for=note_id.clone()>"Note for the audit log"</label>
                <p class="hint" id=format!("{note_id}-hint")>"Required to mark it reviewed: what you checked, what you did."</p>
                <textarea id=note_id.clone() class="input" rows="2" aria-describedby=format!("{note_id}-hint")
                    on:input=move |ev| note.set(event_target_value(&ev)) prop:value=move || note.get()></textarea>
            </div>
            {refusal(error)}
            <div class="console-actions">
                {offered.into_iter().map(|action| {
                    let act = act.clone();
                    view! {
                        <button type="button" class="btn btn-secondary" disabled=move || busy.get()
                            on:click=move |_| act(action)>{action.label()}</button>
                    }
                }).collect_view()}
            </div>
        }
    });
    view! {
        <li class="console-block">
            <h3>{title(&item)}</h3>
            <p>{item.detail.clone()}</p>
            <p class="hint">{format!("{} Raised {}.", outcome(&item), when(item.created_at.0))}</p>
            {actions}
        </li>
    }
}

/// The items, as a list named `label`; `open_only` for the conflicts queue.
#[component]
fn Items(csrf: String, open_only: bool, label: &'static str) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let items = LocalResource::new(move || {
        refresh.track();
        api::get::<Vec<ReconciliationItem>>(paths::MERCHANT_RECONCILIATION)
    });
    view! {
        <button type="button" class="btn btn-secondary" on:click=move |_| refresh.update(|n| *n += 1)>"Check again"</button>
        <Suspense fallback=|| view! { <p role="status">"Loading what reconciliation found…"</p> }>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                    match items.await {
                        // The orders scope alone cannot read reconciliation: say so, quietly.
                        Err(e) if e.status == 403 && open_only => view! { <p class="hint">"Reconciliation items need a token with the admin scope."</p> }.into_any(),
                        Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                        Ok(mut list) => {
                            // Open ones first, newest first within each.
                            list.sort_by_key(|i| (i.status != "open", std::cmp::Reverse(i.id)));
                            let open = list.iter().filter(|i| i.status == "open").count();
                            let settled = list.len() - open;
                            if open_only {
                                list.retain(|i| i.status == "open");
                            }
                            let summary = match (open_only, list.is_empty()) {
                                (true, true) => "No reconciliation items wait for you.".to_owned(),
                                (true, false) => format!("{open} reconciliation item(s) wait for you."),
                                (false, true) => "Every report matched your ledger.".to_owned(),
                                (false, false) => format!("{open} waiting for you, {settled} settled."),
                            };
                            view! {
                                <p role="status">{summary}</p>
                                <ul class="console-list" aria-label=label>
                                    {list.into_iter().map(|item| view! { <Item item csrf=csrf.clone() decided=refresh /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn Reconciliation(csrf: String) -> impl IntoView {
    view! {
        <h2>"Reconciliation"</h2>
        <p class="hint">"What the card processor and the chains reported that does not match your ledger. Reports are compared in windows, every 30 seconds by default; safe fixes are applied by themselves and the rest wait here, and in Conflicts, with suggestions. Needs a token with the admin scope."</p>
        <Items csrf open_only=false label="Reconciliation items" />
    }
}

/// The open items, for the conflicts queue.
#[component]
pub fn Waiting(csrf: String) -> impl IntoView {
    view! {
        <h3>"From reconciliation"</h3>
        <p class="hint">"Reports from the rails that disagree with your ledger and need a decision. A refund gives back only what the rail took that your ledger never held."</p>
        <Items csrf open_only=true label="Reconciliation items waiting for you" />
    }
}
