//! The sandbox card rail's name and test cards: the server settles with them, the app offers
//! them. No real money moves on a sandbox.

/// The rail name intents use.
pub const CARD_RAIL: &str = "sandbox-card";
/// Approves.
pub const APPROVE: &str = "4242424242424242";
/// Declines.
pub const DECLINE: &str = "4000000000000002";
/// Stays pending for two seconds, then approves.
pub const APPROVE_AFTER_DELAY: &str = "4000000000003220";
/// Approves; the buyer disputes it three days later and wins ten days after that.
pub const DISPUTE: &str = "4000000000000259";
