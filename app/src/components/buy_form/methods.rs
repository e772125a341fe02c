//! The ways to pay the Buy form offers: the sandbox card's test cards, and for a dollar price
//! the sandbox USDC wallets on either chain. No real money moves on a sandbox.

use vitrine_protocol::{sandbox, Currency};

/// The sandbox rail's test cards. No real money moves.
pub const CARDS: [(&str, &str); 3] = [
    (sandbox::APPROVE, "4242 4242 4242 4242 — approves"),
    (sandbox::APPROVE_AFTER_DELAY, "4000 0000 0000 3220 — approves after a delay"),
    (sandbox::DECLINE, "4000 0000 0000 0002 — is declined"),
];

/// The sandbox USDC wallets a buyer may pay from, on the L2 or the L1: a USD price only
/// (USDC is a dollar). Paid when the transfer's block is final: a minute or so on the
/// sandbox L2, under a minute on its L1. (rail, wallet, label): a wallet names one method.
const USDC_WALLETS: [(&str, &str, &str); 4] = [
    (sandbox::USDC_RAIL, sandbox::USDC_PAYS, "USDC on L2, sandbox wallet 0x7361…2d31 — pays"),
    (
        sandbox::USDC_RAIL,
        sandbox::USDC_DECLINES,
        "USDC on L2, sandbox wallet 0x7361…6b65 — is declined",
    ),
    (sandbox::USDC_L1_RAIL, sandbox::USDC_PAYS, "USDC on L1, sandbox wallet 0x7361…2d31 — pays"),
    (
        sandbox::USDC_L1_RAIL,
        sandbox::USDC_DECLINES,
        "USDC on L1, sandbox wallet 0x7361…6b65 — is declined",
    ),
];

/// One way to pay: its rail, the token the rail reads, its words, and its `<option>` value
/// (a card's number alone; a wallet with its rail, as one wallet pays on either chain).
pub(super) type Method = (&'static str, &'static str, &'static str, String);

/// Every way to pay a price in `currency`.
pub(super) fn methods(currency: Currency) -> Vec<Method> {
    let cards = CARDS.iter().map(|(token, label)| (sandbox::CARD_RAIL, *token, *label));
    let usdc = USDC_WALLETS.iter().copied().filter(|_| currency == Currency::USD);
    cards
        .chain(usdc)
        .map(|(rail, token, label)| {
            let value = if rail == sandbox::CARD_RAIL {
                token.to_owned()
            } else {
                format!("{rail} {token}")
            };
            (rail, token, label, value)
        })
        .collect()
}
