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

/// Provided on a page the server drew, whose islands run without the app's router: a link
/// there loads its page.
#[derive(Clone, Copy)]
pub struct PageLoads;

/// Go to a path: by the app's router inside the app, by loading the page from an island.
/// Called where a view is made (it reads the context then), used later.
#[cfg(feature = "app")]
pub fn navigator() -> impl Fn(&str) + Clone + 'static {
    use leptos::prelude::use_context;
    let router = use_context::<PageLoads>().is_none().then(leptos_router::hooks::use_navigate);
    move |path: &str| match &router {
        Some(navigate) => navigate(path, Default::default()),
        None => load(path),
    }
}

/// The islands' module has no router.
#[cfg(not(feature = "app"))]
pub fn navigator() -> impl Fn(&str) + Clone + 'static {
    load
}

fn load(path: &str) {
    let _ = leptos::prelude::window().location().assign(path);
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
    }
}
