//! `media/v/manifest.json`: every original and every variant made of it, with sizes in pixels
//! and bytes. Written by the pipeline, read by the server at start.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vitrine_protocol::{ImageFormat, Picture};

/// Where the variants and the manifest live, inside the media folder (served as `/media/v/`).
pub const VARIANTS_DIR: &str = "v";
pub const FILE_NAME: &str = "manifest.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Keyed by the original's file stem (`101-3fa2…` for `originals/101-3fa2….jpg`).
    pub images: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Path of the original, relative to the media folder.
    pub original: String,
    pub original_bytes: u64,
    pub width: u32,
    pub height: u32,
    /// URL prefix of every variant.
    pub base: String,
    /// ThumbHash, standard base64.
    pub placeholder: String,
    /// Largest first.
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// File name inside `base`.
    pub file: String,
    pub format: ImageFormat,
    pub lite: bool,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
    pub bytes: u64,
}

impl Entry {
    /// What the catalog API sends: the widths present in *both* formats, so any `srcset` the
    /// app builds names only files that exist.
    pub fn picture(&self) -> Picture {
        let widths = |lite: bool| {
            let mut out: Vec<u32> = self
                .variants
                .iter()
                .filter(|v| v.lite == lite && v.format == ImageFormat::Webp)
                .filter(|v| {
                    self.variants.iter().any(|j| {
                        j.lite == lite && j.format == ImageFormat::Jpeg && j.width == v.width
                    })
                })
                .map(|v| v.width)
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        };
        Picture {
            base: self.base.clone(),
            width: self.width,
            height: self.height,
            widths: widths(false),
            lite: widths(true),
            placeholder: self.placeholder.clone(),
        }
    }
}

/// Read the manifest in `media`; a missing one is an empty manifest (no pipeline run yet).
pub fn load(media: &Path) -> std::io::Result<Manifest> {
    let path = media.join(VARIANTS_DIR).join(FILE_NAME);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(e) => Err(e),
    }
}
