//! Storefront pages as HTML: the app's own components rendered here (`vitrine_app::ssr`) into
//! the built shell (`dist/index.html`), with the API answer they were drawn from embedded where
//! the whole app runs (a framed storefront; `vitrine_app::preload`). A page is kept by what it
//! was drawn from (shell, path, answer and `ssr::Drawn`, hashed), so a gallery is rendered and
//! compressed once per change of its catalog, not once per visit.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};
use vitrine_app::preload::Answer;
use vitrine_app::ssr::{self, Drawn};

/// Distinct pages kept: every gallery and the home page of a large shop, a few MB at most.
const CAPACITY: usize = 512;
/// Quick enough to compress a page per request (items are never twice the same: each carries a
/// fresh quote), and within a few percent of the best for HTML this size.
const BROTLI_QUALITY: i32 = 5;

/// One rendered page.
pub struct Rendered {
    pub html: Vec<u8>,
    pub brotli: Option<Vec<u8>>,
    /// A strong validator: the hash of everything the page was drawn from.
    pub etag: String,
}

pub struct Renderer {
    pages: Cache<[u8; 32], Arc<Rendered>>,
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer { pages: Cache::new(CAPACITY) }
    }
}

impl Renderer {
    /// The page at `path` drawn with `answer` into `shell`, as `drawn` says (`ssr::Drawn`: for
    /// the whole app, with the lite pictures). `keep`: the answer is the same for every visitor
    /// until the catalog changes, so the page may be kept.
    pub fn page(
        &self,
        shell: &str,
        path: &str,
        answer: Option<Answer>,
        drawn: Drawn,
        keep: bool,
    ) -> Arc<Rendered> {
        let mut hash = Sha256::new();
        let (api, body, ok) =
            answer.as_ref().map_or(("", "", 2), |a| (&*a.api, &*a.body, a.ok.into()));
        for part in [shell, path, api, body] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        hash.update([ok, drawn.for_app.into(), drawn.lite.into()]);
        let key: [u8; 32] = hash.finalize().into();
        if keep {
            if let Some(page) = self.pages.get(&key) {
                return page;
            }
        }
        let etag: String = key.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let html = assemble(shell, path, &answer, drawn).into_bytes();
        let page =
            Arc::new(Rendered { brotli: compress(&html), html, etag: format!("\"{etag}\"") });
        if keep {
            self.pages.insert(key, page.clone());
        }
        page
    }
}

/// The shell with the page in it. A view that panics (a bug, never the visitor's input) leaves
/// the shell as it is, which the app fills in the browser: never a blank page.
fn assemble(shell: &str, path: &str, answer: &Option<Answer>, drawn: Drawn) -> String {
    let draw = || ssr::document(shell, path, answer.clone(), drawn);
    catch_unwind(AssertUnwindSafe(draw)).unwrap_or_else(|_| {
        tracing::error!(path, "rendering a page panicked; sending the shell instead");
        shell.to_owned()
    })
}

fn compress(html: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(html.len() / 4);
    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY as u32, 22);
    writer.write_all(html).ok()?;
    writer.flush().ok()?;
    drop(writer);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELL: &str =
        "<html><head><title>Vitrine</title></head><body><div id=\"app\"></div></body></html>";

    const APP: Drawn = Drawn { for_app: true, lite: false };

    fn answer(body: &str) -> Option<Answer> {
        Some(Answer { api: "/api/v1/collections".into(), ok: true, body: body.into() })
    }

    #[test]
    fn the_page_goes_into_the_shell_with_its_title_and_for_the_app_its_answer() {
        let renderer = Renderer::default();
        let page = renderer.page(SHELL, "/", answer("[]"), APP, true);
        let html = String::from_utf8(page.html.clone()).unwrap();
        assert!(html.contains("<title>Collections · Vitrine</title>"), "{html}");
        assert!(html.contains(r#"<div id="app"><header class="site">"#), "{html}");
        assert!(html.contains(r#"data-api="/api/v1/collections" data-status="ok">[]</script>"#));
        let islands = renderer.page(SHELL, "/", answer("[]"), Drawn::default(), true);
        let islands = String::from_utf8(islands.html.clone()).unwrap();
        assert!(!islands.contains("vitrine-data"), "islands need no data: {islands}");
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut page.brotli.as_deref().unwrap(), &mut back).unwrap();
        assert_eq!(back, page.html);
    }

    #[test]
    fn a_page_is_kept_until_what_it_was_drawn_from_changes() {
        let renderer = Renderer::default();
        let first = renderer.page(SHELL, "/", answer("[]"), APP, true);
        assert!(Arc::ptr_eq(&first, &renderer.page(SHELL, "/", answer("[]"), APP, true)));
        let other = renderer.page(SHELL, "/", answer("[ ]"), APP, true);
        assert_ne!(first.etag, other.etag, "a changed catalog is a new page");
        let unkept = renderer.page(SHELL, "/", answer("[]"), APP, false);
        assert!(!Arc::ptr_eq(&first, &unkept));
        assert_eq!(first.etag, unkept.etag);
    }

    #[test]
    fn a_shell_without_a_root_is_sent_as_it_is() {
        let page = Renderer::default().page("<p>old build</p>", "/", answer("[]"), APP, false);
        assert_eq!(page.html, b"<p>old build</p>");
    }
}
