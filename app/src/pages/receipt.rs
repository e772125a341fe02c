//! One receipt: the work, where the order stands, and what the buyer can do.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::device::{Receipt, ReceiptStatus};
use vitrine_protocol::settlement::Settlement;
use vitrine_protocol::{IntentId, SuggestedAction, UnixMillis};

use super::receipts::{status_class, use_receipts, when};
use crate::components::{ItemPicture, Layout, PageHeading};
use crate::routes;

/// `/receipts/{id}`, lazily loaded.
pub struct ReceiptRoute;

unsplit_preload!(__preload___ReceiptRoute_View);

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
    // Payment and token in one sentence, announced as they change (its own live region, always
    // in the page, so the change is read out rather than the region re-created).
    let settlement = move || found().and_then(|r| r.settlement().map(|s| s.sentence(r.total)));
    // While the money or the token is still moving, ask the worker for news every few
    // seconds (it asks the server); the 30 s nudge would leave "confirmed 3 of 12" stale.
    let followed = Memo::new(move |_| found().is_some_and(|r| r.is_followed()));
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if followed.get_untracked() && !document().hidden() {
                crate::worker::nudge(false);
            }
        },
        FOLLOW_EVERY,
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        // Above the receipt, so it stays put when the receipt arrives (no layout shift).
        <nav aria-label="Breadcrumb">
            <A href=routes::RECEIPTS attr:class="link">"All receipts"</A>
        </nav>
        <PageHeading text="Receipt" />
        // Always in the page, so a status change is announced rather than re-rendered away.
        <p role="status" aria-live="polite" class="receipt-status">{status}</p>
        <p role="status" aria-live="polite" class="settlement-sentence">{settlement}</p>
        <p>{message}</p>
        {move || found().map(|r| view! { <ReceiptDetail r /> })}
    }
}

/// One sentence with everything that matters, for screen readers and skimmers alike.
pub fn summary(r: &Receipt, when: &str) -> String {
    let verb = if r.claim_code.is_some() { "claimed" } else { "bought" };
    format!("{} × {}, {}, {verb} {when}: {}.", r.quantity, r.title, r.total, r.status_text())
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
    let download = r.file().and_then(|file| serde_json::to_string_pretty(&file).ok()).map(|json| {
        let href = format!("data:application/json;charset=utf-8,{}", js_sys::encode_uri_component(&json));
        let name = format!("vitrine-receipt-{}.json", r.id);
        view! {
            <p><a class="btn btn-secondary" href=href download=name>"Download signed receipt"</a></p>
            <p class="hint">"A file with your signed purchase and the shop's answer. Anyone can check it against the shop's published keys."</p>
        }
    });
    view! {
        <article class="receipt">
            <ItemPicture item layout=Layout::Card />
            <p class="summary">{sentence}</p>
            <h2>"Progress"</h2>
            <ol class="timeline">
                {milestones(&r).into_iter().map(|m| view! {
                    <li class:reached=m.reached>
                        {m.label}
                        <span class="visually-hidden">{if m.reached { " (done)" } else { " (not yet)" }}</span>
                        {m.at.map(|at| view! { <span class="when">{when(at)}</span> })}
                    </li>
                }).collect_view()}
            </ol>
            <dl class="facts">
                <dt>"Item"</dt><dd><A href=routes::item(item) attr:class="link">{title}</A></dd>
                <dt>"Quantity"</dt><dd>{r.quantity}</dd>
                <dt>"Total"</dt><dd>{r.total.to_string()}</dd>
                <dt>{if r.claim_code.is_some() { "Claimed" } else { "Bought" }}</dt><dd>{bought}</dd>
                {r.claim_code.clone().map(|code| view! { <dt>"Claim code"</dt><dd><code>{code}</code></dd> })}
                {r.settlement().map(|s| settlement_facts(s, r.total))}
                <dt>"Receipt number"</dt><dd><code>{r.id.to_string()}</code></dd>
                <dt>"Signed by this device"</dt><dd><code title=signature>{short_signature}</code></dd>
            </dl>
            {download}
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

/// How often a receipt on screen asks for news while its money or token is moving.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// The payment and the token, each in words, with the transaction and where the token went.
fn settlement_facts(s: &Settlement, total: vitrine_protocol::Money) -> impl IntoView {
    let chain = s.chain.clone();
    view! {
        <dt>"Payment"</dt><dd>{s.payment_text(total)}</dd>
        <dt>"Token"</dt>
        <dd>
            {s.chain_text()}
            {chain.map(|c| {
                let owner = if c.custody {
                    "Kept for you in the shop's custody wallet until you add your own.".to_owned()
                } else {
                    format!("To your wallet {}.", c.wallet)
                };
                view! {
                    " " {owner}
                    {c.token_id.map(|id| view! { " Token " <code>{format!("#{id}")}</code> "." })}
                    {c.tx.map(|tx| {
                        let short = format!("{}…", tx.get(..12).unwrap_or(&tx));
                        view! { " Transaction " <code title=tx>{short}</code> "." }
                    })}
                }
            })}
        </dd>
    }
}

/// One line of a receipt's timeline.
#[derive(Debug, PartialEq, Eq)]
struct Milestone {
    label: &'static str,
    at: Option<UnixMillis>,
    reached: bool,
}

/// Saved on this phone → Sent → Stock held → Paid, each with its time once reached; an order
/// that ends otherwise ends its timeline with that outcome.
fn milestones(r: &Receipt) -> Vec<Milestone> {
    use ReceiptStatus::{Conflict, Declined, Expired, Held, Paid, Rejected, Waiting};
    let step = |label, at, reached| Milestone { label, at, reached };
    let sent = r.reached(&[Held, Paid, Conflict, Declined, Expired, Rejected]);
    let held = r.reached(&[Held]).or(r.reached(&[Paid]));
    let mut out = vec![
        step("Saved on this phone", Some(r.created_at), true),
        step("Sent", sent, r.status != Waiting),
    ];
    match r.status {
        Waiting | Held | Paid => {
            out.push(step("Stock held", held, matches!(r.status, Held | Paid)));
            out.push(step("Paid", r.reached(&[Paid]), r.status == Paid));
        }
        Declined | Expired => {
            out.push(step("Stock held", r.reached(&[Held]), true));
            out.push(step(r.status.label(), r.reached(&[r.status]), true));
        }
        Conflict | Rejected => out.push(step(r.status.label(), r.reached(&[r.status]), true)),
    }
    out
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
    use vitrine_protocol::signing::Signature;
    use vitrine_protocol::{Currency, ItemId, Money};

    use super::*;

    fn receipt() -> Receipt {
        Receipt {
            id: "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(),
            item: ItemId::try_from(1).unwrap(),
            title: "Neap".into(),
            quantity: 1,
            total: Money { amount_minor: 100, currency: Currency::EUR },
            created_at: UnixMillis(10),
            status: ReceiptStatus::Waiting,
            reason: None,
            suggested_actions: Vec::new(),
            signature: Signature([0; 64]),
            updated_at: None,
            steps: Vec::new(),
            intent: None,
            answer: None,
            claim_code: None,
        }
    }

    fn lines(r: &Receipt) -> Vec<(&'static str, Option<i64>, bool)> {
        milestones(r).into_iter().map(|m| (m.label, m.at.map(|t| t.0), m.reached)).collect()
    }

    #[test]
    fn the_timeline_fills_in_as_the_order_moves() {
        let mut r = receipt();
        r.set_status(ReceiptStatus::Waiting, UnixMillis(10));
        assert_eq!(
            lines(&r),
            [
                ("Saved on this phone", Some(10), true),
                ("Sent", None, false),
                ("Stock held", None, false),
                ("Paid", None, false)
            ]
        );
        r.set_status(ReceiptStatus::Held, UnixMillis(20));
        r.set_status(ReceiptStatus::Paid, UnixMillis(30));
        assert_eq!(
            lines(&r),
            [
                ("Saved on this phone", Some(10), true),
                ("Sent", Some(20), true),
                ("Stock held", Some(20), true),
                ("Paid", Some(30), true)
            ]
        );
    }

    #[test]
    fn an_order_that_ends_otherwise_says_how() {
        let mut r = receipt();
        r.set_status(ReceiptStatus::Conflict, UnixMillis(20));
        assert_eq!(lines(&r)[2], ("Needs your attention", Some(20), true));
        assert_eq!(lines(&r).len(), 3);
        let mut r = receipt();
        r.set_status(ReceiptStatus::Held, UnixMillis(20));
        r.set_status(ReceiptStatus::Declined, UnixMillis(25));
        assert_eq!(
            lines(&r)[2..],
            [
                ("Stock held", Some(20), true),
                ("Payment declined — nothing charged", Some(25), true)
            ]
        );
    }

    #[test]
    fn without_background_sync_the_buyer_is_asked_to_come_back() {
        assert!(waiting_note(true).contains("you can close this page"));
        assert!(
            waiting_note(false).contains("keep Vitrine open, or open it again when you are online")
        );
        assert!(!waiting_note(false).contains("close this page"));
    }
}
