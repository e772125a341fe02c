//! The console's drops: a calendar (by day), a new drop, the shop's scheduling limits, and for
//! each drop its live counters (read again every few seconds), its proposals with their
//! vetoes, editing, its allowlist, approval and cancelling.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::drops::schedule::ShopRules;
use vitrine_protocol::merchant::{DropItemInput, DropState, MerchantDrop, NewDrop, Proposals};
use vitrine_protocol::{paths, UnixMillis};

use super::drop_form::{Allowlist, DropForm};
use super::{field, refusal, when};
use crate::api::merchant::{self as api, Refused};

/// The day a drop is listed under, in the viewer's time zone.
fn day(ms: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"full".into());
    d.to_locale_date_string("en-GB", &opts).into()
}

#[component]
pub fn Drops(csrf: String) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let drops = LocalResource::new(move || {
        refresh.track();
        api::get::<Vec<MerchantDrop>>(paths::MERCHANT_DROPS)
    });
    // The counters move while buyers buy: read the list again every five seconds, into a
    // signal each entry reads, so open forms and proposals stay as they are.
    let live = RwSignal::new(Vec::<MerchantDrop>::new());
    let handle = set_interval_with_handle(
        move || {
            spawn_local(async move {
                if let Ok(list) = api::get::<Vec<MerchantDrop>>(paths::MERCHANT_DROPS).await {
                    live.set(list);
                }
            });
        },
        std::time::Duration::from_secs(5),
    );
    on_cleanup(move || {
        if let Ok(h) = handle {
            h.clear();
        }
    });
    let csrf_list = csrf.clone();
    view! {
        <h2>"Drops"</h2>
        <Suspense fallback=|| view! { <p role="status">"Loading your drops…"</p> }>
            {move || {
                let csrf = csrf_list.clone();
                Suspend::new(async move {
                    match drops.await {
                        Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"No drops yet."</p> }.into_any(),
                        Ok(list) => {
                            // The calendar: one heading per day, drops in start order.
                            let mut days: Vec<(String, Vec<MerchantDrop>)> = Vec::new();
                            for d in list {
                                let key = day(d.starts_at.0);
                                match days.last_mut() {
                                    Some((k, v)) if *k == key => v.push(d),
                                    _ => days.push((key, vec![d])),
                                }
                            }
                            view! {
                                <div class="console-calendar">
                                    {days.into_iter().map(|(key, list)| view! {
                                        <h3>{key}</h3>
                                        <ul class="console-list">
                                            {list.into_iter().map(|d| view! { <DropEntry drop=d csrf=csrf.clone() refresh live /> }).collect_view()}
                                        </ul>
                                    }).collect_view()}
                                </div>
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
        <DropForm csrf=csrf.clone() existing=None on_done=move || refresh.update(|n| *n += 1) />
        <Rules csrf />
    }
}

#[component]
fn DropEntry(
    drop: MerchantDrop,
    csrf: String,
    refresh: RwSignal<u32>,
    live: RwSignal<Vec<MerchantDrop>>,
) -> impl IntoView {
    let on_change = move || refresh.update(|n| *n += 1);
    let error = RwSignal::new(None::<Refused>);
    let proposals = RwSignal::new(None::<Proposals>);
    let editing = RwSignal::new(false);
    let id = drop.id;
    let state = match drop.state {
        DropState::Draft => "draft — not on sale until approved",
        DropState::Approved => "approved",
        DropState::Cancelled => "cancelled",
    };
    let line = format!(
        "{} — {} to {} — {state}; ",
        drop.title,
        when(drop.starts_at.0),
        when(drop.ends_at.0),
    );
    // The newest counters: from the last reading of the list, else from the page's own.
    let first = drop.clone();
    let latest = move || {
        live.with(|l| l.iter().find(|d| d.id == id).cloned()).unwrap_or_else(|| first.clone())
    };
    let latest_items = latest.clone();
    let counters = move || {
        latest_items()
            .items
            .iter()
            .map(|i| {
                let text =
                    format!("{}: {} of {} taken, {} each", i.title, i.taken, i.supply, i.price);
                view! { <li>{text}</li> }
            })
            .collect_view()
    };
    let conflicts = move || format!("{} conflict(s)", latest().conflicts);
    let act = {
        let csrf = csrf.clone();
        move |what: &'static str| {
            let csrf = csrf.clone();
            spawn_local(async move {
                let path = format!("{}/{id}/{what}", paths::MERCHANT_DROPS);
                match api::send::<MerchantDrop>("POST", &path, &serde_json::json!({}), &csrf).await
                {
                    Ok(_) => {
                        error.set(None);
                        on_change();
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let (approve, cancel) = (act.clone(), act);
    let suggest = move |_| {
        spawn_local(async move {
            match api::get::<Proposals>(&format!("{}/{id}/proposals", paths::MERCHANT_DROPS)).await
            {
                Ok(p) => proposals.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let reschedule = {
        let (drop, csrf) = (drop.clone(), csrf.clone());
        move |starts_at: UnixMillis, ends_at: UnixMillis| {
            let new = NewDrop {
                title: drop.title.clone(),
                starts_at,
                ends_at,
                per_buyer_limit: drop.per_buyer_limit,
                allowlist: drop.allowlist,
                items: drop
                    .items
                    .iter()
                    .map(|i| DropItemInput { item: i.item, supply: i.supply, price: i.price })
                    .collect(),
            };
            let csrf = csrf.clone();
            spawn_local(async move {
                let path = format!("{}/{id}", paths::MERCHANT_DROPS);
                match api::send::<MerchantDrop>("PUT", &path, &new, &csrf).await {
                    Ok(_) => on_change(),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let changeable = drop.state != DropState::Cancelled;
    let title = drop.title.clone();
    let edit_label = format!("Edit {title}");
    let edit = {
        let (drop, csrf) = (drop.clone(), csrf.clone());
        move || {
            editing.get().then(|| view! { <DropForm csrf=csrf.clone() existing=Some(drop.clone()) on_done=on_change /> })
        }
    };
    let allowlist = (changeable && drop.allowlist)
        .then(|| view! { <Allowlist drop=drop.clone() csrf=csrf.clone() on_done=on_change /> });
    view! {
        <li class="console-block">
            <p>{line}{conflicts}</p>
            <ul>{counters}</ul>
            <div class="console-actions">
                {(drop.state == DropState::Draft).then(|| view! {
                    <button type="button" class="btn btn-primary" on:click=move |_| approve("approve")>{format!("Approve {title}")}</button>
                })}
                {changeable.then(|| view! {
                    <button type="button" class="btn btn-secondary" on:click=suggest>"Suggest times"</button>
                    <button type="button" class="btn btn-quiet" aria-expanded=move || editing.get().to_string()
                        on:click=move |_| editing.update(|e| *e = !*e)>{edit_label.clone()}</button>
                    <button type="button" class="btn btn-quiet" on:click=move |_| cancel("cancel")>"Cancel drop"</button>
                })}
            </div>
            {edit}
            {allowlist}
            {refusal(error)}
            {move || proposals.get().map(|p| {
                let reschedule = reschedule.clone();
                view! {
                    <div class="console-proposals">
                        <p class="hint">{p.model}</p>
                        <ul>
                            {p.proposals.into_iter().map(|proposal| {
                                let w = proposal.window;
                                let reschedule = reschedule.clone();
                                let text = format!("{} (score {})", when(w.starts_at.0), proposal.score);
                                if proposal.vetoes.is_empty() {
                                    view! {
                                        <li>{text.clone()} " "
                                            <button type="button" class="btn btn-quiet" on:click=move |_| reschedule(w.starts_at, w.ends_at)>
                                                {format!("Use {text}")}
                                            </button>
                                        </li>
                                    }.into_any()
                                } else {
                                    let why: Vec<String> = proposal.vetoes.into_iter().map(|v| v.reason).collect();
                                    view! { <li>{format!("{text} — vetoed: {}", why.join(" "))}</li> }.into_any()
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
        </li>
    }
}

#[component]
fn Rules(csrf: String) -> impl IntoView {
    let (lead, quiet) = (RwSignal::new(String::new()), RwSignal::new(true));
    let saved = RwSignal::new(None::<ShopRules>);
    let error = RwSignal::new(None::<Refused>);
    spawn_local(async move {
        if let Ok(r) = api::get::<ShopRules>(paths::MERCHANT_SCHEDULE_RULES).await {
            lead.set(r.min_lead_minutes.to_string());
            quiet.set(r.quiet_hours.is_some());
            saved.set(Some(r));
        }
    });
    let save = move || {
        let mut rules = saved.get_untracked().unwrap_or_default();
        rules.min_lead_minutes =
            lead.get_untracked().trim().parse().unwrap_or(rules.min_lead_minutes);
        rules.quiet_hours =
            if quiet.get_untracked() { rules.quiet_hours.or(Some((1, 7))) } else { None };
        let csrf = csrf.clone();
        spawn_local(async move {
            match api::send::<ShopRules>("PUT", paths::MERCHANT_SCHEDULE_RULES, &rules, &csrf).await
            {
                Ok(r) => {
                    error.set(None);
                    saved.set(Some(r));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="console-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <h3>"Scheduling limits"</h3>
            {field("rules-lead", "Minimum lead time (minutes)", "number", lead)}
            <div class="field field-check">
                <input id="rules-quiet" type="checkbox" prop:checked=move || quiet.get()
                    on:change=move |ev| quiet.set(event_target_checked(&ev)) />
                <label for="rules-quiet">"Keep quiet hours (no drop starts 01:00–07:00)"</label>
            </div>
            {refusal(error)}
            <button type="submit" class="btn btn-secondary">"Save limits"</button>
            <p role="status" class="hint">{move || saved.get().map(|r| format!("In force: {} minutes' lead, quiet hours {}.", r.min_lead_minutes, if r.quiet_hours.is_some() { "on" } else { "off" }))}</p>
        </form>
    }
}
