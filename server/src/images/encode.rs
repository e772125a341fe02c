//! What variants each original gets, and the encoders that make them.
//!
//! Quality falls as width grows: small images are viewed at DPR 2–3 where artefacts show, large
//! ones are mostly downscaled by the browser. Lite variants (Save-Data, slow links) trade
//! visible quality for bytes and stop at 480 px.

use image::imageops::{self, FilterType};
use image::RgbImage;
use vitrine_protocol::ImageFormat;

/// Bump when anything below changes the output bytes: it is hashed into every variant URL.
pub const PIPELINE_VERSION: u32 = 1;

/// Full-quality widths, in both formats.
pub const WIDTHS: [u32; 7] = [160, 320, 480, 640, 960, 1280, 1920];
/// Lite widths, in both formats.
pub const LITE_WIDTHS: [u32; 3] = [160, 320, 480];

/// One file to produce from an original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub width: u32,
    pub format: ImageFormat,
    pub lite: bool,
    pub quality: u8,
}

pub fn quality(width: u32, format: ImageFormat, lite: bool) -> u8 {
    match (lite, format) {
        (true, ImageFormat::Jpeg) => 45,
        (true, ImageFormat::Webp) => 40,
        (false, ImageFormat::Jpeg) if width <= 320 => 82,
        (false, ImageFormat::Webp) if width <= 320 => 80,
        (false, ImageFormat::Jpeg) if width <= 640 => 76,
        (false, ImageFormat::Webp) if width <= 640 => 74,
        (false, ImageFormat::Jpeg) => 70,
        (false, ImageFormat::Webp) => 68,
    }
}

/// Every variant of an original `original_width` pixels wide, largest first (each is resized
/// from the previous, which keeps the work proportional to the output). Never upscales: an
/// original narrower than a step gets that step at its own width instead.
pub fn plan(original_width: u32) -> Vec<Planned> {
    let mut widths: Vec<(u32, bool)> = WIDTHS
        .iter()
        .map(|&w| (w.min(original_width), false))
        .chain(LITE_WIDTHS.iter().map(|&w| (w.min(original_width), true)))
        .collect();
    widths.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    widths.dedup();
    widths
        .into_iter()
        .flat_map(|(width, lite)| {
            [ImageFormat::Webp, ImageFormat::Jpeg].map(|format| Planned {
                width,
                format,
                lite,
                quality: quality(width, format, lite),
            })
        })
        .collect()
}

/// A string that changes whenever `plan`'s output would: hashed into variant URLs.
pub fn settings_fingerprint() -> String {
    let p: Vec<String> = plan(u32::MAX)
        .iter()
        .map(|v| format!("{}{:?}{}{}", v.width, v.format, v.lite, v.quality))
        .collect();
    format!("v{PIPELINE_VERSION}:{}", p.join(","))
}

/// Downscale to `width`, keeping the aspect ratio.
pub fn resize(source: &RgbImage, width: u32, height: u32) -> RgbImage {
    if source.width() == width && source.height() == height {
        return source.clone();
    }
    imageops::resize(source, width, height, FilterType::CatmullRom)
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("image too large for JPEG: {0}×{1}")]
    TooLarge(u32, u32),
    #[error("JPEG: {0}")]
    Jpeg(#[from] jpeg_encoder::EncodingError),
    #[error("WebP: {0:?}")]
    Webp(webp::WebPEncodingError),
}

pub fn encode(image: &RgbImage, format: ImageFormat, quality: u8) -> Result<Vec<u8>, EncodeError> {
    match format {
        ImageFormat::Jpeg => {
            let (w, h) = (image.width(), image.height());
            let too_large = || EncodeError::TooLarge(w, h);
            let w16 = u16::try_from(w).map_err(|_| too_large())?;
            let h16 = u16::try_from(h).map_err(|_| too_large())?;
            let mut out = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
            encoder.set_progressive(true);
            encoder.set_optimized_huffman_tables(true);
            encoder.encode(image.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)?;
            Ok(out)
        }
        ImageFormat::Webp => webp::Encoder::from_rgb(image.as_raw(), image.width(), image.height())
            .encode_simple(false, f32::from(quality))
            .map(|memory| memory.to_vec())
            .map_err(EncodeError::Webp),
    }
}

/// ThumbHash of the image: a ~25-byte blurred preview, encoded in standard base64.
pub fn placeholder(image: &RgbImage) -> String {
    use base64::Engine;
    let scale = 100.0 / f64::from(image.width().max(image.height()).max(1));
    let w = ((f64::from(image.width()) * scale).round() as u32).clamp(1, 100);
    let h = ((f64::from(image.height()) * scale).round() as u32).clamp(1, 100);
    let small = imageops::resize(image, w, h, FilterType::Triangle);
    let rgba: Vec<u8> = small.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let hash = thumbhash::rgba_to_thumb_hash(w as usize, h as usize, &rgba);
    base64::engine::general_purpose::STANDARD.encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_never_upscales_and_covers_both_formats() {
        let p = plan(2400);
        assert_eq!(p.len(), (WIDTHS.len() + LITE_WIDTHS.len()) * 2);
        assert!(p.windows(2).all(|w| w[0].width >= w[1].width), "largest first");
        let narrow = plan(300);
        assert!(narrow.iter().all(|v| v.width <= 300));
        assert!(narrow.iter().any(|v| v.width == 300 && !v.lite));
        assert!(narrow.iter().all(|v| v.quality > 0 && v.quality <= 100));
    }

    #[test]
    fn lite_is_lower_quality() {
        for w in LITE_WIDTHS {
            for f in [ImageFormat::Jpeg, ImageFormat::Webp] {
                assert!(quality(w, f, true) < quality(w, f, false));
            }
        }
    }
}
