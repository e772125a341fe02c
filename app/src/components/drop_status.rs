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
    let upcoming = move || matches!(phase.get(), Phase::Upcoming { .. });
    let live = move || matches!(phase.get(), Phase::Live { .. });
    view! {
        <p class="drop-status" class:upcoming=upcoming class:live=live>
            <span class="drop-name">{drop.title}</span>
            " · "
            <span class="drop-phase">{move || phase.get().to_string()}</span>
        </p>
    }
}
