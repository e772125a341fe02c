use leptos::html;
use leptos::prelude::*;
use vitrine_protocol::drops::{DropInfo, Phase};

use crate::server_clock::use_server_clock;

/// Where a work's drop is, on the server's clock: "Starts in 02:14:05", "Live — 37 left",
/// "Sold out", "Ended". Redrawn every second; not a live region (a screen reader is not read
/// a clock every second), and the start is also given as a plain time. An island: it counts
/// on a page the server drew too.
#[island]
pub fn DropStatus(drop: DropInfo) -> impl IntoView {
    let clock = use_server_clock();
    // Once a second; the classes and the words below read it without working it out again.
    let phase = {
        let drop = drop.clone();
        Memo::new(move |_| {
            drop.phase(clock.map_or_else(crate::server_clock::device_now, |c| c.now()))
        })
    };
    // Drawn as it is now, then written by an effect: hydration keeps what the server wrote and
    // applies only later changes, and the server's words may be minutes old (a kept page)
    // while the phase they name does not change again.
    let (status, words) = (NodeRef::<html::P>::new(), NodeRef::<html::Span>::new());
    Effect::new(move |_| {
        let now = phase.get();
        if let (Some(status), Some(words)) = (status.get(), words.get()) {
            show(&status, &words, &now);
        }
    });
    let first = phase.get_untracked();
    let (upcoming, live) = (is_upcoming(&first), is_live(&first));
    view! {
        <p class="drop-status" class:upcoming=upcoming class:live=live node_ref=status>
            <span class="drop-name">{drop.title}</span>
            " · "
            <span class="drop-phase" node_ref=words>{first.to_string()}</span>
        </p>
    }
}

fn is_upcoming(phase: &Phase) -> bool {
    matches!(phase, Phase::Upcoming { .. })
}

fn is_live(phase: &Phase) -> bool {
    matches!(phase, Phase::Live { .. })
}

fn show(status: &web_sys::HtmlElement, words: &web_sys::HtmlElement, phase: &Phase) {
    let text = phase.to_string();
    if words.text_content().as_deref() != Some(text.as_str()) {
        words.set_text_content(Some(&text));
    }
    let classes = status.class_list();
    let _ = classes.toggle_with_force("upcoming", is_upcoming(phase));
    let _ = classes.toggle_with_force("live", is_live(phase));
}
