//! The console's drops: a calendar (by day), a new drop, the shop's scheduling limits, and for
//! each drop its live counters, its proposals with their vetoes, approval and cancelling.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::drops::schedule::ShopRules;
use vitrine_protocol::merchant::{DropItemInput, DropState, MerchantDrop, NewDrop, Proposals};
use vitrine_protocol::{paths, Currency, ItemId, Money, UnixMillis};

use super::catalog::minor_units;
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
                                            {list.into_iter().map(|d| view! { <DropEntry drop=d csrf=csrf.clone() refresh /> }).collect_view()}
                                        </ul>
                                    }).collect_view()}
                                </div>
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
        <NewDropForm csrf=csrf.clone() refresh />
        <Rules csrf />
    }
}

#[component]
fn DropEntry(drop: MerchantDrop, csrf: String, refresh: RwSignal<u32>) -> impl IntoView {
    let on_change = move || refresh.update(|n| *n += 1);
    let error = RwSignal::new(None::<Refused>);
    let proposals = RwSignal::new(None::<Proposals>);
    let id = drop.id;
    let state = match drop.state {
        DropState::Draft => "draft — not on sale until approved",
        DropState::Approved => "approved",
        DropState::Cancelled => "cancelled",
    };
    let counters: Vec<String> = drop
        .items
        .iter()
        .map(|i| format!("{}: {} of {} taken, {} each", i.title, i.taken, i.supply, i.price))
        .collect();
    let line = format!(
        "{} — {} to {} — {state}; {} conflict(s)",
        drop.title,
        when(drop.starts_at.0),
        when(drop.ends_at.0),
        drop.conflicts
    );
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
        let drop = drop.clone();
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
    view! {
        <li class="console-block">
            <p>{line}</p>
            <ul>{counters.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
            <div class="console-actions">
                {(drop.state == DropState::Draft).then(|| view! {
                    <button type="button" class="btn btn-primary" on:click=move |_| approve("approve")>{format!("Approve {title}")}</button>
                })}
                {changeable.then(|| view! {
                    <button type="button" class="btn btn-secondary" on:click=suggest>"Suggest times"</button>
                    <button type="button" class="btn btn-quiet" on:click=move |_| cancel("cancel")>"Cancel drop"</button>
                })}
            </div>
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
fn NewDropForm(csrf: String, refresh: RwSignal<u32>) -> impl IntoView {
    let on_made = move || refresh.update(|n| *n += 1);
    let (title, item, supply) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new("1".to_owned()));
    let (price, start, hours) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new("1".to_owned()));
    let limit = RwSignal::new("1".to_owned());
    let error = RwSignal::new(None::<Refused>);
    let create = move || {
        // `datetime-local` is the merchant's own time; the browser turns it into an instant.
        #[allow(clippy::cast_possible_truncation)]
        let starts_at = UnixMillis(js_sys::Date::parse(&start.get_untracked()) as i64);
        let hours: i64 = hours.get_untracked().trim().parse().unwrap_or(0);
        let item = item.get_untracked().trim().parse::<ItemId>();
        let Ok(item) = item else {
            error.set(Some(Refused {
                status: 0,
                message: "Enter the work's number.".into(),
                fields: vec![],
            }));
            return;
        };
        let new = NewDrop {
            title: title.get_untracked(),
            starts_at,
            ends_at: starts_at.plus(hours.saturating_mul(3_600_000)),
            per_buyer_limit: limit.get_untracked().trim().parse().unwrap_or(0),
            allowlist: false,
            items: vec![DropItemInput {
                item,
                supply: supply.get_untracked().trim().parse().unwrap_or(0),
                price: Money {
                    amount_minor: minor_units(&price.get_untracked()).unwrap_or(-1),
                    currency: Currency::EUR,
                },
            }],
        };
        let csrf = csrf.clone();
        spawn_local(async move {
            match api::send::<MerchantDrop>("POST", paths::MERCHANT_DROPS, &new, &csrf).await {
                Ok(_) => {
                    error.set(None);
                    on_made();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="console-form" on:submit=move |ev| { ev.prevent_default(); create(); }>
            <h3>"New drop"</h3>
            {field("drop-title", "Drop name", "text", title)}
            {field("drop-item", "Work number", "text", item)}
            {field("drop-supply", "Editions in the drop", "number", supply)}
            {field("drop-price", "Drop price in EUR (e.g. 12.00)", "text", price)}
            {field("drop-start", "Starts (your time)", "datetime-local", start)}
            {field("drop-hours", "Lasts (hours)", "number", hours)}
            {field("drop-limit", "Most per buyer", "number", limit)}
            {refusal(error)}
            <button type="submit" class="btn btn-secondary">"Create draft drop"</button>
        </form>
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
