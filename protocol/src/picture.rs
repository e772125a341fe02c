//! Responsive pictures: every variant of one image lives under one URL prefix, so a catalog entry
//! names a whole `srcset` in a few bytes and the app, the worker and the server build the same
//! URLs.

use serde::{Deserialize, Serialize};

/// Where every picture variant is served. Content-addressed (each folder is named after a hash
/// of its original), so a variant once kept stays right: the worker keeps them across releases,
/// and `public/sw.js` routes this prefix to the image cache.
pub const VARIANTS_PATH: &str = "/media/v/";

/// Whether a URL's `path` (no origin) is a picture variant's.
pub fn is_variant_path(path: &str) -> bool {
    path.starts_with(VARIANTS_PATH)
}

/// An encoding the pipeline produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Progressive JPEG: every browser.
    Jpeg,
    /// Lossy WebP: smaller, every current browser.
    Webp,
}

impl ImageFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }

    /// The `Content-Type` / `<source type>`.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }
}

/// One image in every size the pipeline made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picture {
    /// URL prefix shared by every variant, ending in `/`; it carries a hash of the original and
    /// of the encoding settings, so the URLs are immutable.
    pub base: String,
    /// Intrinsic width of the original, in pixels (with `height`: the aspect ratio to reserve).
    pub width: u32,
    /// Intrinsic height of the original, in pixels.
    pub height: u32,
    /// Widths available in both formats at full quality, ascending.
    pub widths: Vec<u32>,
    /// Smaller, lower-quality widths for Save-Data and slow links, ascending.
    pub lite: Vec<u32>,
    /// ThumbHash of the image, standard base64: a blurred preview in ~30 bytes.
    pub placeholder: String,
}

impl Picture {
    /// URL of one variant.
    pub fn url(&self, width: u32, format: ImageFormat, lite: bool) -> String {
        let suffix = if lite { "-lite" } else { "" };
        format!("{}{width}{suffix}.{}", self.base, format.extension())
    }

    /// Height of a variant `width` pixels wide, keeping the aspect ratio.
    pub fn height_at(&self, width: u32) -> u32 {
        let h = u64::from(width) * u64::from(self.height) / u64::from(self.width.max(1));
        u32::try_from(h).unwrap_or(u32::MAX).max(1)
    }

    /// A `srcset` attribute value: `url 160w, url 320w, …`.
    pub fn srcset(&self, format: ImageFormat, lite: bool) -> String {
        let widths = if lite { &self.lite } else { &self.widths };
        widths
            .iter()
            .map(|&w| format!("{} {w}w", self.url(w, format, lite)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_srcset() {
        let p = Picture {
            base: "/media/v/101-ab12cd34/".into(),
            width: 2400,
            height: 1600,
            widths: vec![160, 320],
            lite: vec![160],
            placeholder: String::new(),
        };
        assert_eq!(p.url(320, ImageFormat::Webp, false), "/media/v/101-ab12cd34/320.webp");
        assert_eq!(p.url(160, ImageFormat::Jpeg, true), "/media/v/101-ab12cd34/160-lite.jpg");
        assert_eq!(
            p.srcset(ImageFormat::Jpeg, false),
            "/media/v/101-ab12cd34/160.jpg 160w, /media/v/101-ab12cd34/320.jpg 320w"
        );
        assert_eq!(p.height_at(480), 320);
    }
}
