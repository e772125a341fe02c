//! A sold-out work's bar: "Sold out — join the waitlist" opens a sheet that takes an email
//! address for the shop. Online only (a waitlist entry is not money, so it is not queued like
//! a purchase): offline, the sheet says to come back.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::waitlist::{is_email, normalise_email};
use vitrine_protocol::ItemId;

use super::{focus, sheet_head, show};
use crate::api::{self, FetchError};
use crate::connectivity::use_connectivity;

const EMAIL: &str = "waitlist-email";

/// Where the sheet stands.
#[derive(Clone, PartialEq)]
enum Stage {
    Asking,
    Sending,
    Joined(String),
}

#[component]
pub fn Waitlist(item: ItemId, title: String) -> impl IntoView {
    let online = use_connectivity().map(|c| c.online);
    let is_online = move || online.is_none_or(|o| o.get());
    let sheet = NodeRef::<leptos::html::Dialog>::new();
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let stage = RwSignal::new(Stage::Asking);
    let submit = move || {
        if stage.get_untracked() != Stage::Asking {
            return;
        }
        let address = normalise_email(&email.get_untracked());
        if !is_email(&address) {
            error.set(Some("Enter an email address like name@example.com.".into()));
            request_animation_frame(|| focus(EMAIL));
            return;
        }
        error.set(None);
        stage.set(Stage::Sending);
        spawn_local(async move {
            let next = match api::join_waitlist(item, &address).await {
                Ok(Some(_)) => Stage::Joined(format!(
                    "You are on the waitlist. The shop has {address} and can tell you when an edition frees up."
                )),
                Ok(None) => Stage::Joined(format!("{address} was already on the waitlist for this work.")),
                Err(FetchError::Offline) => {
                    error.set(Some("The shop cannot be reached. Try again when you are online.".into()));
                    Stage::Asking
                }
                Err(FetchError::NotFound) => {
                    error.set(Some("This work is no longer in the shop.".into()));
                    Stage::Asking
                }
                Err(FetchError::Failed(message)) => {
                    error.set(Some(message));
                    Stage::Asking
                }
            };
            let _ = stage.try_set(next);
        });
    };
    let joined = move || match stage.get() {
        Stage::Joined(text) => Some(text),
        _ => None,
    };
    let note = move || {
        if is_online() {
            "Sold out. Leave your email address and the shop can tell you if an edition frees up."
        } else {
            "You are offline. Joining the waitlist needs the shop: come back when you are online."
        }
    };
    let described = move || match error.get() {
        Some(_) => format!("{EMAIL}-hint {EMAIL}-error"),
        None => format!("{EMAIL}-hint"),
    };
    view! {
        <div class="buy-panel has-action-bar">
            <div class="action-bar">
                <button type="button" class="btn btn-secondary" aria-haspopup="dialog"
                    on:click=move |_| show(sheet, true)>
                    "Sold out — join the waitlist"
                </button>
            </div>
            <dialog class="sheet" node_ref=sheet aria-labelledby="waitlist-title">
                <form novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    {sheet_head(sheet, "waitlist-title", "Join the waitlist")}
                    <p class="summary">{format!("{title} is sold out.")}</p>
                    {move || match joined() {
                        Some(text) => view! { <p role="status" class="note">{text}</p> }.into_any(),
                        None => view! {
                            <div class="field" class:invalid=move || error.get().is_some()>
                                <label for=EMAIL>"Email address"</label>
                                <p class="hint" id=format!("{EMAIL}-hint")>{note}</p>
                                {move || error.get().map(|message| view! {
                                    <p class="field-error" id=format!("{EMAIL}-error") role="alert">{message}</p>
                                })}
                                <input id=EMAIL class="input" type="email" autocomplete="email"
                                    aria-describedby=described
                                    aria-invalid=move || error.get().is_some().to_string()
                                    on:input=move |ev| email.set(event_target_value(&ev)) />
                            </div>
                            <button type="submit" class="btn btn-primary btn-block"
                                disabled=move || { stage.get() != Stage::Asking || !is_online() }>
                                {move || if stage.get() == Stage::Sending { "Joining…" } else { "Join the waitlist" }}
                            </button>
                        }.into_any(),
                    }}
                </form>
            </dialog>
        </div>
    }
}
