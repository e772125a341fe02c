//! ThumbHash → a tiny BMP data URL: a picture's preview, drawn behind it by the page until (or
//! instead of) the real one, and inside the worker's offline stand-in for a picture it never
//! kept.
//!
//! BMP because it needs no compressor: a ≤ 32 px preview is a few KB of memory, never sent over
//! the network, and the browser's own scaling blurs it nicely.

/// A `data:image/bmp;base64,…` URL for the ThumbHash in `hash_b64`, or `None` if it is not one.
pub fn data_url(hash_b64: &str) -> Option<String> {
    let hash = base64_decode(hash_b64)?;
    let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&hash).ok()?;
    let bmp = bmp(w, h, &rgba)?;
    Some(format!("data:image/bmp;base64,{}", base64_encode(&bmp)))
}

/// A 24-bit, bottom-up BMP (BITMAPINFOHEADER) of opaque RGBA pixels.
fn bmp(w: usize, h: usize, rgba: &[u8]) -> Option<Vec<u8>> {
    if w == 0 || h == 0 || rgba.len() != w * h * 4 {
        return None;
    }
    let row = (w * 3).div_ceil(4) * 4;
    let pixels = row * h;
    let size = u32::try_from(54 + pixels).ok()?;
    let mut out = Vec::with_capacity(54 + pixels);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&(w as i32).to_le_bytes());
    out.extend_from_slice(&(h as i32).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 24]);
    for y in (0..h).rev() {
        let start = out.len();
        for px in rgba[y * w * 4..(y + 1) * w * 4].chunks_exact(4) {
            out.extend_from_slice(&[px[2], px[1], px[0]]);
        }
        out.resize(start + row, 0);
    }
    Some(out)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().take_while(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar", &[0, 255, 128]] {
            assert_eq!(base64_decode(&base64_encode(s)).unwrap(), s);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert!(base64_decode("not base64!").is_none());
    }

    #[test]
    fn a_real_thumbhash_becomes_a_bmp() {
        // Made by the server's pipeline for a demo image.
        let url = data_url("KCsCDYBlh7OLeVhSdsiYQKqIn6r5").unwrap();
        let bytes = base64_decode(url.strip_prefix("data:image/bmp;base64,").unwrap()).unwrap();
        assert_eq!(&bytes[..2], b"BM");
        let w = i32::from_le_bytes(bytes[18..22].try_into().unwrap());
        let h = i32::from_le_bytes(bytes[22..26].try_into().unwrap());
        assert!(w > h && w <= 32 && h > 0, "{w}×{h} keeps the 3:2 landscape");
        assert_eq!(bytes.len(), 54 + ((w as usize * 3).div_ceil(4) * 4) * h as usize);
        assert!(data_url("").is_none());
    }
}
