//! App icons drawn at build time (no binary files in the repo) and the web app manifest.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use image::{ImageEncoder, Rgba, RgbaImage};

pub const THEME_COLOUR: &str = "#1b2048";
const BACKGROUND: [u8; 4] = [27, 32, 72, 255];
const MARK: [u8; 4] = [255, 191, 0, 255];

pub struct Icon {
    pub name: &'static str,
    size: u32,
    maskable: bool,
}

pub const ICONS: [Icon; 3] = [
    Icon { name: "icon-192.png", size: 192, maskable: false },
    Icon { name: "icon-512.png", size: 512, maskable: false },
    Icon { name: "icon-maskable-512.png", size: 512, maskable: true },
];

/// A "V" monogram. Maskable icons fill the square and keep the mark inside the central safe
/// zone (a circle of 80% diameter); plain icons are a rounded tile on transparency.
pub fn png(icon: &Icon) -> Result<Vec<u8>> {
    let n = icon.size as f32;
    let scale = if icon.maskable { 0.6 } else { 0.85 };
    let image = RgbaImage::from_fn(icon.size, icon.size, |x, y| {
        // 4×4 supersampling for smooth edges without a rasteriser dependency.
        let mut cover = [0.0f32; 2];
        for sy in 0..4 {
            for sx in 0..4 {
                let u = (x as f32 + (sx as f32 + 0.5) / 4.0) / n;
                let v = (y as f32 + (sy as f32 + 0.5) / 4.0) / n;
                if icon.maskable || in_rounded_square(u, v, 0.18) {
                    cover[0] += 1.0 / 16.0;
                    let (mu, mv) = ((u - 0.5) / scale + 0.5, (v - 0.5) / scale + 0.5);
                    if in_v(mu, mv) {
                        cover[1] += 1.0 / 16.0;
                    }
                }
            }
        }
        let mix = |i: usize| BACKGROUND[i] as f32 * (1.0 - cover[1]) + MARK[i] as f32 * cover[1];
        let alpha = cover[0] * 255.0;
        Rgba([mix(0) as u8, mix(1) as u8, mix(2) as u8, alpha as u8])
    });
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(image.as_raw(), icon.size, icon.size, image::ExtendedColorType::Rgba8)
        .context("encoding icon")?;
    Ok(bytes)
}

fn in_rounded_square(u: f32, v: f32, r: f32) -> bool {
    let dx = (r - u).max(u - (1.0 - r)).max(0.0);
    let dy = (r - v).max(v - (1.0 - r)).max(0.0);
    dx * dx + dy * dy <= r * r
}

/// Two thick strokes meeting at the bottom.
fn in_v(u: f32, v: f32) -> bool {
    let near = |(ax, ay): (f32, f32), (bx, by): (f32, f32)| {
        let (dx, dy) = (bx - ax, by - ay);
        let t = (((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
        let (px, py) = (ax + t * dx - u, ay + t * dy - v);
        (px * px + py * py).sqrt() < 0.075
    };
    near((0.28, 0.25), (0.5, 0.76)) || near((0.72, 0.25), (0.5, 0.76))
}

/// The installable-PWA manifest, pointing at the hashed icons.
pub fn web_manifest(assets: &BTreeMap<String, String>) -> Result<String> {
    let url = |name: &str| assets.get(name).cloned().context(format!("{name} not built"));
    let manifest = serde_json::json!({
        "name": "Vitrine",
        "short_name": "Vitrine",
        "description": "Browse and buy digital art, even offline.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": THEME_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": [
            { "src": url("icon-192.png")?, "sizes": "192x192", "type": "image/png" },
            { "src": url("icon-512.png")?, "sizes": "512x512", "type": "image/png" },
            { "src": url("icon-maskable-512.png")?, "sizes": "512x512", "type": "image/png",
              "purpose": "maskable" },
        ],
    });
    Ok(serde_json::to_string_pretty(&manifest)?)
}
