use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::device::{Receipt, ReceiptStatus};
use vitrine_protocol::{IntentId, SuggestedAction, UnixMillis};

use crate::components::PageHeading;
use crate::routes;
use crate::worker::{self, use_device_events};

/// The receipts, and how many saved purchases the worker could not read.
type Loaded = Option<Result<(Vec<Receipt>, u32), String>>;

/// The device's receipts, re-read whenever the worker reports a change.
fn use_receipts() -> RwSignal<Loaded> {
    let events = use_device_events();
    let receipts = RwSignal::new(None);
    Effect::new(move |_| {
        events.receipts_changed.track();
        spawn_local(async move {
            let result = worker::receipts().await;
            // The page may have been left meanwhile.
            let _ = receipts.try_set(Some(result));
        });
    });
    receipts
}

/// `/receipts`, lazily loaded.
pub struct ReceiptsRoute;

#[lazy_route]
impl LazyRoute for ReceiptsRoute {
    fn data() -> Self {
        ReceiptsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <ReceiptsPage /> }.into_any()
    }
}

/// `/receipts/{id}`, lazily loaded.
pub struct ReceiptRoute;

#[lazy_route]
impl LazyRoute for ReceiptRoute {
    fn data() -> Self {
        ReceiptRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <ReceiptPage /> }.into_any()
    }
}

#[component]
fn ReceiptsPage() -> impl IntoView {
    let receipts = use_receipts();
    // One view shape (a message and a list) rather than a branch per state: every distinct
    // view type costs first-load wasm.
    let message = move || {
        match receipts.get() {
        None => "Loading your receipts…".to_owned(),
        Some(Err(message)) => message,
        Some(Ok((_, n))) if n > 0 => format!(
            "{n} saved purchase(s) on this device could not be read and need attention: they are kept, nothing was sent for them. Contact the shop with this device."
        ),
        Some(Ok((list, _))) if list.is_empty() => "No purchases on this device yet.".to_owned(),
        Some(Ok(_)) => String::new(),
    }
    };
    let list = move || receipts.get().and_then(Result::ok).map(|(l, _)| l).unwrap_or_default();
    view! {
        <PageHeading text="Your receipts" />
        <p>{message}</p>
        <ul class="receipts">
            {move || list().into_iter().map(|r| view! { <li><ReceiptLine r /></li> }).collect_view()}
        </ul>
    }
}

#[component]
fn ReceiptLine(r: Receipt) -> impl IntoView {
    let what = format!("{} × {}", r.quantity, r.title);
    view! {
        <A href=routes::receipt(r.id) attr:class="link">{what}</A>
        " · "{r.total.to_string()}" · "{when(r.created_at)}" · "
        <span class=status_class(r.status)>{r.status_text()}</span>
    }
}

#[component]
fn ReceiptPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<IntentId>().ok());
    let receipts = use_receipts();
    let receipt = move || -> Option<Result<Option<Receipt>, String>> {
        let id = id()?;
        receipts.get().map(|r| r.map(|(list, _)| list.into_iter().find(|x| x.id == id)))
    };
    let status = move || match receipt() {
        Some(Ok(Some(r))) => format!("Status: {}", r.status_text()),
        _ => String::new(),
    };
    let message = move || match receipt() {
        None if id().is_none() => "There is no such receipt.".to_owned(),
        None => "Loading the receipt…".to_owned(),
        Some(Err(message)) => message,
        Some(Ok(None)) => "There is no such receipt on this device.".to_owned(),
        Some(Ok(Some(_))) => String::new(),
    };
    let found = move || receipt().and_then(Result::ok).flatten();
    view! {
        // Above the receipt, so it stays put when the receipt arrives (no layout shift).
        <nav aria-label="Breadcrumb">
            <A href=routes::RECEIPTS attr:class="link">"All receipts"</A>
        </nav>
        <PageHeading text="Receipt" />
        // Always in the page, so a status change is announced rather than re-rendered away.
        <p role="status" aria-live="polite" class="receipt-status">{status}</p>
        <p>{message}</p>
        {move || found().map(|r| view! { <ReceiptDetail r /> })}
    }
}

/// One sentence with everything that matters, for screen readers and skimmers alike.
pub fn summary(r: &Receipt, when: &str) -> String {
    format!("{} × {}, {}, bought {when}: {}.", r.quantity, r.title, r.total, r.status_text())
}

#[component]
fn ReceiptDetail(r: Receipt) -> impl IntoView {
    let bought = when(r.created_at);
    let sentence = summary(&r, &bought);
    let signature = r.signature.to_string();
    let short_signature = format!("{}…", signature.get(..16).unwrap_or(&signature));
    let says_so = r.reason.as_deref().is_some_and(|reason| reason.contains("Nothing was charged"));
    let nothing_charged = !says_so
        && matches!(
            r.status,
            ReceiptStatus::Rejected
                | ReceiptStatus::Declined
                | ReceiptStatus::Expired
                | ReceiptStatus::Conflict
        );
    let reason = r.reason.clone().filter(|_| r.status != ReceiptStatus::Rejected);
    let actions = r.suggested_actions.clone();
    let waiting = r.status == ReceiptStatus::Waiting;
    let (item, title, status) = (r.item, r.title.clone(), r.status);
    view! {
        <article class="receipt">
            <p class="summary">{sentence}</p>
            <dl class="facts">
                <dt>"Item"</dt><dd><A href=routes::item(item) attr:class="link">{title}</A></dd>
                <dt>"Quantity"</dt><dd>{r.quantity}</dd>
                <dt>"Total"</dt><dd>{r.total.to_string()}</dd>
                <dt>"Bought"</dt><dd>{bought}</dd>
                <dt>"Status"</dt><dd class=status_class(status)>{r.status_text()}</dd>
                <dt>"Receipt number"</dt><dd><code>{r.id.to_string()}</code></dd>
                <dt>"Signed by this device"</dt><dd><code title=signature>{short_signature}</code></dd>
            </dl>
            {reason.map(|reason| view! { <p>{reason}</p> })}
            {nothing_charged.then(|| view! { <p>"Nothing was charged."</p> })}
            {(!actions.is_empty()).then(|| view! {
                <h2>"What you can do"</h2>
                <ul class="actions">
                    {actions.into_iter().map(action).collect_view()}
                </ul>
            })}
            {waiting.then(|| view! {
                <p class="note">
                    "Saved on this device. It will be sent automatically when the shop can be reached; you can close this page."
                </p>
            })}
        </article>
    }
}

fn action(a: SuggestedAction) -> Option<impl IntoView> {
    let (text, link) = match a {
        SuggestedAction::NothingCharged => ("Nothing to do: you were not charged.", None),
        SuggestedAction::SimilarItem { item, title } => {
            ("Buy a similar work: ", Some((routes::item(item), title)))
        }
        SuggestedAction::JoinWaitlist => {
            ("Join the waitlist: ask the shop to tell you when an edition frees up.", None)
        }
        SuggestedAction::BuyAgain { item } => {
            ("Buy it again at today's price: ", Some((routes::item(item), "open the work".into())))
        }
        SuggestedAction::WaitForPending => {
            ("Wait until your other purchases on this device are complete, then buy again.", None)
        }
        SuggestedAction::Unknown => return None,
    };
    Some(
        view! { <li>{text}{link.map(|(href, title)| view! { <A href attr:class="link">{title}</A> })}</li> },
    )
}

fn status_class(status: ReceiptStatus) -> &'static str {
    match status {
        ReceiptStatus::Waiting | ReceiptStatus::Held => "badge pending",
        ReceiptStatus::Paid => "badge done",
        _ => "badge attention",
    }
}

/// The device's local date and time.
fn when(at: UnixMillis) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    let locale = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default();
    String::from(date.to_locale_string(&locale, &wasm_bindgen::JsValue::UNDEFINED))
}
