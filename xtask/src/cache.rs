//! A content-addressed cache for the build's slow steps (wasm-split, wasm-bindgen, wasm-opt,
//! brotli 11): each step's output is kept under the hash of everything it reads — its input
//! bytes, the tools' versions and flags — in `target/xtask-cache/`, so a build with nothing
//! changed copies instead of redoing, and builds A and B of the upgrade test each find theirs.
//! A key that matches is the same output by construction: the steps are deterministic.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::project_root;

fn root() -> PathBuf {
    project_root().join("target/xtask-cache")
}

/// The key of a step: its name and everything it reads, in order.
pub fn key(step: &str, parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    hash.update(step.as_bytes());
    for part in parts {
        // Lengths first, so two different splits of the same bytes never collide.
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    format!("{:x}", hash.finalize())
}

/// `out` as `make` writes it, from the cache when `key` was made before. `make` writes into
/// a fresh folder it is given; only a step that finished is kept.
pub fn folder(key: &str, out: &Path, make: impl FnOnce(&Path) -> Result<()>) -> Result<bool> {
    let kept = root().join(key);
    let hit = kept.is_dir();
    if !hit {
        let scratch = root().join(format!("{key}.partial"));
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch)?;
        }
        std::fs::create_dir_all(&scratch)?;
        make(&scratch)?;
        std::fs::rename(&scratch, &kept).context("keeping a build step's output")?;
    }
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    copy_dir(&kept, out)?;
    Ok(hit)
}

/// The bytes `make` derives from `input` (one file's compression), cached by `key`.
pub fn bytes(key: &str, make: impl FnOnce() -> Result<Vec<u8>>) -> Result<Vec<u8>> {
    let kept = root().join("bytes").join(key);
    if let Ok(bytes) = std::fs::read(&kept) {
        return Ok(bytes);
    }
    let made = make()?;
    std::fs::create_dir_all(root().join("bytes"))?;
    let scratch = kept.with_extension("partial");
    std::fs::write(&scratch, &made)?;
    std::fs::rename(&scratch, &kept)?;
    Ok(made)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// Write `bytes` to `path` only if they differ from what is there, so a file a build script
/// watches (`rerun-if-changed`) keeps its time when its content did not change.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_every_input_and_their_boundaries() {
        let a = key("opt", &[b"ab", b"c"]);
        assert_eq!(a, key("opt", &[b"ab", b"c"]));
        assert_ne!(a, key("opt", &[b"a", b"bc"]), "the same bytes split otherwise");
        assert_ne!(a, key("bindgen", &[b"ab", b"c"]), "another step");
        assert_ne!(a, key("opt", &[b"ab", b"d"]), "another input");
    }
}
