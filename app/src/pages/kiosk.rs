//! `/kiosk`: a merchant's tablet at a pop-up, redeeming visitors' claim codes with or without
//! a network. Set up once online: sign in with a claims token, and the kiosk's own key is
//! certified for free claims only and the open batches' vouchers are downloaded (so a typed
//! short code is found offline). Then each code scanned (the camera, where the browser has
//! `BarcodeDetector`) or typed is checked and queued on the device; the same code twice is
//! refused here, before any network. The result is large, high-contrast and announced.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::device::{ClaimRequest, KioskState, KioskVoucher};
use vitrine_protocol::merchant::{ClaimBatch, Session, VoucherEntry};
use vitrine_protocol::signing::Signed as SignedBy;
use vitrine_protocol::{paths, DeviceCertificate};

use super::console::{SignIn, Signed};
use super::receipts::when;
use crate::api::merchant as api;
use crate::components::PageHeading;
use crate::worker::{self, use_device_events, Claimed};

mod camera;
mod sound;

pub struct KioskRoute;

unsplit_preload!(__preload___KioskRoute_View);

#[lazy_route]
impl LazyRoute for KioskRoute {
    fn data() -> Self {
        KioskRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <Kiosk /> }.into_any()
    }
}

/// What the big screen says after a scan.
#[derive(Clone, PartialEq)]
enum Verdict {
    Claimed(String),
    AlreadyClaimed(String),
    Invalid(String),
}

#[component]
fn Kiosk() -> impl IntoView {
    let events = use_device_events();
    let state = RwSignal::new(None::<Result<KioskState, String>>);
    Effect::new(move |_| {
        events.receipts_changed.track();
        spawn_local(async move { state.set(Some(worker::kiosk(None).await)) });
    });
    let session = RwSignal::new(None::<Signed>);
    spawn_local(async move {
        if let Ok(s) = api::get::<Session>(paths::MERCHANT_SESSION).await {
            session.set(Some(Signed { merchant: s.merchant, csrf: s.csrf_token }));
        }
    });
    // A memo: the scanner (and its last verdict) stays while the counters change.
    let ready = Memo::new(move |_| {
        matches!(state.get(), Some(Ok(KioskState { certified_until: Some(_), .. })))
    });
    view! {
        <section class="kiosk">
            <PageHeading text="Kiosk" />
            {move || match state.get() {
                None => view! { <p role="status">"Opening the kiosk…"</p> }.into_any(),
                Some(Err(message)) => view! { <p role="alert" class="problem">{message}</p> }.into_any(),
                Some(Ok(s)) => view! { <Status s /> }.into_any(),
            }}
            {move || ready.get().then(|| view! { <Redeem state /> })}
            <details class="kiosk-setup" open=move || !ready.get()>
                <summary>"Set up this kiosk"</summary>
                {move || match session.get() {
                    None => view! { <SignIn session heading="" /> }.into_any(),
                    Some(signed) => view! { <Setup signed state /> }.into_any(),
                }}
            </details>
        </section>
    }
}

#[component]
fn Status(s: KioskState) -> impl IntoView {
    let until = s.certified_until.map_or_else(
        || "Not set up: sign in below while online.".to_owned(),
        |at| format!("Ready to claim offline until {}.", when(at)),
    );
    view! {
        <p>{until}</p>
        <p class="kiosk-waiting" role="status" aria-live="polite">
            {format!("{} waiting to send", s.waiting)}
        </p>
        <p class="hint">{format!("{} codes can be typed by their short form.", s.vouchers)}</p>
    }
}

#[component]
fn Setup(signed: Signed, state: RwSignal<Option<Result<KioskState, String>>>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(String::new());
    let set_up = move |_| {
        busy.set(true);
        problem.set(String::new());
        let csrf = signed.csrf.clone();
        spawn_local(async move {
            match set_up(&csrf).await {
                Ok(s) => state.set(Some(Ok(s))),
                Err(message) => problem.set(message),
            }
            busy.set(false);
        });
    };
    view! {
        <p>{format!("Signed in as {}.", signed.merchant)}</p>
        <button type="button" class="btn btn-primary" disabled=move || busy.get() on:click=set_up>
            "Certify this kiosk and download the vouchers"
        </button>
        <p role="alert" class="problem">{move || problem.get()}</p>
    }
}

/// Certify the kiosk key, then download every open batch's vouchers.
async fn set_up(csrf: &str) -> Result<KioskState, String> {
    let registration = worker::kiosk_registration().await?;
    let certificate: SignedBy<DeviceCertificate> =
        api::send("POST", paths::MERCHANT_KIOSKS, &registration, csrf)
            .await
            .map_err(|e| e.message)?;
    let batches: Vec<ClaimBatch> = api::get(paths::MERCHANT_CLAIMS).await.map_err(|e| e.message)?;
    let now = crate::server_clock::device_now();
    let mut vouchers = Vec::new();
    for batch in batches.iter().filter(|b| b.revoked_at.is_none() && b.expires_at > now) {
        let list: Vec<VoucherEntry> =
            api::get(&format!("{}/{}/vouchers", paths::MERCHANT_CLAIMS, batch.id))
                .await
                .map_err(|e| e.message)?;
        vouchers.extend(
            list.into_iter().map(|v| KioskVoucher { short_code: v.short_code, code: v.code }),
        );
    }
    worker::kiosk(Some((certificate, vouchers))).await
}

#[component]
fn Redeem(state: RwSignal<Option<Result<KioskState, String>>>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let verdict = RwSignal::new(None::<Verdict>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let with_sound = RwSignal::new(false);
    let redeem = move |text: String| {
        if text.trim().is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let said = redeem(text).await;
            if with_sound.get_untracked() {
                match &said {
                    Verdict::Claimed(_) => sound::tone(880.0, 150.0),
                    Verdict::AlreadyClaimed(_) => sound::tone(440.0, 250.0),
                    Verdict::Invalid(_) => sound::tone(220.0, 400.0),
                }
            }
            verdict.set(Some(said));
            code.set(String::new());
            // The waiting counter, now one more.
            state.set(Some(worker::kiosk(None).await));
            busy.set(false);
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        });
    };
    let scanned = Callback::new(move |text: String| redeem(text));
    view! {
        <div class="kiosk-result" role="status" aria-live="assertive" aria-atomic="true">
            {move || verdict.get().map(|v| match v {
                Verdict::Claimed(detail) => view! { <p class="kiosk-big ok">"Claimed ✓"</p><p>{detail}</p> }.into_any(),
                Verdict::AlreadyClaimed(detail) => view! { <p class="kiosk-big warn">"Already claimed"</p><p>{detail}</p> }.into_any(),
                Verdict::Invalid(detail) => view! { <p class="kiosk-big bad">"Invalid"</p><p>{detail}</p> }.into_any(),
            })}
        </div>
        <form class="kiosk-form" novalidate on:submit=move |ev| { ev.prevent_default(); redeem(code.get_untracked()); }>
            <div class="field">
                <label for="kiosk-code">"Claim code"</label>
                <p class="hint" id="kiosk-code-hint">"Type the short code under the QR code (like 12-7), or scan."</p>
                <input id="kiosk-code" class="input" node_ref=input autocomplete="off" inputmode="numeric"
                    aria-describedby="kiosk-code-hint" prop:value=move || code.get()
                    on:input=move |ev| code.set(event_target_value(&ev)) />
            </div>
            <button type="submit" class="btn btn-primary btn-block" disabled=move || busy.get()>"Redeem"</button>
        </form>
        <div class="field field-check">
            <input id="kiosk-sound" type="checkbox"
                on:change=move |ev| with_sound.set(event_target_checked(&ev)) />
            <label for="kiosk-sound">"Sound for each result"</label>
        </div>
        <camera::Camera scanned />
    }
}

async fn redeem(text: String) -> Verdict {
    let request = ClaimRequest {
        code: text,
        title: String::new(),
        payment: None,
        buyer: Default::default(),
        clock_offset_ms: 0,
        kiosk: true,
    };
    match worker::claim(request).await {
        Ok(Claimed::New(r)) => Verdict::Claimed(format!(
            "{} — code {}. It is sent when the network allows.",
            r.title,
            r.claim_code.unwrap_or_default()
        )),
        Ok(Claimed::Before(r)) => Verdict::AlreadyClaimed(format!(
            "This code was redeemed at this kiosk at {}.",
            when(r.created_at)
        )),
        Ok(Claimed::Refused(reason)) | Err(reason) => Verdict::Invalid(reason),
    }
}
