//! The shared language of Vitrine: what the server sends, what the app and the service worker
//! read. Everything here is plain data with no I/O, so it builds for `wasm32-unknown-unknown` and
//! native alike.

pub mod acceptance;
mod catalog;
pub mod claims;
mod commerce;
pub mod device;
pub mod drops;
pub mod embed;
mod error;
mod grants;
pub mod headers;
mod ids;
mod keys;
pub mod merchant;
mod money;
mod order;
mod picture;
pub mod preview;
pub mod sandbox;
pub mod seal;
pub mod settlement;
pub mod signing;
pub mod telemetry;
pub mod trace;
pub mod waitlist;
pub mod wallet;

pub use catalog::{Collection, CollectionDetail, ImageRef, Item, ItemSummary};
pub use commerce::{Buyer, Intent, IntentId, Payment, UnixMillis};
pub use error::{markdown_table as error_code_table, ApiError, ErrorCode, FieldProblem};
pub use grants::{DeviceCertificate, DeviceRegistration, Format, KeyId, OfflineLimit, Quote};
pub use ids::{ItemId, ParseIdError, Slug};
pub use keys::{PublishedKey, PublishedKeys};
pub use money::{Currency, Money};
pub use order::{Order, OrderState, SuggestedAction};
pub use picture::{is_variant_path, ImageFormat, Picture, VARIANTS_PATH};

/// Paths of the JSON API, shared so the app, the worker and the server never disagree.
pub mod paths {
    /// First segments of the storefront's pages only the browser draws, from the app's shell:
    /// they show what this device keeps (receipts, storage), ask as the visitor types
    /// (search), or are a merchant's tools. The server renders every other page, and a path
    /// that is none of them is a 404 page; the service worker keeps the server's pages and
    /// answers the others with the shell. Kept with the app's `<Routes>`.
    const DRAWN_IN_BROWSER: [&str; 8] =
        ["receipts", "storage", "search", "merchant", "claim", "CLAIM", "kiosk", "embed"];

    /// `path` is one of the pages only the browser draws.
    pub fn drawn_in_browser(path: &str) -> bool {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        DRAWN_IN_BROWSER.contains(&first)
    }

    /// Prefix of every API route.
    pub const API_PREFIX: &str = "/api/";
    /// List of collections.
    pub const COLLECTIONS: &str = "/api/v1/collections";
    /// Liveness probe; never cached by the service worker.
    pub const HEALTHZ: &str = "/healthz";

    /// One collection with its items.
    pub fn collection(slug: &crate::Slug) -> String {
        format!("{COLLECTIONS}/{slug}")
    }

    /// Prefix of item URLs.
    pub const ITEMS: &str = "/api/v1/items";

    /// One item.
    pub fn item(id: crate::ItemId) -> String {
        format!("{ITEMS}/{id}")
    }

    /// Join a sold-out item's waitlist (`POST`).
    pub fn waitlist(id: crate::ItemId) -> String {
        format!("{ITEMS}/{id}/waitlist")
    }

    /// Register a device key, get a certificate.
    pub const DEVICES: &str = "/api/v1/devices";
    /// Submit intents (`Idempotency-Key` = intent id).
    pub const INTENTS: &str = "/api/v1/intents";
    /// Claims of vouchers (`POST`, like intents).
    pub const CLAIMS: &str = "/api/v1/claims";
    /// Up to `claims::MAX_CLAIMS_PER_REQUEST` claims at once (a kiosk's queue), each judged
    /// as `CLAIMS` would judge it alone.
    pub const CLAIMS_BATCH: &str = "/api/v1/claims/batch";
    /// Every open claim batch's public terms (`claims::BatchTerms`), cached by the worker.
    pub const CLAIM_TERMS: &str = "/api/v1/claims/terms";
    /// The server's public signing keys and the limits every client must respect.
    pub const KEYS: &str = "/api/v1/keys";

    /// Prefix of order-state URLs; never cached by the service worker.
    pub const ORDERS_PREFIX: &str = "/api/v1/orders/";

    /// One order's current state.
    pub fn order(id: crate::IntentId) -> String {
        format!("{ORDERS_PREFIX}{id}")
    }

    /// Prefix of the merchant API (and the session cookie's path).
    pub const MERCHANT: &str = "/api/v1/merchant";
    /// Who the credentials are.
    pub const MERCHANT_ME: &str = "/api/v1/merchant/me";
    /// The console's session: `POST` signs in, `GET` reads it, `DELETE` signs out.
    pub const MERCHANT_SESSION: &str = "/api/v1/merchant/session";
    /// The merchant's collections.
    pub const MERCHANT_COLLECTIONS: &str = "/api/v1/merchant/collections";
    /// The merchant's items (`POST` makes one; `/{id}`, `/{id}/original`).
    pub const MERCHANT_ITEMS: &str = "/api/v1/merchant/items";
    /// Orders of the merchant's works (`?q=&state=&limit=`; `/{id}` with its history).
    pub const MERCHANT_ORDERS: &str = "/api/v1/merchant/orders";
    /// The merchant's audit log.
    pub const MERCHANT_AUDIT: &str = "/api/v1/merchant/audit";
    /// The conflicts queue (resolve one with `POST {MERCHANT_ORDERS}/{id}/resolve`).
    pub const MERCHANT_CONFLICTS: &str = "/api/v1/merchant/conflicts";
    /// The merchant's drops (`/{id}`, `/{id}/approve`, `/{id}/cancel`, `/{id}/allowlist`,
    /// `/{id}/proposals`).
    pub const MERCHANT_DROPS: &str = "/api/v1/merchant/drops";
    /// The merchant's claim batches (`/{id}`, `/{id}/revoke`, `/{id}/vouchers`,
    /// `/{id}/sheet` the printable sheet, `/{id}/vouchers.csv`).
    pub const MERCHANT_CLAIMS: &str = "/api/v1/merchant/claims";
    /// Register a kiosk's device key (`POST`, claims scope): its certificate allows free
    /// claims only, and its claims count per email, not per device.
    pub const MERCHANT_KIOSKS: &str = "/api/v1/merchant/kiosks";
    /// What reconciliation raised about the merchant's orders.
    pub const MERCHANT_RECONCILIATION: &str = "/api/v1/merchant/reconciliation";
    /// Sandbox controls (`/advance`, `/reorg`, `/revert`, `/halt`), on servers running the
    /// sandboxes.
    pub const MERCHANT_SANDBOX: &str = "/api/v1/merchant/sandbox";
    /// The merchant's scheduling limits (`GET`, `PUT`).
    pub const MERCHANT_SCHEDULE_RULES: &str = "/api/v1/merchant/schedule-rules";
    /// The origins allowed to frame the merchant's storefront (`GET`, `PUT`).
    pub const MERCHANT_EMBED: &str = "/api/v1/merchant/embed";
    /// A collection's storefront for a frame on a merchant's site: `/embed/{slug}`, answered
    /// with `frame-ancestors` of that merchant's origins.
    pub const EMBED: &str = "/embed";

    /// A service worker's counts since its last report (`POST`, no credentials).
    pub const TELEMETRY: &str = "/api/v1/telemetry";

    /// Prefix of public drop URLs.
    pub const DROPS: &str = "/api/v1/drops";

    /// A buyer's allowlist proof for one leaf (hex).
    pub fn allowlist_proof(drop: i64, leaf: &str) -> String {
        format!("{DROPS}/{drop}/allowlist/{leaf}")
    }

    #[cfg(test)]
    mod tests {
        use super::drawn_in_browser;

        #[test]
        fn the_pages_only_the_browser_draws() {
            assert!(drawn_in_browser("/receipts") && drawn_in_browser("/receipts/x"));
            assert!(drawn_in_browser("/CLAIM/AB12") && drawn_in_browser("/merchant/orders"));
            assert!(!drawn_in_browser("/") && !drawn_in_browser("/c/x"));
            assert!(!drawn_in_browser("/nope") && !drawn_in_browser("/receiptsx"));
        }
    }
}
