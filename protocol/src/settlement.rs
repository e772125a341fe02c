//! Where an order's money and its token stand, as a receipt shows them: the payment (fiat:
//! authorized, paid, refunded, disputed) and the chain (pending → confirmed 3/12 → final;
//! reorged → minting again), and one plain sentence with both for screen readers.

use serde::{Deserialize, Serialize};

use crate::Money;

/// The payment, as the buyer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The rail reserved the money; not taken yet.
    Authorized,
    Paid,
    /// Part of it was given back.
    PartlyRefunded,
    Refunded,
    /// The buyer disputed it; decided later.
    Disputed,
    /// The dispute went the buyer's way: the money went back through the rail.
    ChargedBack,
    /// A newer server's status.
    #[serde(other)]
    Unknown,
}

/// The token, as the buyer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MintStage {
    /// Sent to the chain, not in a block yet.
    Pending,
    /// In a block, `confirmations` of `needed`.
    Confirming,
    Final,
    /// The block holding it was reorganised away (or its batch reverted): minting again.
    Reorged,
    #[serde(other)]
    Unknown,
}

/// The token on its chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainProgress {
    /// The chain's name (`sandbox-l2`).
    pub chain: String,
    pub stage: MintStage,
    pub confirmations: u32,
    pub needed: u32,
    /// The mint transaction, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<u64>,
    /// Where the token goes: the buyer's wallet, or the shop's custody wallet.
    pub wallet: String,
    /// Whether `wallet` is the shop's custody wallet (the buyer gave none).
    pub custody: bool,
}

/// Both states of a paid order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub payment: PaymentStatus,
    /// The payment rail (`sandbox-card`).
    pub rail: String,
    /// Absent until the mint is sent, and for orders that are not minted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainProgress>,
}

/// How people name a rail or chain: `sandbox-card` → "card", `sandbox-l2` → "L2",
/// `sandbox-l2-usdc` → "USDC on L2", `sandbox-l1-usdc` → "USDC on L1".
pub fn rail_words(name: &str) -> String {
    let bare = name.strip_prefix("sandbox-").unwrap_or(name);
    match bare {
        "l1" | "l2" => bare.to_uppercase(),
        "l1-usdc" => "USDC on L1".into(),
        "l2-usdc" => "USDC on L2".into(),
        other => other.replace('-', " "),
    }
}

impl Settlement {
    /// Whether nothing more will change by itself: the payment decided and the token final.
    pub fn is_final(&self) -> bool {
        let money_done =
            !matches!(self.payment, PaymentStatus::Authorized | PaymentStatus::Disputed);
        let chain_done = self.chain.as_ref().is_some_and(|c| c.stage == MintStage::Final);
        money_done && (chain_done || self.payment != PaymentStatus::Paid)
    }

    /// "Paid 30.00 EUR by card."
    pub fn payment_text(&self, total: Money) -> String {
        if total.amount_minor == 0 {
            return "Claimed for free.".into();
        }
        let by = rail_words(&self.rail);
        match self.payment {
            PaymentStatus::Authorized => format!("{total} authorized by {by}, not yet taken."),
            PaymentStatus::Paid => format!("Paid {total} by {by}."),
            PaymentStatus::PartlyRefunded => format!("Paid {total} by {by}, partly refunded."),
            PaymentStatus::Refunded => format!("{total} refunded to your {by}."),
            PaymentStatus::Disputed => format!("{total} by {by}, disputed: being decided."),
            PaymentStatus::ChargedBack => format!("{total} returned to your {by} after a dispute."),
            PaymentStatus::Unknown => format!("{total} by {by}."),
        }
    }

    /// "Minted on L2, final." or "Not minted yet."
    pub fn chain_text(&self) -> String {
        let Some(chain) = &self.chain else { return "Not minted yet.".into() };
        let on = rail_words(&chain.chain);
        match chain.stage {
            MintStage::Pending => format!("Minting on {on}, waiting for a block."),
            MintStage::Confirming => format!(
                "Minting on {on}, confirmed {} of {}.",
                chain.confirmations.min(chain.needed),
                chain.needed
            ),
            MintStage::Final => format!("Minted on {on}, final."),
            MintStage::Reorged => format!("The {on} block was reorganised: minting again."),
            MintStage::Unknown => format!("Minting on {on}."),
        }
    }

    /// Both, in one sentence: "Paid 30.00 EUR by card; minted on L2, final."
    pub fn sentence(&self, total: Money) -> String {
        let payment = self.payment_text(total);
        let payment = payment.strip_suffix('.').unwrap_or(&payment);
        let chain = self.chain_text();
        let mut chars = chain.chars();
        let chain = match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect::<String>(),
            None => chain,
        };
        // "L2" stays a capital: only the sentence's first word is lowered.
        format!("{payment}; {chain}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn paid(chain: Option<ChainProgress>) -> Settlement {
        Settlement { payment: PaymentStatus::Paid, rail: "sandbox-card".into(), chain }
    }

    fn on_l2(stage: MintStage, confirmations: u32) -> ChainProgress {
        ChainProgress {
            chain: "sandbox-l2".into(),
            stage,
            confirmations,
            needed: 12,
            tx: None,
            token_id: None,
            wallet: "0x".into(),
            custody: false,
        }
    }

    #[test]
    fn one_plain_sentence_says_both_states() {
        let total = Money { amount_minor: 3_000, currency: Currency::EUR };
        let final_ = paid(Some(on_l2(MintStage::Final, 12)));
        assert_eq!(final_.sentence(total), "Paid 30.00 EUR by card; minted on L2, final.");
        assert!(final_.is_final());
        let confirming = paid(Some(on_l2(MintStage::Confirming, 3)));
        assert_eq!(
            confirming.sentence(total),
            "Paid 30.00 EUR by card; minting on L2, confirmed 3 of 12."
        );
        assert!(!confirming.is_final());
        assert!(!paid(None).is_final());
        let reorged = paid(Some(on_l2(MintStage::Reorged, 0)));
        assert_eq!(
            reorged.sentence(total),
            "Paid 30.00 EUR by card; the L2 block was reorganised: minting again."
        );
        let refunded = Settlement { payment: PaymentStatus::Refunded, ..paid(None) };
        assert!(refunded.is_final());
        let free = Money { amount_minor: 0, ..total };
        assert_eq!(final_.sentence(free), "Claimed for free; minted on L2, final.");
        let usdc = Settlement { rail: crate::sandbox::USDC_RAIL.into(), ..final_ };
        let dollars = Money { amount_minor: 1_500, currency: Currency::USD };
        assert_eq!(usdc.sentence(dollars), "Paid 15.00 USD by USDC on L2; minted on L2, final.");
    }

    #[test]
    fn each_rail_and_chain_has_a_name_for_people() {
        let named = [
            ("sandbox-card", "card"),
            ("sandbox-l1", "L1"),
            ("sandbox-l2", "L2"),
            (crate::sandbox::USDC_RAIL, "USDC on L2"),
            (crate::sandbox::USDC_L1_RAIL, "USDC on L1"),
        ];
        for (name, words) in named {
            assert_eq!(rail_words(name), words, "{name}");
        }
        let on_l1 = Settlement {
            payment: PaymentStatus::Authorized,
            rail: crate::sandbox::USDC_L1_RAIL.into(),
            chain: None,
        };
        let dollars = Money { amount_minor: 1_500, currency: Currency::USD };
        assert_eq!(
            on_l1.payment_text(dollars),
            "15.00 USD authorized by USDC on L1, not yet taken."
        );
    }

    #[test]
    fn a_newer_servers_stages_read_as_unknown() {
        let s: MintStage = serde_json::from_str(r#""burned""#).unwrap();
        assert_eq!(s, MintStage::Unknown);
    }
}
