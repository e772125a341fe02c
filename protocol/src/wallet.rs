//! Wallet addresses: the Buy form checks one before signing, the server at the door, and the
//! chain rails before minting to it.

/// Whether `s` is an EVM-style wallet address: `0x` and 40 hex digits, any case. No EIP-55
/// checksum: a mixed-case address with a wrong checksum is still accepted (as many wallets do).
pub fn is_address(s: &str) -> bool {
    s.strip_prefix("0x").is_some_and(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_0x_and_forty_hex_digits() {
        assert!(is_address("0x52908400098527886E0F7030069857D2E4169EE7"));
        assert!(is_address(&format!("0x{}", "ab".repeat(20))));
        for bad in [
            "",
            "0x",
            "52908400098527886E0F7030069857D2E4169EE7",
            "0X52908400098527886E0F7030069857D2E4169EE7",
            "0x52908400098527886E0F7030069857D2E4169EE",
            "0x52908400098527886E0F7030069857D2E4169EEZ",
            "0x52908400098527886E0F7030069857D2E4169EE77",
        ] {
            assert!(!is_address(bad), "{bad:?}");
        }
    }
}
