//! The console's claims: QR claim batches for pop-ups. Make a batch (a work, how many
//! vouchers, a price or free, until when, how many per person); each batch links to its
//! printable sheet and its CSV, and can be revoked.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::merchant::{ClaimBatch, NewClaimBatch};
use vitrine_protocol::{paths, Currency, ItemId, Money};

use super::catalog::minor_units;
use super::{field, instant, refusal, when};
use crate::api::merchant::{self as api, Refused};

#[component]
pub fn Claims(csrf: String) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let batches = LocalResource::new(move || {
        refresh.track();
        api::get::<Vec<ClaimBatch>>(paths::MERCHANT_CLAIMS)
    });
    let csrf_list = csrf.clone();
    view! {
        <h2>"Claims"</h2>
        <p class="hint">"Vouchers for pop-ups and galleries: each QR code claims one edition, once, even when the phone that scans it is offline."</p>
        <Suspense fallback=|| view! { <p role="status">"Loading your claim batches…"</p> }>
            {move || {
                let csrf = csrf_list.clone();
                Suspend::new(async move {
                    match batches.await {
                        Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"No claim batches yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="console-list">
                                {list.into_iter().map(|b| view! { <Batch batch=b csrf=csrf.clone() refresh /> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
        <NewBatch csrf refresh />
    }
}

#[component]
fn Batch(batch: ClaimBatch, csrf: String, refresh: RwSignal<u32>) -> impl IntoView {
    let error = RwSignal::new(None::<Refused>);
    let id = batch.id;
    let price =
        if batch.price.amount_minor == 0 { "free".to_owned() } else { batch.price.to_string() };
    let line = format!(
        "Batch {id} — {}: {} vouchers, {price}, until {}, at most {} per person — {} claimed{}",
        batch.title,
        batch.count,
        when(batch.expires_at.0),
        batch.per_person_limit,
        batch.claimed,
        if batch.revoked_at.is_some() { " — revoked" } else { "" }
    );
    let revoke = move |_| {
        let csrf = csrf.clone();
        spawn_local(async move {
            let path = format!("{}/{id}/revoke", paths::MERCHANT_CLAIMS);
            match api::send::<ClaimBatch>("POST", &path, &serde_json::json!({}), &csrf).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let live = batch.revoked_at.is_none();
    view! {
        <li class="console-block">
            <p>{line}</p>
            <div class="console-actions">
                <a class="btn btn-secondary" href=format!("{}/{id}/sheet", paths::MERCHANT_CLAIMS) target="_blank">
                    {format!("Print sheet of batch {id}")}
                </a>
                <a class="btn btn-quiet" href=format!("{}/{id}/vouchers.csv", paths::MERCHANT_CLAIMS) download="">
                    {format!("Download CSV of batch {id}")}
                </a>
                {live.then(|| view! {
                    <button type="button" class="btn btn-quiet" on:click=revoke>{format!("Revoke batch {id}")}</button>
                })}
            </div>
            {refusal(error)}
        </li>
    }
}

#[component]
fn NewBatch(csrf: String, refresh: RwSignal<u32>) -> impl IntoView {
    let (item, count) = (RwSignal::new(String::new()), RwSignal::new("10".to_owned()));
    let (price, until) = (RwSignal::new("0.00".to_owned()), RwSignal::new(String::new()));
    let limit = RwSignal::new("1".to_owned());
    let error = RwSignal::new(None::<Refused>);
    let create = move || {
        let Ok(item) = item.get_untracked().trim().parse::<ItemId>() else {
            error.set(Some(Refused::said("Enter the work's number.")));
            return;
        };
        let expires_at = instant(&until.get_untracked());
        let new = NewClaimBatch {
            item,
            count: count.get_untracked().trim().parse().unwrap_or(0),
            price: Money {
                amount_minor: minor_units(&price.get_untracked()).unwrap_or(-1),
                currency: Currency::EUR,
            },
            expires_at,
            per_person_limit: limit.get_untracked().trim().parse().unwrap_or(0),
        };
        let csrf = csrf.clone();
        spawn_local(async move {
            match api::send::<ClaimBatch>("POST", paths::MERCHANT_CLAIMS, &new, &csrf).await {
                Ok(_) => {
                    error.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="console-form" on:submit=move |ev| { ev.prevent_default(); create(); }>
            <h3>"New claim batch"</h3>
            {field("claims-item", "Work number", "text", item)}
            {field("claims-count", "Vouchers", "number", count)}
            {field("claims-price", "Price in EUR (0.00 for free)", "text", price)}
            {field("claims-until", "Claimable until (your time)", "datetime-local", until)}
            {field("claims-limit", "Most per person", "number", limit)}
            {refusal(error)}
            <button type="submit" class="btn btn-secondary">"Make vouchers"</button>
        </form>
    }
}
