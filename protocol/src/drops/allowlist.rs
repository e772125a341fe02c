//! A drop's allowlist, committed as a Merkle root (as SeaDrop does): the server keeps the root
//! in the drop's terms and checks a buyer's proof against it, so honouring a listed buyer
//! needs no list lookup in the writer.
//!
//! Leaves are `sha256("vitrine/allowlist-leaf/v1\0" ‖ entry)`, the entry an email or wallet
//! address trimmed and lowercased; a node is `sha256("vitrine/allowlist-node/v1\0" ‖ lo ‖ hi)`
//! of its two children in byte order, so a proof is just the siblings from leaf to root. The
//! leaves are sorted and deduplicated; an odd node at the end of a level moves up unchanged.
//! The server computes the leaf from the intent's signed email or wallet itself, so a proof can
//! only ever vouch for a listed entry.

use sha2::{Digest, Sha256};

/// A leaf, node or root.
pub type Hash = [u8; 32];

/// Most entries one allowlist may hold (a proof is then at most 17 hashes).
pub const MAX_ENTRIES: usize = 100_000;

/// The leaf of an email or wallet address.
pub fn leaf(entry: &str) -> Hash {
    let mut h = Sha256::new();
    h.update(b"vitrine/allowlist-leaf/v1\0");
    h.update(entry.trim().to_lowercase().as_bytes());
    h.finalize().into()
}

fn node(a: &Hash, b: &Hash) -> Hash {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut h = Sha256::new();
    h.update(b"vitrine/allowlist-node/v1\0");
    h.update(lo);
    h.update(hi);
    h.finalize().into()
}

/// The tree's levels, leaves first (sorted, deduplicated), root last.
fn levels(mut leaves: Vec<Hash>) -> Vec<Vec<Hash>> {
    leaves.sort_unstable();
    leaves.dedup();
    let mut levels = vec![leaves];
    while let Some(level) = levels.last().filter(|l| l.len() > 1) {
        let up = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => node(a, b),
                [a] => *a,
                _ => [0; 32],
            })
            .collect();
        levels.push(up);
    }
    levels
}

/// The root over `leaves`; `None` for an empty list (a drop with an allowlist needs entries).
pub fn root(leaves: Vec<Hash>) -> Option<Hash> {
    levels(leaves).last().and_then(|top| top.first().copied())
}

/// The proof that `leaf` is among `leaves`, if it is.
pub fn proof(leaves: Vec<Hash>, leaf: &Hash) -> Option<Vec<Hash>> {
    let levels = levels(leaves);
    let mut index = levels.first()?.binary_search(leaf).ok()?;
    let mut path = Vec::new();
    for level in &levels[..levels.len() - 1] {
        if let Some(sibling) = level.get(index ^ 1) {
            path.push(*sibling);
        }
        index /= 2;
    }
    Some(path)
}

/// Whether `proof` leads from `leaf` to `root`.
pub fn verify(root: &Hash, leaf: &Hash, proof: &[Hash]) -> bool {
    proof.len() <= 64 && proof.iter().fold(*leaf, |acc, sibling| node(&acc, sibling)) == *root
}

/// A hash as lowercase hex, as it travels.
pub fn to_hex(hash: &Hash) -> String {
    hex::encode(hash)
}

/// A hash from 64 hex digits.
pub fn from_hex(s: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok().map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf(&format!("buyer{i}@example.com"))).collect()
    }

    #[test]
    fn every_listed_entry_proves_and_no_other_does() {
        for n in [1, 2, 3, 7, 8, 33] {
            let leaves = list(n);
            let root = root(leaves.clone()).expect("a root");
            for l in &leaves {
                let p = proof(leaves.clone(), l).expect("listed");
                assert!(verify(&root, l, &p), "n={n}");
            }
            let stranger = leaf("stranger@example.com");
            assert_eq!(proof(leaves.clone(), &stranger), None);
            // A proof for someone else does not carry a stranger.
            let p = proof(leaves.clone(), &leaves[0]).unwrap_or_default();
            assert!(!verify(&root, &stranger, &p), "n={n}");
        }
    }

    #[test]
    fn entries_are_spelled_one_way_and_order_does_not_matter() {
        assert_eq!(leaf(" Ada@Example.COM "), leaf("ada@example.com"));
        let mut shuffled = list(9);
        shuffled.reverse();
        assert_eq!(root(list(9)), root(shuffled));
        assert_eq!(root(Vec::new()), None);
    }

    #[test]
    fn a_changed_or_shortened_proof_fails() {
        let leaves = list(16);
        let root = root(leaves.clone()).unwrap_or_default();
        let p = proof(leaves.clone(), &leaves[5]).unwrap_or_default();
        assert_eq!(p.len(), 4);
        assert!(verify(&root, &leaves[5], &p));
        assert!(!verify(&root, &leaves[5], &p[..3]));
        let mut changed = p.clone();
        changed[2][0] ^= 1;
        assert!(!verify(&root, &leaves[5], &changed));
    }

    #[test]
    fn hex_round_trips() {
        let h = leaf("x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex("zz"), None);
    }
}
