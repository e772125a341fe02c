//! The rules of the shop, with no HTTP in them: what makes an intent acceptable, how escrow
//! holds and releases stock, how orders settle, and merchants' credentials.

pub mod admission;
pub mod claim_sheet;
pub mod claims;
pub mod clock;
pub mod drops;
pub mod import;
pub mod ingest;
pub mod item_decisions;
pub mod keys;
pub mod ledger;
pub mod merchants;
pub mod metrics;
pub mod minter;
pub mod order_flow;
pub mod orders;
pub mod rate_limit;
pub mod reconcile;
pub mod reconciler;
pub mod refunds;
pub mod scheduling;
pub mod settlement;
pub mod settler;
pub mod slo;
pub mod supervisor;
pub mod traffic;
pub mod uploads;
pub mod verified;
pub mod verify;
