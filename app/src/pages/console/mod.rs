//! `/merchant`: the merchant's console, a lazy route (none of it is in the collectors' first
//! load). Sign in with an API token once; the server answers with an HttpOnly session cookie
//! and the CSRF token every change carries. Sections: the catalog (collections, works,
//! originals with upload progress), drops (a calendar, proposals with their vetoes,
//! approval), claims (QR voucher batches, their sheets), orders (search, history, refunds),
//! the conflicts queue (one click each), what reconciliation raised, and the audit log. Every
//! control is a labelled native one, so it all works by keyboard.

mod catalog;
mod claims;
mod drop_form;
mod drops;
mod embed;
mod orders;
mod reconciliation;
mod refund;
mod work;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use leptos_router::{lazy_route, LazyRoute};
use vitrine_protocol::merchant::{AuditEntry, Session};
use vitrine_protocol::{paths, UnixMillis};

use crate::api::merchant::{self as api, Refused};
use crate::components::PageHeading;

/// The signed-in console: who, and the token every change carries.
#[derive(Clone)]
pub struct Signed {
    pub merchant: String,
    pub csrf: String,
}

pub struct ConsoleRoute;

unsplit_preload!(__preload___ConsoleRoute_View);

#[lazy_route]
impl LazyRoute for ConsoleRoute {
    fn data() -> Self {
        ConsoleRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <Console /> }.into_any()
    }
}

/// The console's URLs.
pub fn section_path(section: &str) -> String {
    format!("/merchant/{section}")
}

const SECTIONS: [(&str, &str); 8] = [
    ("catalog", "Catalog"),
    ("embed", "Embed"),
    ("drops", "Drops"),
    ("claims", "Claims"),
    ("orders", "Orders"),
    ("conflicts", "Conflicts"),
    ("reconciliation", "Reconciliation"),
    ("audit", "Audit log"),
];

#[component]
fn Console() -> impl IntoView {
    let session = RwSignal::new(None::<Signed>);
    let checked = RwSignal::new(false);
    // A session from before (the cookie is HttpOnly: ask the server).
    spawn_local(async move {
        if let Ok(s) = api::get::<Session>(paths::MERCHANT_SESSION).await {
            session.set(Some(Signed { merchant: s.merchant, csrf: s.csrf_token }));
        }
        checked.set(true);
    });
    view! {
        <section class="console">
            {move || match (checked.get(), session.get()) {
                (false, _) => view! { <p role="status">"Checking your session…"</p> }.into_any(),
                (true, None) => view! { <SignIn session heading="Merchant console" /> }.into_any(),
                (true, Some(signed)) => view! { <Signed signed session /> }.into_any(),
            }}
        </section>
    }
}

/// A labelled input bound to `value`.
pub fn field(
    id: impl Into<String>,
    label: impl Into<String>,
    kind: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    let (id, label) = (id.into(), label.into());
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id class="input" type=kind on:input=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get() />
        </div>
    }
}

/// A refusal: the message and each field at fault, announced.
pub fn refusal(error: RwSignal<Option<Refused>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <div class="error-summary" role="alert">
                    <p>{e.message}</p>
                    <ul>
                        {e.fields.into_iter().map(|f| view! { <li>{format!("{}: {}", f.field.replace('_', " "), f.message)}</li> }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// Sign in with an API token (the console's, and the kiosk's set-up, which has its own page
/// heading: `heading` empty).
#[component]
pub fn SignIn(session: RwSignal<Option<Signed>>, heading: &'static str) -> impl IntoView {
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Refused>);
    let busy = RwSignal::new(false);
    let submit = move || {
        busy.set(true);
        let t = token.get_untracked();
        spawn_local(async move {
            let answer =
                api::call::<Session>("POST", paths::MERCHANT_SESSION, None, None, Some(t.trim()))
                    .await;
            match answer {
                Ok(s) => session.set(Some(Signed { merchant: s.merchant, csrf: s.csrf_token })),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        {(!heading.is_empty()).then(|| view! { <PageHeading text=heading /> })}
        <form class="console-form" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <div class="field">
                <label for="console-token">"API token"</label>
                <p class="hint" id="console-token-hint">"From `vitrine merchant create` or `vitrine merchant token`. It is sent once; the console then keeps a session of 30 minutes."</p>
                <input id="console-token" class="input" type="password" autocomplete="off"
                    aria-describedby="console-token-hint"
                    on:input=move |ev| token.set(event_target_value(&ev)) />
            </div>
            {refusal(error)}
            <button type="submit" class="btn btn-primary" disabled=move || busy.get()>"Sign in"</button>
        </form>
    }
}

#[component]
fn Signed(signed: Signed, session: RwSignal<Option<Signed>>) -> impl IntoView {
    let params = use_params_map();
    let section = move || params.read().get("section").unwrap_or_else(|| "catalog".to_owned());
    let csrf = signed.csrf.clone();
    let sign_out = move |_| {
        let csrf = csrf.clone();
        spawn_local(async move {
            let _ = api::call::<serde_json::Value>(
                "DELETE",
                paths::MERCHANT_SESSION,
                None,
                Some(&csrf),
                None,
            )
            .await;
            session.set(None);
        });
    };
    let heading = format!("Console — {}", signed.merchant);
    view! {
        <PageHeading text=heading />
        <nav aria-label="Console" class="console-nav">
            {SECTIONS.iter().map(|(slug, name)| {
                let slug = *slug;
                let current = move || (section() == slug).then_some("page");
                view! { <A href=section_path(slug) attr:class="link" attr:aria-current=current>{*name}</A> }
            }).collect_view()}
            <button type="button" class="btn btn-quiet" on:click=sign_out>"Sign out"</button>
        </nav>
        {move || {
            let csrf = signed.csrf.clone();
            match section().as_str() {
                "drops" => view! { <drops::Drops csrf /> }.into_any(),
                "claims" => view! { <claims::Claims csrf /> }.into_any(),
                "orders" => view! { <orders::Orders csrf /> }.into_any(),
                "conflicts" => view! { <orders::Conflicts csrf /> }.into_any(),
                "reconciliation" => view! { <reconciliation::Reconciliation csrf /> }.into_any(),
                "audit" => view! { <Audit /> }.into_any(),
                "embed" => view! { <embed::Embed csrf /> }.into_any(),
                _ => view! { <catalog::Catalog csrf /> }.into_any(),
            }
        }}
    }
}

/// An instant as a `datetime-local` value in the viewer's own time zone.
pub fn local_input(ms: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A `datetime-local` value (the merchant's own time) as the instant the browser makes of it.
pub fn instant(value: &str) -> UnixMillis {
    #[allow(clippy::cast_possible_truncation)]
    UnixMillis(js_sys::Date::parse(value) as i64)
}

/// Shows an instant in the viewer's own time zone, to the minute.
pub fn when(ms: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let opts = js_sys::Object::new();
    for (k, v) in [("dateStyle", "medium"), ("timeStyle", "short")] {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v.into());
    }
    d.to_locale_string("en-GB", &opts).into()
}

#[component]
fn Audit() -> impl IntoView {
    let entries = LocalResource::new(|| api::get::<Vec<AuditEntry>>(paths::MERCHANT_AUDIT));
    view! {
        <h2>"Audit log"</h2>
        <p class="hint">"Every change made with your tokens, newest first. Entries are never edited or removed."</p>
        <Suspense fallback=|| view! { <p role="status">"Loading the log…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(e) => view! { <p role="alert">{e.message}</p> }.into_any(),
                    Ok(list) => view! {
                        // Scrolls sideways on a phone: focusable, so a keyboard can scroll it.
                        <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log entries">
                            <table>
                                <caption class="visually-hidden">"Audit log"</caption>
                                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Subject"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| view! {
                                        <tr><td>{when(e.at.0)}</td><td>{e.actor}</td><td>{e.action}</td><td>{e.subject}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
