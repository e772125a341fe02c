//! `/claim/{code}` (and `/CLAIM/{code}`, as the QR code spells it): a voucher scanned by a
//! collector. The worker checks the code against the shop's keys offline; the work comes from
//! the cached catalog (its picture from the image cache, or its ThumbHash placeholder). A
//! claim is signed and queued like a purchase; claiming twice on this phone is one claim,
//! unless the first was declined: then the code is claimed again, with another card.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::device::{ClaimRequest, ReceiptStatus, VoucherView};
use vitrine_protocol::{sandbox, Payment};

use super::receipts::when;
use crate::components::{ItemPicture, Layout, PageHeading, CARDS};
use crate::server_clock::use_server_clock;
use crate::worker::{self, Claimed};
use crate::{api, routes};

pub struct ClaimRoute;

unsplit_preload!(__preload___ClaimRoute_View);

#[lazy_route]
impl LazyRoute for ClaimRoute {
    fn data() -> Self {
        ClaimRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <ClaimPage /> }.into_any()
    }
}

#[component]
fn ClaimPage() -> impl IntoView {
    let params = use_params_map();
    let clock = use_server_clock();
    let offset = move || clock.map_or(0, |c| c.offset_ms.get_untracked());
    let checked = LocalResource::new(move || {
        let code = params.read().get("code").unwrap_or_default();
        worker::claim_check(code, false, offset())
    });
    view! {
        <PageHeading text="Claim a work" />
        <Suspense fallback=|| view! { <p role="status">"Checking the code…"</p> }>
            {move || Suspend::new(async move {
                match checked.await {
                    Ok(voucher) => view! { <Voucher voucher /> }.into_any(),
                    Err(reason) => view! {
                        <p role="alert" class="problem">{reason}</p>
                        <p><A href=routes::HOME attr:class="link">"Browse the shop"</A></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Voucher(voucher: VoucherView) -> impl IntoView {
    let navigate = use_navigate();
    let clock = use_server_clock();
    let item = voucher.item;
    let work = LocalResource::new(move || api::item(item));
    let title = move || {
        work.get().and_then(Result::ok).map_or_else(|| format!("Work #{item}"), |i| i.summary.title)
    };
    let price = voucher.terms.as_ref().map(|t| t.price);
    let free = price.is_some_and(|p| p.amount_minor == 0);
    let terms = match price {
        Some(_) if free => "Free".to_owned(),
        Some(p) => format!("{p}, paid when claimed"),
        None => "Terms not known on this phone yet: open this page once online.".to_owned(),
    };
    let card = RwSignal::new(sandbox::APPROVE.to_owned());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(String::new());
    let code = voucher.code.clone();
    let claim = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(String::new());
        let request = ClaimRequest {
            code: code.clone(),
            title: title(),
            payment: (!free)
                .then(|| Payment { rail: sandbox::CARD_RAIL.into(), token: card.get_untracked() }),
            buyer: Default::default(),
            clock_offset_ms: clock.map_or(0, |c| c.offset_ms.get_untracked()),
            kiosk: false,
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match worker::claim(request).await {
                Ok(Claimed::New(r) | Claimed::Before(r)) => {
                    navigate(&routes::receipt(r.id), Default::default())
                }
                Ok(Claimed::Refused(reason)) | Err(reason) => problem.set(reason),
            }
            busy.set(false);
        });
    };
    // A last attempt that was declined (or whose hold ran out) gave the voucher back: the
    // form again, saying so; the worker makes the next attempt.
    let (claimed_before, tried_before) = match voucher.receipt.clone() {
        Some(r) if voucher.may_try_again => (None, Some(r)),
        receipt => (receipt, None),
    };
    view! {
        <article class="claim">
            <ItemPicture item layout=Layout::Card />
            <h2>{title}</h2>
            <dl class="facts">
                <dt>"Price"</dt><dd>{terms}</dd>
                <dt>"Code"</dt><dd><code>{voucher.short_code.clone()}</code></dd>
                <dt>"Claim before"</dt><dd>{when(voucher.expires_at)}</dd>
            </dl>
            <p class="note">"This code is genuine: this phone checked the shop's signature, with or without a connection."</p>
            {match claimed_before {
                Some(r) if r.status.gives_voucher_back() => view! {
                    <p role="status">"This phone has made its last try at this code, and nothing was charged. Another phone may still claim it."</p>
                    <p><A href=routes::receipt(r.id) attr:class="btn btn-primary">"See the receipt"</A></p>
                }.into_any(),
                Some(r) => view! {
                    <p role="status">{format!("You claimed this work on this phone on {}.", when(r.created_at))}</p>
                    <p><A href=routes::receipt(r.id) attr:class="btn btn-primary">"See the receipt"</A></p>
                }.into_any(),
                None => view! {
                    {tried_before.map(|r| view! {
                        <p role="status" class="note">
                            {format!(
                                "Your try on {} did not go through: {}. Nothing was charged, and the code can be claimed again: try another card. ",
                                when(r.created_at),
                                if r.status == ReceiptStatus::Declined { "the card was declined" } else { "the payment did not complete in time" },
                            )}
                            <A href=routes::receipt(r.id) attr:class="link">"See that receipt"</A>
                        </p>
                    })}
                    <form novalidate on:submit=move |ev| { ev.prevent_default(); claim(); }>
                        {(price.is_some() && !free).then(|| view! {
                            <div class="field">
                                <label for="claim-card">"Payment method"</label>
                                <p class="hint" id="claim-card-hint">"Sandbox test cards: no real money moves."</p>
                                <select id="claim-card" class="select" aria-describedby="claim-card-hint"
                                    on:change=move |ev| card.set(event_target_value(&ev))>
                                    {CARDS.iter().map(|(number, label)| view! { <option value=*number>{*label}</option> }).collect_view()}
                                </select>
                            </div>
                        })}
                        <button type="submit" class="btn btn-primary btn-block"
                            disabled=move || busy.get() || price.is_none()>
                            {if free { "Claim this work".to_owned() } else { price.map_or_else(|| "Claim this work".to_owned(), |p| format!("Claim for {p}")) }}
                        </button>
                        <p role="alert" class="problem">{move || problem.get()}</p>
                    </form>
                }.into_any(),
            }}
        </article>
    }
}
