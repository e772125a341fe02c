//! What an uploaded original is, from its bytes, never from its name or the `Content-Type` the
//! client claims: JPEG, PNG or WebP by their signatures, then the dimensions from the header
//! (the full decode happens in the image worker, off the request).

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// Smallest side an original may have: the smallest variant is 160 px wide.
pub const MIN_SIDE: u32 = 160;
/// Largest side, and most pixels, an original may have (a decompression bomb is refused
/// before anything decodes it).
pub const MAX_SIDE: u32 = 12_000;
pub const MAX_PIXELS: u64 = 80_000_000;

/// An original that passed the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Original {
    /// The file extension it is stored under.
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Check `bytes` are a JPEG, PNG or WebP of a usable size; the problem in words otherwise.
pub fn sniff(bytes: &[u8]) -> Result<Original, String> {
    let (format, extension) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (ImageFormat::Jpeg, "jpg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (ImageFormat::Png, "png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        (ImageFormat::WebP, "webp")
    } else {
        return Err("upload a JPEG, PNG or WebP image".into());
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| "the image is damaged: its header cannot be read".to_owned())?;
    if width.min(height) < MIN_SIDE {
        return Err(format!("the image is {width} × {height} px; each side needs {MIN_SIDE} px"));
    }
    if width.max(height) > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "the image is {width} × {height} px; at most {MAX_SIDE} px a side and 80 megapixels"
        ));
    }
    Ok(Original { extension, width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::new(width, height)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn the_bytes_decide_what_an_upload_is() {
        assert_eq!(
            sniff(&png(300, 200)),
            Ok(Original { extension: "png", width: 300, height: 200 })
        );
        assert!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err());
        assert!(sniff(b"GIF89a").is_err());
        let mut truncated = png(300, 200);
        truncated.truncate(12);
        assert!(sniff(&truncated).unwrap_err().contains("damaged"));
        assert!(sniff(&png(100, 400)).unwrap_err().contains("160 px"));
        assert!(sniff(&png(12_001, 160)).unwrap_err().contains("at most"));
    }
}
