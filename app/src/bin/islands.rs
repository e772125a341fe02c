//! The wasm a page the server drew loads: its islands (the status bar, countdowns, the Buy
//! form, the work's picture, the gallery's sort) and nothing else. `boot.js` hydrates each
//! `<leptos-island>` with the export this module makes for it.

fn main() {
    vitrine_app::crash::install();
    vitrine_app::start_islands();
}
