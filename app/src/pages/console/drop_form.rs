//! The form that drafts a drop or edits one (an approved drop edited goes back to draft until
//! it is approved again), with one row per work; and a drop's allowlist, committed as a list
//! of emails and wallet addresses.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::merchant::{AllowlistUpload, DropItemInput, MerchantDrop, NewDrop};
use vitrine_protocol::{paths, Currency, ItemId, Money};

use super::catalog::{amount, minor_units};
use super::{field, instant, local_input, refusal};
use crate::api::merchant::{self as api, Refused};

/// One work's row: its number, editions and price as typed.
#[derive(Clone, Copy)]
struct Row {
    item: RwSignal<String>,
    supply: RwSignal<String>,
    price: RwSignal<String>,
}

impl Row {
    fn new(item: String, supply: String, price: String) -> Self {
        Row {
            item: RwSignal::new(item),
            supply: RwSignal::new(supply),
            price: RwSignal::new(price),
        }
    }

    fn input(&self) -> Result<DropItemInput, Refused> {
        let item = self
            .item
            .get_untracked()
            .trim()
            .parse::<ItemId>()
            .map_err(|_| Refused::said("Enter each work's number."))?;
        Ok(DropItemInput {
            item,
            supply: self.supply.get_untracked().trim().parse().unwrap_or(0),
            price: Money {
                amount_minor: minor_units(&self.price.get_untracked()).unwrap_or(-1),
                currency: Currency::EUR,
            },
        })
    }
}

/// Drafts a new drop (`existing` is `None`) or replaces one; `on_done` runs when it lands.
#[component]
pub fn DropForm(
    csrf: String,
    existing: Option<MerchantDrop>,
    on_done: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let key = existing.as_ref().map_or_else(|| "new".to_owned(), |d| d.id.to_string());
    let heading =
        existing.as_ref().map_or_else(|| "New drop".to_owned(), |d| format!("Edit {}", d.title));
    let title = RwSignal::new(existing.as_ref().map(|d| d.title.clone()).unwrap_or_default());
    let start =
        RwSignal::new(existing.as_ref().map(|d| local_input(d.starts_at.0)).unwrap_or_default());
    let minutes = existing.as_ref().map_or(60, |d| (d.ends_at.0 - d.starts_at.0) / 60_000);
    let hours = RwSignal::new(if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        format!("{:.2}", minutes as f64 / 60.0)
    });
    let limit = RwSignal::new(existing.as_ref().map_or(1, |d| d.per_buyer_limit).to_string());
    let allowlist = RwSignal::new(existing.as_ref().is_some_and(|d| d.allowlist));
    let rows = RwSignal::new(match &existing {
        Some(d) => d
            .items
            .iter()
            .map(|i| Row::new(i.item.to_string(), i.supply.to_string(), amount(i.price)))
            .collect(),
        None => vec![Row::new(String::new(), "1".into(), String::new())],
    });
    let error = RwSignal::new(None::<Refused>);
    let id = existing.as_ref().map(|d| d.id);
    let submit = move || {
        let starts_at = instant(&start.get_untracked());
        let hours: f64 = hours.get_untracked().trim().parse().unwrap_or(0.0);
        #[allow(clippy::cast_possible_truncation)]
        let length = (hours * 3_600_000.0).round() as i64;
        let items: Result<Vec<_>, _> = rows.get_untracked().iter().map(Row::input).collect();
        let items = match items {
            Ok(items) => items,
            Err(e) => return error.set(Some(e)),
        };
        let new = NewDrop {
            title: title.get_untracked(),
            starts_at,
            ends_at: starts_at.plus(length),
            per_buyer_limit: limit.get_untracked().trim().parse().unwrap_or(0),
            allowlist: allowlist.get_untracked(),
            items,
        };
        let (csrf, on_done) = (csrf.clone(), on_done.clone());
        spawn_local(async move {
            let answer = match id {
                None => api::send::<MerchantDrop>("POST", paths::MERCHANT_DROPS, &new, &csrf).await,
                Some(id) => {
                    let path = format!("{}/{id}", paths::MERCHANT_DROPS);
                    api::send::<MerchantDrop>("PUT", &path, &new, &csrf).await
                }
            };
            match answer {
                Ok(_) => {
                    error.set(None);
                    on_done();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let (heading_id, check_id) = (format!("drop-{key}-heading"), format!("drop-{key}-allowlist"));
    let labelled_by = heading_id.clone();
    let save = if existing.is_some() { "Save drop" } else { "Create draft drop" };
    let row_key = key.clone();
    view! {
        <form class="console-form" aria-labelledby=labelled_by on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h3 id=heading_id>{heading}</h3>
            {field(format!("drop-{key}-title"), "Drop name", "text", title)}
            {move || {
                let count = rows.with(Vec::len);
                rows.get().into_iter().enumerate().map(|(n, row)| {
                    let k = format!("drop-{row_key}-{n}");
                    let suffix = if count > 1 { format!(" ({})", n + 1) } else { String::new() };
                    view! {
                        {field(format!("{k}-item"), format!("Work number{suffix}"), "text", row.item)}
                        {field(format!("{k}-supply"), format!("Editions in the drop{suffix}"), "number", row.supply)}
                        {field(format!("{k}-price"), format!("Drop price in EUR (e.g. 12.00){suffix}"), "text", row.price)}
                        {(count > 1).then(|| view! {
                            <button type="button" class="btn btn-quiet" on:click=move |_| rows.update(|r| { r.remove(n); })>
                                {format!("Remove work {}", n + 1)}
                            </button>
                        })}
                    }
                }).collect_view()
            }}
            <button type="button" class="btn btn-quiet"
                on:click=move |_| rows.update(|r| r.push(Row::new(String::new(), "1".into(), String::new())))>
                "Add another work"
            </button>
            {field(format!("drop-{key}-start"), "Starts (your time)", "datetime-local", start)}
            {field(format!("drop-{key}-hours"), "Lasts (hours)", "text", hours)}
            {field(format!("drop-{key}-limit"), "Most per buyer", "number", limit)}
            <div class="field field-check">
                <input id=check_id.clone() type="checkbox" prop:checked=move || allowlist.get()
                    on:change=move |ev| allowlist.set(event_target_checked(&ev)) />
                <label for=check_id>"Only buyers on an allowlist"</label>
            </div>
            {refusal(error)}
            <button type="submit" class="btn btn-secondary">{save}</button>
        </form>
    }
}

/// A drop's allowlist: what is committed, and a new list to commit (it replaces the old one).
#[component]
pub fn Allowlist(
    drop: MerchantDrop,
    csrf: String,
    on_done: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let entries = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Refused>);
    let id = drop.id;
    let commit = move || {
        let upload = AllowlistUpload {
            entries: entries
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let (csrf, on_done) = (csrf.clone(), on_done.clone());
        spawn_local(async move {
            let path = format!("{}/{id}/allowlist", paths::MERCHANT_DROPS);
            match api::send::<MerchantDrop>("PUT", &path, &upload, &csrf).await {
                Ok(_) => {
                    error.set(None);
                    on_done();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let committed = match &drop.allowlist_root {
        Some(root) => format!(
            "Allowlist committed: {} entr{}, root {}…",
            drop.allowlist_size,
            if drop.allowlist_size == 1 { "y" } else { "ies" },
            root.get(..12).unwrap_or(root)
        ),
        None => "No allowlist committed yet: the drop cannot be approved without one.".to_owned(),
    };
    let area = format!("allowlist-{id}");
    view! {
        <form class="console-form" on:submit=move |ev| { ev.prevent_default(); commit(); }>
            <p>{committed}</p>
            <div class="field">
                <label for=area.clone()>{format!("Allowlist for {} (one email or wallet address per line)", drop.title)}</label>
                <textarea id=area class="input" on:input=move |ev| entries.set(event_target_value(&ev))
                    prop:value=move || entries.get()></textarea>
            </div>
            {refusal(error)}
            <button type="submit" class="btn btn-secondary">"Commit allowlist"</button>
        </form>
    }
}
