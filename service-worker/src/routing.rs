//! Which strategy answers which request: a pure function of the request's shape, so it is
//! unit-tested natively and costs no I/O on the hot path.

use vitrine_protocol::paths;

use crate::cache_names::CacheKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Let the browser handle it as if there were no worker.
    Passthrough,
    /// A navigation to a page only the browser draws: the cached app shell (offline-first).
    AppShell,
    /// A navigation to a page the server draws: the HTML kept from the last visit (`pages`);
    /// never seen and offline, the shell.
    Page(Freshness),
    /// Content-hashed or precached files: cache, then network (and remember).
    CacheFirst(CacheKind),
    /// Catalog JSON: answer from cache at once, refresh in the background.
    StaleWhileRevalidate(CacheKind),
    /// Images: cache-first in the bounded image cache; offline misses get another cached size
    /// or a placeholder.
    Image,
}

/// Which comes first for a kept page (`pages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The kept copy at once, refreshed in the background: home and galleries.
    KeptFirst,
    /// The server, the kept copy when it fails or is slow: a work's page (live stock, drop,
    /// quote) and a framed storefront (the merchant's `frame-ancestors`).
    NetworkFirst,
}

/// The origin and path of an absolute URL as the browser writes it (`Request.url`: already
/// parsed and normalized, its fragment kept); `None` if it is not one. Read from the string,
/// where a `URL` object cost two trips into JS on every request.
pub fn split_url(url: &str) -> Option<(&str, &str)> {
    let authority = url.find("://")? + 3;
    let path_at = url[authority..].find(['/', '?', '#']).map_or(url.len(), |i| authority + i);
    let rest = &url[path_at..];
    let path = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    Some((&url[..path_at], if path.is_empty() { "/" } else { path }))
}

/// The request as routing sees it.
pub struct RequestShape<'a> {
    pub method: &'a str,
    pub same_origin: bool,
    pub navigate: bool,
    pub path: &'a str,
}

pub fn route(r: &RequestShape<'_>) -> Strategy {
    if r.method != "GET" || !r.same_origin {
        return Strategy::Passthrough;
    }
    let image = r.path.starts_with("/media/") || r.path.starts_with("/img/");
    // Opening an image itself (the item page's "full-size original" link) or a document the
    // server makes (a claim sheet, a CSV under /api/) is a navigation too, but to a file, not
    // to an app route.
    // A storefront framed on a merchant's site is answered by the server with that
    // merchant's `frame-ancestors`; the cached shell carries only this shop's, which the
    // browser would refuse in the frame: only the server's own page, kept, will do.
    let embed = r.path == paths::EMBED || r.path.starts_with(&format!("{}/", paths::EMBED));
    if r.navigate && embed {
        return Strategy::Page(Freshness::NetworkFirst);
    }
    if r.navigate && !image && !r.path.starts_with(paths::API_PREFIX) {
        if paths::drawn_in_browser(r.path) {
            return Strategy::AppShell;
        }
        if r.path.starts_with("/i/") {
            return Strategy::Page(Freshness::NetworkFirst);
        }
        return Strategy::Page(Freshness::KeptFirst);
    }
    if r.navigate {
        return Strategy::Passthrough;
    }
    // Liveness and order state change by themselves: a cached copy would be a lie. The
    // merchant console's data is a merchant's, not a collector's: never kept on a device
    // (a shop's counter tablet is shared), and an allowlist proof is one buyer's.
    if r.path == paths::HEALTHZ
        || r.path.starts_with(paths::ORDERS_PREFIX)
        || r.path.starts_with(paths::MERCHANT)
        || r.path.starts_with(paths::DROPS)
    {
        return Strategy::Passthrough;
    }
    if r.path.starts_with(paths::API_PREFIX) {
        return Strategy::StaleWhileRevalidate(CacheKind::Api);
    }
    if image {
        return Strategy::Image;
    }
    if r.path.starts_with("/assets/") || r.path == "/manifest.webmanifest" {
        return Strategy::CacheFirst(CacheKind::Precache);
    }
    Strategy::Passthrough
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_url_splits_into_origin_and_path() {
        const SHOP: &str = "https://shop.example";
        let cases = [
            (
                "http://127.0.0.1:8080/media/v/a/480.webp",
                Some(("http://127.0.0.1:8080", "/media/v/a/480.webp")),
            ),
            ("https://shop.example/c/x?sort=price", Some((SHOP, "/c/x"))),
            ("https://shop.example", Some((SHOP, "/"))),
            ("https://shop.example?q=1", Some((SHOP, "/"))),
            ("https://shop.example/a%20b/", Some((SHOP, "/a%20b/"))),
            ("https://shop.example/receipts#r-1", Some((SHOP, "/receipts"))),
            ("https://shop.example/c/x#a?b", Some((SHOP, "/c/x"))),
            ("https://shop.example#top", Some((SHOP, "/"))),
            ("http://[::1]:8080/i/1", Some(("http://[::1]:8080", "/i/1"))),
            // Credentials are part of what comes before the path: never this worker's origin.
            ("https://u:p@shop.example/x", Some(("https://u:p@shop.example", "/x"))),
            ("data:image/png;base64,AAAA", None),
            ("/relative", None),
        ];
        for (url, split) in cases {
            assert_eq!(split_url(url), split, "{url}");
        }
    }

    fn get(path: &str) -> Strategy {
        route(&RequestShape { method: "GET", same_origin: true, navigate: false, path })
    }

    #[test]
    fn opening_a_server_document_is_not_an_app_route() {
        let nav =
            |path| route(&RequestShape { method: "GET", same_origin: true, navigate: true, path });
        assert_eq!(nav("/api/v1/merchant/claims/3/sheet"), Strategy::Passthrough);
        assert_eq!(nav("/media/originals/101.jpg"), Strategy::Passthrough);
        assert_eq!(nav("/claim/123"), Strategy::AppShell);
        assert_eq!(nav("/embed/tidal-glass"), Strategy::Page(Freshness::NetworkFirst));
        assert_eq!(nav("/embedded-art"), Strategy::Page(Freshness::KeptFirst), "a 404 page");
        assert_eq!(nav("/merchant/claims"), Strategy::AppShell);
    }

    #[test]
    fn routes_by_shape() {
        assert_eq!(get("/api/v1/collections"), Strategy::StaleWhileRevalidate(CacheKind::Api));
        assert_eq!(get("/api/v1/items/101"), Strategy::StaleWhileRevalidate(CacheKind::Api));
        assert_eq!(get("/assets/app-12ab.wasm"), Strategy::CacheFirst(CacheKind::Precache));
        assert_eq!(get("/media/thumbs/101-aa.jpg"), Strategy::Image);
        assert_eq!(get("/media/v/101-aa-12/480.webp"), Strategy::Image);
        assert_eq!(get("/img/101"), Strategy::Image);
        assert_eq!(get("/healthz"), Strategy::Passthrough);
        assert_eq!(
            get("/api/v1/orders/01890a5d-ac96-774b-bcce-b302099a8057"),
            Strategy::Passthrough
        );
        assert_eq!(get("/sw.js"), Strategy::Passthrough);
        assert_eq!(get("/api/v1/merchant/orders?q=ada%40example.org"), Strategy::Passthrough);
        assert_eq!(get("/api/v1/drops/3/allowlist/ab12"), Strategy::Passthrough);
    }

    fn navigate(path: &str) -> Strategy {
        route(&RequestShape { method: "GET", same_origin: true, navigate: true, path })
    }

    #[test]
    fn the_servers_pages_are_kept_and_the_browsers_get_the_shell() {
        for path in ["/", "/c/tidal-glass", "/nowhere"] {
            assert_eq!(navigate(path), Strategy::Page(Freshness::KeptFirst), "{path}");
        }
        // Live stock, drop and quote: the server first.
        assert_eq!(navigate("/i/999"), Strategy::Page(Freshness::NetworkFirst));
        for path in ["/receipts", "/receipts/01890a5d", "/search", "/storage", "/kiosk"] {
            assert_eq!(navigate(path), Strategy::AppShell, "{path}");
        }
    }

    #[test]
    fn opening_an_image_is_not_an_app_route() {
        assert_eq!(navigate("/media/originals/101-aa.jpg"), Strategy::Passthrough);
        assert_eq!(navigate("/img/101"), Strategy::Passthrough);
    }

    #[test]
    fn writes_and_other_origins_pass_through() {
        let post =
            RequestShape { method: "POST", same_origin: true, navigate: false, path: "/api/v1/x" };
        assert_eq!(route(&post), Strategy::Passthrough);
        let cdn = RequestShape {
            method: "GET",
            same_origin: false,
            navigate: false,
            path: "/assets/a.js",
        };
        assert_eq!(route(&cdn), Strategy::Passthrough);
    }
}
