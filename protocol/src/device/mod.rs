//! What a page and the service worker say to each other, and the device's own records.
//!
//! The worker owns the device key, the outbox and the receipts (IndexedDB); pages ask it by
//! `postMessage` with these JSON messages. Keeping checkout in the worker keeps ed25519 and
//! IndexedDB code out of the page's first load, and makes the worker the only sender of intents.

use serde::{Deserialize, Serialize};

use crate::drops::DropInfo;
use crate::signing::Signed;
use crate::UnixMillis;
use crate::{
    Buyer, DeviceCertificate, DeviceRegistration, IntentId, ItemId, Money, Payment, Quote,
};

mod claiming;
mod receipt;
mod receipt_file;

pub use crate::acceptance::{check_purchase, Refusal, MAX_QUANTITY};
pub use claiming::{ClaimRequest, KioskState, KioskVoucher, VoucherView};
pub use receipt::{Receipt, ReceiptStatus, Step};
pub use receipt_file::{
    AnswerProof, FileProblem, ReceiptFile, Verified, KIND as RECEIPT_FILE_KIND,
};

// Messages are externally tagged: internally tagged enums buffer through serde's `Content`,
// which costs the page's first load kilobytes of wasm.

/// A page's request to the worker; each gets exactly one [`WorkerReply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageRequest {
    /// May this device buy `quantity` at `quote` now? Answered `Allowed` or `Refused`.
    Check {
        /// The server-signed price.
        quote: Signed<Quote>,
        /// How many editions.
        quantity: u32,
        /// The work's drop, when it is in one: the device checks its times too.
        #[serde(default)]
        drop: Option<DropInfo>,
        /// The page's estimate of the server's clock minus this device's (ms).
        #[serde(default)]
        clock_offset_ms: i64,
    },
    /// Make, sign and store an intent; the worker sends it when it can.
    Buy(Purchase),
    /// Every receipt on this device, newest first.
    Receipts,
    /// Try to send the outbox now. `force` ignores backoff (the network just came back).
    Replay {
        /// Skip the waiting time of intents that failed on the network.
        force: bool,
    },
    /// Sent to a *waiting* worker when the buyer accepts an update: take over now.
    Activate,
    /// Has the worker saved everything the storefront needs offline: the whole build and the
    /// catalog? Answered `OfflineReady`; `WorkerNotice::OfflineReady` follows when it has.
    OfflineReady,
    /// Is this voucher code genuine and unexpired, and what does it give? Answered `Voucher`
    /// or `Refused`.
    ClaimCheck {
        code: String,
        #[serde(default)]
        kiosk: bool,
        #[serde(default)]
        clock_offset_ms: i64,
    },
    /// Sign and store a claim; the worker sends it when it can. Answered `Bought`,
    /// `AlreadyClaimed` (this device claimed the code before) or `Refused`.
    Claim(ClaimRequest),
    /// The kiosk key's signed registration, for the signed-in merchant to certify (made on
    /// first use). Answered `Registration`.
    KioskKey,
    /// Keep the kiosk's certificate and the vouchers it may look up by short code.
    KioskSetup { certificate: Signed<DeviceCertificate>, vouchers: Vec<KioskVoucher> },
    /// Answered `Kiosk`.
    KioskStatus,
    /// How the image cache has done so far (answered `ImageStats`).
    ImageStats,
    /// The collector's limit on the space images may take on this device (the worker uses the
    /// smaller of it and its share of the storage quota). Answered `ImageStats`.
    ImageBudget {
        /// Bytes; 0 removes the collector's limit.
        max_bytes: u64,
    },
    /// Picture variants the page has shown (`public/boot.js`). Where the browser answers
    /// pictures from the image cache itself (a static route), the worker sees neither hits nor
    /// misses: this is how it counts them, marks them used, and keeps what the browser fetched
    /// past it (from the HTTP cache only, never the network). Not answered.
    PicturesShown {
        /// Same-origin `/media/v/` URLs; anything else is ignored.
        urls: Vec<String>,
    },
}

/// Most URLs one `PicturesShown` is read for: a gallery shows a few dozen.
pub const MAX_PICTURES_SHOWN: usize = 200;

/// The image cache's counters since this device first installed Vitrine, plus its size now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageCacheStats {
    /// Answered from the cache.
    pub hits: u64,
    /// Not in the cache (fetched, or answered by a fallback when offline).
    pub misses: u64,
    /// Offline misses answered by another cached size of the same image.
    pub fallbacks: u64,
    /// Offline misses answered by the "available when online" placeholder.
    pub placeholders: u64,
    /// Entries removed to stay within the bounds.
    pub evictions: u64,
    /// Entries in the cache now.
    pub entries: u64,
    /// Bytes of image bodies in the cache now.
    pub bytes: u64,
    /// The byte bound in force (a share of the storage quota, capped).
    pub byte_budget: u64,
}

/// What the buyer asked for, as the item page knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// Made by the page when the buyer first presses Buy and reused if they press again (after
    /// a timeout, say): it becomes the intent's id, so one purchase is one order.
    pub id: IntentId,
    /// The item bought.
    pub item: ItemId,
    /// Its title, kept on the receipt so it reads well offline.
    pub title: String,
    /// How many editions.
    pub quantity: u32,
    /// The server-signed price relied on.
    pub quote: Signed<Quote>,
    /// How the buyer pays.
    pub payment: Payment,
    /// Optional contact details.
    pub buyer: Buyer,
    /// The work's drop, when it is in one.
    #[serde(default)]
    pub drop: Option<DropInfo>,
    /// The page's estimate of the server's clock minus this device's (ms): the intent is
    /// dated on the server's clock, so "signed during the drop" means the same on both.
    #[serde(default)]
    pub clock_offset_ms: i64,
}

/// The worker's answer to one [`PageRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerReply {
    /// The purchase checked is within the device's offline budget.
    Allowed {
        /// What it would cost.
        total: Money,
    },
    /// The receipt of an intent just stored.
    Bought(Box<Receipt>),
    /// A purchase the device refuses to make, with the reason in plain words.
    Refused {
        /// Why, for the buyer.
        reason: String,
    },
    /// Answer to `Receipts`.
    Receipts {
        /// Newest first.
        receipts: Vec<Receipt>,
        /// Saved purchases the worker could not read (set aside, never deleted): the buyer
        /// is told they need attention.
        #[serde(default)]
        needs_attention: u32,
    },
    /// Answer to `ImageStats`.
    ImageStats(ImageCacheStats),
    /// Answer to `ClaimCheck`.
    Voucher(Box<VoucherView>),
    /// This device claimed the code already, at `at`: nothing new was stored.
    AlreadyClaimed { at: UnixMillis, receipt: Box<Receipt> },
    /// Answer to `KioskKey`.
    Registration(Signed<DeviceRegistration>),
    /// Answer to `KioskStatus` and `KioskSetup`.
    Kiosk(KioskState),
    /// Whether everything the storefront needs offline is saved (`PageRequest::OfflineReady`).
    OfflineReady { ready: bool },
    /// The request was carried out.
    Done,
    /// The worker failed (storage unavailable…); nothing was stored.
    Failed {
        /// What went wrong.
        message: String,
    },
}

/// Sent by the worker to every open page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerNotice {
    /// Re-read the receipts.
    ReceiptChanged {
        /// Which one.
        id: IntentId,
    },
    /// The worker has just saved everything the storefront needs offline (a first install
    /// takes control before the lazily loaded parts and the catalog are in).
    OfflineReady,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_tagged_json() {
        let json = serde_json::to_string(&PageRequest::Replay { force: true }).unwrap();
        assert_eq!(json, r#"{"replay":{"force":true}}"#);
        let back: PageRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, PageRequest::Replay { force: true });
        let notice: WorkerNotice = serde_json::from_str(
            r#"{"receipt_changed":{"id":"01890a5d-ac96-774b-bcce-b302099a8057"}}"#,
        )
        .unwrap();
        assert!(matches!(notice, WorkerNotice::ReceiptChanged { .. }));
        let ready: WorkerNotice = serde_json::from_str(r#""offline_ready""#).unwrap();
        assert_eq!(ready, WorkerNotice::OfflineReady);
        let reply = serde_json::to_string(&WorkerReply::OfflineReady { ready: true }).unwrap();
        assert_eq!(reply, r#"{"offline_ready":{"ready":true}}"#);
    }

    /// What `public/boot.js` sends after showing pictures.
    #[test]
    fn the_pages_report_of_pictures_shown_reads_as_boot_js_writes_it() {
        let boot = include_str!("../../../public/boot.js");
        assert!(boot.contains("JSON.stringify({ pictures_shown: { urls } })"));
        // No more in one message than the worker reads.
        assert!(boot.contains(&format!("unsent.splice(0, {MAX_PICTURES_SHOWN})")));
        // The shim tells it from a page's start by its first bytes.
        let shim = include_str!("../../../public/sw.js");
        assert!(shim.contains(r#"e.data.startsWith('{"pictures_shown"')"#));
        let shown: PageRequest =
            serde_json::from_str(r#"{"pictures_shown":{"urls":["/media/v/1-a/480.webp"]}}"#)
                .unwrap();
        assert_eq!(
            shown,
            PageRequest::PicturesShown { urls: vec!["/media/v/1-a/480.webp".into()] }
        );
    }

    /// The spellings the browser tests and the claims bench send to the worker.
    #[test]
    fn claim_and_kiosk_messages_read_as_scripts_write_them() {
        let key: PageRequest = serde_json::from_str(r#""kiosk_key""#).unwrap();
        assert_eq!(key, PageRequest::KioskKey);
        let status: PageRequest = serde_json::from_str(r#""kiosk_status""#).unwrap();
        assert_eq!(status, PageRequest::KioskStatus);
        let claim: PageRequest = serde_json::from_str(
            r#"{"claim":{"code":"12-7","title":"","payment":null,"buyer":{},"clock_offset_ms":0,"kiosk":true}}"#,
        )
        .unwrap();
        let PageRequest::Claim(request) = claim else { panic!("a claim") };
        assert!(request.kiosk && request.payment.is_none());
        let state =
            WorkerReply::Kiosk(KioskState { certified_until: None, waiting: 3, vouchers: 0 });
        assert_eq!(
            serde_json::to_string(&state).unwrap(),
            r#"{"kiosk":{"certified_until":null,"waiting":3,"vouchers":0}}"#
        );
    }
}
