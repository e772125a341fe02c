//! The app's URLs, in one place.

use vitrine_protocol::{IntentId, ItemId, Slug};

/// The collections list.
pub const HOME: &str = "/";

/// A collection's gallery.
pub fn collection(slug: &Slug) -> String {
    format!("/c/{slug}")
}

/// An item's page.
pub fn item(id: ItemId) -> String {
    format!("/i/{id}")
}

/// Every receipt on this device.
pub const RECEIPTS: &str = "/receipts";

/// What the device keeps offline, and the room images may take.
pub const STORAGE: &str = "/storage";

/// Search across the whole catalog; `?q=` holds the query.
pub const SEARCH: &str = "/search";

/// The kiosk: a merchant's tablet redeeming visitors' claim codes.
pub const KIOSK: &str = "/kiosk";

/// One receipt.
pub fn receipt(id: IntentId) -> String {
    format!("/receipts/{id}")
}

/// First segments of the pages only the browser draws, from the app's shell: they show what
/// this device keeps (receipts, storage), ask as the visitor types (search), or are a
/// merchant's tools. The server renders every other page (`ssr`), and a path that is none of
/// these is a 404 page. Kept with the app's `<Routes>`.
const DRAWN_IN_BROWSER: [&str; 8] =
    ["receipts", "storage", "search", "merchant", "claim", "CLAIM", "kiosk", "embed"];

/// `path` is one of the pages only the browser draws.
pub fn drawn_in_browser(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    DRAWN_IN_BROWSER.contains(&first)
}

/// Document title for a page: the page first, so tabs and screen readers lead with it.
pub fn title(page: &str) -> String {
    format!("{page} · Vitrine")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_match_the_server_deep_links() {
        let slug: Slug = "tidal-glass".parse().unwrap();
        assert_eq!(collection(&slug), "/c/tidal-glass");
        assert_eq!(item(ItemId::try_from(101).unwrap()), "/i/101");
        let id: IntentId = "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap();
        assert_eq!(receipt(id), "/receipts/01890a5d-ac96-774b-bcce-b302099a8057");
        assert_eq!(title("Collections"), "Collections · Vitrine");
        assert!(drawn_in_browser("/receipts") && drawn_in_browser("/receipts/x"));
        assert!(drawn_in_browser("/CLAIM/AB12") && drawn_in_browser("/merchant/orders"));
        assert!(!drawn_in_browser("/") && !drawn_in_browser("/c/x") && !drawn_in_browser("/nope"));
        assert!(!drawn_in_browser("/receiptsx"));
    }
}
