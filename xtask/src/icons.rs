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

/// The "V": two strokes from the top corners to the bottom point, in a unit square.
const V_STROKES: [(f32, f32); 3] = [(0.28, 0.25), (0.5, 0.76), (0.72, 0.25)];
const V_HALF_WIDTH: f32 = 0.075;
/// A plain icon's tile corner radius, and how large the mark is drawn on it.
const CORNER: f32 = 0.18;
const PLAIN_SCALE: f32 = 0.85;

/// A "V" monogram. Maskable icons fill the square and keep the mark inside the central safe
/// zone (a circle of 80% diameter); plain icons are a rounded tile on transparency.
pub fn png(icon: &Icon) -> Result<Vec<u8>> {
    let n = icon.size as f32;
    let scale = if icon.maskable { 0.6 } else { PLAIN_SCALE };
    let image = RgbaImage::from_fn(icon.size, icon.size, |x, y| {
        // 4×4 supersampling for smooth edges without a rasteriser dependency.
        let mut cover = [0.0f32; 2];
        for sy in 0..4 {
            for sx in 0..4 {
                let u = (x as f32 + (sx as f32 + 0.5) / 4.0) / n;
                let v = (y as f32 + (sy as f32 + 0.5) / 4.0) / n;
                if icon.maskable || in_rounded_square(u, v, CORNER) {
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
        (px * px + py * py).sqrt() < V_HALF_WIDTH
    };
    let [left, bottom, right] = V_STROKES;
    near(left, bottom) || near(right, bottom)
}

/// The plain icon drawn as SVG, as a `data:` URL for the page's `<link rel="icon">`: the
/// browser fetches a favicon as soon as a page has loaded, and that fetch, ending before the
/// first frame, was what Lighthouse's simulation counted the largest paint as waiting on
/// (BENCHMARKS.md, issue 15, thirteenth part). In the page, there is nothing to fetch.
pub fn favicon_data_url() -> String {
    // The PNG's geometry, on a 100-unit tile.
    let at = |c: f32| format!("{:.1}", ((c - 0.5) * PLAIN_SCALE + 0.5) * 100.0);
    let points: Vec<String> =
        V_STROKES.iter().map(|&(u, v)| format!("{} {}", at(u), at(v))).collect();
    let colour = |[r, g, b, _]: [u8; 4]| format!("#{r:02x}{g:02x}{b:02x}");
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'>\
         <rect width='100' height='100' rx='{corner}' fill='{background}'/>\
         <path d='M{points}' fill='none' stroke='{mark}' stroke-width='{width:.2}' \
         stroke-linecap='round' stroke-linejoin='round'/></svg>",
        corner = CORNER * 100.0,
        background = colour(BACKGROUND),
        points = points.join(" "),
        mark = colour(MARK),
        width = V_HALF_WIDTH * 2.0 * PLAIN_SCALE * 100.0,
    );
    // Only what a URL in a double-quoted attribute cannot carry as it is.
    let escaped =
        svg.replace('%', "%25").replace('#', "%23").replace('<', "%3C").replace('>', "%3E");
    format!("data:image/svg+xml,{escaped}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_favicon_is_the_plain_icon_as_an_attribute_safe_data_url() {
        let url = favicon_data_url();
        let svg = url.strip_prefix("data:image/svg+xml,").expect("an SVG data URL");
        // Nothing that would end the attribute or the URL early, or start a fragment.
        assert!(!svg.contains(['"', '<', '>', '#', '\n']), "{svg}");
        // The PNG's geometry and colours: the mark's strokes, its width, the tile's corner.
        assert!(svg.contains("M31.3 28.8 50.0 72.1 68.7 28.8"), "{svg}");
        assert!(svg.contains("stroke-width='12.75'"), "{svg}");
        assert!(svg.contains("rx='18'") && svg.contains("%231b2048") && svg.contains("%23ffbf00"));
        assert_eq!(
            format!("#{:02x}{:02x}{:02x}", BACKGROUND[0], BACKGROUND[1], BACKGROUND[2]),
            THEME_COLOUR
        );
    }
}
