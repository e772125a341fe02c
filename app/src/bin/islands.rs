//! The wasm a page the server drew loads: its islands and nothing else. Built twice: for a
//! work's page (feature `item-page`: the status bar, countdowns, the Buy bar and the work's
//! picture) and for every other page (the status bar, countdowns, a gallery's sort and filter).
//! `boot.js` picks the build the page asks for and hydrates each `<leptos-island>` with the
//! export it makes for it.

fn main() {
    vitrine_app::crash::install();
    vitrine_app::start_islands();
}
