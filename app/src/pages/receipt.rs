//! One receipt: the work, where the order stands, and what the buyer can do.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::device::{Receipt, ReceiptStatus};
use vitrine_protocol::{IntentId, SuggestedAction};

use super::receipts::{status_class, use_receipts, when};
use crate::components::{ItemPicture, Layout, PageHeading};
use crate::routes;

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
fn ReceiptPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<IntentId>().ok());
    let receipts = use_receipts();
    let receipt = move || -> Option<Result<Option<Receipt>, String>> {
        let id = id()?;
        receipts.get().map(|r| r.map(|(list, _)| list.into_iter().find(|x| x.id == id)))
    };
    // One large badge; "Status: " is said, not shown (the badge is the status).
    let status = move || match receipt() {
        Some(Ok(Some(r))) => Some(view! {
            <span class="visually-hidden">"Status: "</span>
            <span class=format!("{} badge-large", status_class(r.status))>{r.status_text()}</span>
        }),
        _ => None,
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
    let (item, title) = (r.item, r.title.clone());
    view! {
        <article class="receipt">
            <ItemPicture item layout=Layout::Card />
            <p class="summary">{sentence}</p>
            <dl class="facts">
                <dt>"Item"</dt><dd><A href=routes::item(item) attr:class="link">{title}</A></dd>
                <dt>"Quantity"</dt><dd>{r.quantity}</dd>
                <dt>"Total"</dt><dd>{r.total.to_string()}</dd>
                <dt>"Bought"</dt><dd>{bought}</dd>
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
            {waiting.then(|| view! { <p class="note">{waiting_note(has_background_sync())}</p> })}
        </article>
    }
}

/// What happens to a purchase saved offline. Without Background Sync (Firefox, Safari) the
/// worker sends it only while a page of the shop is open or when the worker starts again, so
/// the buyer is told to come back; where it exists, nothing is asked of them.
fn waiting_note(background_sync: bool) -> &'static str {
    if background_sync {
        "Saved on this device. It will be sent automatically when the shop can be reached; you can close this page."
    } else {
        "Saved on this device. This browser sends it only while Vitrine is open: keep Vitrine open, or open it again when you are online, to send it."
    }
}

/// Whether this browser has Background Sync (`SyncManager` on service worker registrations).
fn has_background_sync() -> bool {
    let prototype = js_sys::Reflect::get(&js_sys::global(), &"ServiceWorkerRegistration".into())
        .and_then(|registration| js_sys::Reflect::get(&registration, &"prototype".into()));
    prototype.is_ok_and(|p| js_sys::Reflect::has(&p, &"sync".into()).unwrap_or(false))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_background_sync_the_buyer_is_asked_to_come_back() {
        assert!(waiting_note(true).contains("you can close this page"));
        assert!(
            waiting_note(false).contains("keep Vitrine open, or open it again when you are online")
        );
        assert!(!waiting_note(false).contains("close this page"));
    }
}
