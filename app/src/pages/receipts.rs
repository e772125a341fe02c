use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::device::{Receipt, ReceiptStatus};
use vitrine_protocol::UnixMillis;

use crate::components::{ItemPicture, Layout, PageHeading};
use crate::routes;
use crate::worker::{self, use_device_events};

/// The receipts, and how many saved purchases the worker could not read.
type Loaded = Option<Result<(Vec<Receipt>, u32), String>>;

/// The device's receipts, re-read whenever the worker reports a change.
pub(super) fn use_receipts() -> RwSignal<Loaded> {
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

unsplit_preload!(__preload___ReceiptsRoute_View);

#[lazy_route]
impl LazyRoute for ReceiptsRoute {
    fn data() -> Self {
        ReceiptsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <ReceiptsPage /> }.into_any()
    }
}

/// The three groups of the receipts list, in the order shown.
const GROUPS: [&str; 3] = ["Needs attention", "On its way", "Done"];

/// Which group a receipt belongs to.
fn group(status: ReceiptStatus) -> usize {
    match status {
        ReceiptStatus::Waiting | ReceiptStatus::Held => 1,
        ReceiptStatus::Paid => 2,
        _ => 0,
    }
}

#[component]
fn ReceiptsPage() -> impl IntoView {
    let receipts = use_receipts();
    // One view shape (a message and the groups) rather than a branch per state: every
    // distinct view type costs wasm.
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
    let empty = move || matches!(receipts.get(), Some(Ok((ref list, 0))) if list.is_empty());
    let list = move || receipts.get().and_then(Result::ok).map(|(l, _)| l).unwrap_or_default();
    let groups = move || {
        let list = list();
        GROUPS
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let members: Vec<Receipt> =
                    list.iter().filter(|r| group(r.status) == i).cloned().collect();
                (!members.is_empty()).then(|| view! {
                    <section class="receipt-group">
                        <h2>{*name}</h2>
                        <ul class="receipts">
                            {members.into_iter().map(|r| view! { <li><ReceiptLine r /></li> }).collect_view()}
                        </ul>
                    </section>
                })
            })
            .collect_view()
    };
    view! {
        <PageHeading text="Your receipts" />
        <p>{message}</p>
        {move || empty().then(|| view! {
            <p><A href=routes::HOME attr:class="btn btn-secondary">"Browse the collections"</A></p>
        })}
        {groups}
    }
}

#[component]
fn ReceiptLine(r: Receipt) -> impl IntoView {
    let what = format!("{} × {}", r.quantity, r.title);
    view! {
        <ItemPicture item=r.item layout=Layout::Thumb decorative=true />
        <div class="receipt-line">
            <A href=routes::receipt(r.id) attr:class="link">{what}</A>
            <p>{r.total.to_string()}" · "{when(r.created_at)}</p>
        </div>
        <span class=status_class(r.status)>{r.status_text()}</span>
    }
}

pub(super) fn status_class(status: ReceiptStatus) -> &'static str {
    match status {
        ReceiptStatus::Waiting | ReceiptStatus::Held => "badge pending",
        ReceiptStatus::Paid => "badge done",
        _ => "badge attention",
    }
}

/// The device's local date and time.
pub(super) fn when(at: UnixMillis) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    let locale = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default();
    String::from(date.to_locale_string(&locale, &wasm_bindgen::JsValue::UNDEFINED))
}
