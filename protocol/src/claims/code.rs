//! A voucher's bytes as decimal digits: each 7 bytes (56 bits) become 17 digits, zero-padded;
//! a shorter last chunk takes the fewest digits that hold it. Decoding refuses a chunk whose
//! number does not fit its bytes, so every voucher has exactly one code.

use std::fmt::Write;

use super::VOUCHER_LEN;

const CHUNK: usize = 7;

/// Digits for a chunk of `n` bytes: the length of `256^n - 1` in decimal.
fn digits_for(n: usize) -> usize {
    [0, 3, 5, 8, 10, 13, 15, 17][n]
}

/// Length of a voucher's code.
pub const CODE_LEN: usize =
    (VOUCHER_LEN / CHUNK) * 17 + [0, 3, 5, 8, 10, 13, 15, 17][VOUCHER_LEN % CHUNK];

pub fn encode(bytes: &[u8; VOUCHER_LEN]) -> String {
    let mut out = String::with_capacity(CODE_LEN);
    for chunk in bytes.chunks(CHUNK) {
        let n = chunk.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
        let _ = write!(out, "{n:0width$}", width = digits_for(chunk.len()));
    }
    out
}

/// The bytes of a code; spaces and dashes are skipped (people type codes in groups).
pub fn decode(text: &str) -> Option<[u8; VOUCHER_LEN]> {
    let digits: Vec<u8> = text.bytes().filter(|b| *b != b' ' && *b != b'-').collect();
    if digits.len() != CODE_LEN || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut out = [0u8; VOUCHER_LEN];
    let (mut at, mut byte) = (0, 0);
    while byte < VOUCHER_LEN {
        let len = CHUNK.min(VOUCHER_LEN - byte);
        let width = digits_for(len);
        let n = digits[at..at + width]
            .iter()
            .try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))?;
        if n >> (8 * len) != 0 {
            return None;
        }
        out[byte..byte + len].copy_from_slice(&n.to_be_bytes()[8 - len..]);
        at += width;
        byte += len;
    }
    Some(out)
}
