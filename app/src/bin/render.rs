//! The storefront's pages rendered in wasm32 with the same views as the server's
//! (`ssr::document`): the design the service worker would use to draw pages from its cached
//! catalog. Built only to be measured (`cargo xtask bench --renderer`): 877 KB brotli, over
//! four times the page's first-load wasm (207 KB), so the worker keeps the server's HTML
//! instead (ARCHITECTURE.md, "Decisions").

#[cfg(target_arch = "wasm32")]
mod exports {
    use vitrine_app::preload::Answer;
    use wasm_bindgen::prelude::*;

    /// The page at `path` drawn into `shell`, from the API answer at `api` (`ok`, `body`).
    #[wasm_bindgen]
    pub fn render(shell: &str, path: &str, api: Option<String>, ok: bool, body: String) -> String {
        let answer = api.map(|api| Answer { api, ok, body });
        vitrine_app::ssr::document(shell, path, answer, Default::default())
    }
}

fn main() {}
