//! The sandbox rails' names and test cards and wallets: the server settles with them, the app
//! offers them. No real money moves on a sandbox.

/// The card rail's name, as intents use it.
pub const CARD_RAIL: &str = "sandbox-card";
/// Approves.
pub const APPROVE: &str = "4242424242424242";
/// Declines.
pub const DECLINE: &str = "4000000000000002";
/// Stays pending for two seconds, then approves.
pub const APPROVE_AFTER_DELAY: &str = "4000000000003220";
/// Approves; the buyer disputes it three days later and wins ten days after that.
pub const DISPUTE: &str = "4000000000000259";

/// The rail that pays a USD price in USDC on the sandbox L2 rollup, as intents use it; the
/// payment token is the buyer's paying wallet address.
pub const USDC_RAIL: &str = "sandbox-l2-usdc";
/// The same rail on the sandbox L1: the transfer goes into the chain's own blocks.
pub const USDC_L1_RAIL: &str = "sandbox-l1-usdc";
/// Pays, on either chain: its transfer is in the chain's next block, and the payment is taken
/// once that block is final (on the L2, once its batch is final on the L1)
/// ("sandbox-usdc-payer-1" in hex).
pub const USDC_PAYS: &str = "0x73616e64626f782d757364632d70617965722d31";
/// Declines with "insufficient USDC" on either chain: nothing is sent ("sandbox-usdc-broke-1"
/// in hex).
pub const USDC_DECLINES: &str = "0x73616e64626f782d757364632d62726f6b652d31";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wallet::is_address;

    #[test]
    fn the_test_wallets_are_wallet_addresses() {
        assert!(is_address(USDC_PAYS) && is_address(USDC_DECLINES));
        assert_ne!(USDC_PAYS, USDC_DECLINES);
        assert_ne!(USDC_RAIL, USDC_L1_RAIL);
    }
}
