//! Deterministic generative art for the demo catalog, and alt text written from the same
//! parameters that draw each picture (so the description is true, not decorative).

use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::{imageops, ImageEncoder, Rgb, RgbImage};
use sha2::{Digest, Sha256};

/// Bump when drawing changes: it is part of every image URL, so caches never serve stale art.
const GENERATOR_VERSION: u32 = 2;

/// SplitMix64: tiny, fast, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n.max(1))) as u32
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let unit = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * unit
    }
}

const COLOURS: [(&str, [u8; 3]); 16] = [
    ("midnight blue", [25, 32, 72]),
    ("teal", [0, 128, 128]),
    ("coral", [255, 111, 97]),
    ("amber", [255, 191, 0]),
    ("ivory", [250, 246, 232]),
    ("sage green", [156, 175, 136]),
    ("plum", [110, 45, 90]),
    ("rust red", [183, 65, 14]),
    ("sky blue", [135, 190, 235]),
    ("charcoal", [45, 45, 50]),
    ("saffron", [244, 196, 48]),
    ("rose pink", [230, 120, 150]),
    ("forest green", [34, 85, 50]),
    ("sand", [215, 190, 150]),
    ("cobalt blue", [0, 71, 171]),
    ("mint", [170, 230, 200]),
];

/// The four kinds of picture, one per demo collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    Waves,
    Rings,
    Tiles,
    Blobs,
}

impl Style {
    pub fn noun(self) -> &'static str {
        match self {
            Style::Waves => "banded wave study",
            Style::Rings => "ring composition",
            Style::Tiles => "Truchet tiling",
            Style::Blobs => "field of glowing forms",
        }
    }
}

/// Everything that determines one picture.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtSpec {
    pub style: Style,
    /// Indices into the colour table: background, first accent, second accent.
    pub colours: [usize; 3],
    /// Point of interest, as fractions of width and height.
    pub focus: (f32, f32),
    /// Style-specific scale: band height, ring spacing, tile size or blob count.
    pub scale: u32,
    pub seed: u64,
}

impl ArtSpec {
    pub fn random(style: Style, rng: &mut Rng) -> Self {
        let bg = rng.below(COLOURS.len() as u32) as usize;
        let mut a = rng.below(COLOURS.len() as u32) as usize;
        if a == bg {
            a = (a + 5) % COLOURS.len();
        }
        let mut b = rng.below(COLOURS.len() as u32) as usize;
        while b == bg || b == a {
            b = (b + 3) % COLOURS.len();
        }
        let scale = match style {
            Style::Waves => 5 + rng.below(8),
            Style::Rings => 40 + rng.below(100),
            Style::Tiles => 4 + rng.below(6),
            Style::Blobs => 2 + rng.below(4),
        };
        ArtSpec {
            style,
            colours: [bg, a, b],
            focus: (rng.range(0.2, 0.8), rng.range(0.2, 0.8)),
            scale,
            seed: rng.next_u64(),
        }
    }

    fn name(&self, i: usize) -> &'static str {
        COLOURS[self.colours[i] % COLOURS.len()].0
    }

    fn rgb(&self, i: usize) -> [f32; 3] {
        COLOURS[self.colours[i] % COLOURS.len()].1.map(f32::from)
    }

    fn place(&self) -> &'static str {
        let (x, y) = self.focus;
        match ((x < 0.4, x > 0.6), (y < 0.4, y > 0.6)) {
            ((true, _), (true, _)) => "upper left",
            ((_, true), (true, _)) => "upper right",
            ((true, _), (_, true)) => "lower left",
            ((_, true), (_, true)) => "lower right",
            ((true, _), _) => "left",
            ((_, true), _) => "right",
            (_, (true, _)) => "top",
            (_, (_, true)) => "bottom",
            _ => "centre",
        }
    }

    /// Alt text: what a sighted person sees, from the drawing parameters.
    pub fn describe(&self) -> String {
        let (bg, a, b) = (self.name(0), self.name(1), self.name(2));
        let place = self.place();
        match self.style {
            Style::Waves => format!(
                "Horizontal waves in {bg}, {a} and {b}, {} bands deep, rolling across a wide \
                 frame with the highest crest toward the {}.",
                self.scale,
                match self.focus.0 {
                    x if x < 0.4 => "left",
                    x if x > 0.6 => "right",
                    _ => "middle",
                }
            ),
            Style::Rings => format!(
                "Concentric rings alternating {a} and {b} on a {bg} field, their shared centre \
                 toward the {place} of the frame."
            ),
            Style::Tiles => format!(
                "A grid of square tiles {} rows high on {bg}, each tile carrying quarter-circle \
                 arcs in {a} that join into winding paths, with scattered {b} tiles.",
                self.scale
            ),
            Style::Blobs => format!(
                "{} soft {a} shapes with glowing {b} cores drifting over a {bg} background, the \
                 largest toward the {place}.",
                ["Two", "Three", "Four", "Five", "Six"]
                    [(self.scale as usize).saturating_sub(2) % 5]
            ),
        }
    }

    /// Short content hash of the parameters: the image bytes are a pure function of it.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(format!("v{GENERATOR_VERSION}:{self:?}").as_bytes());
        h.finalize().iter().take(5).map(|b| format!("{b:02x}")).collect()
    }

    /// Draw the picture at `width`×`height`.
    pub fn render(&self, width: u32, height: u32) -> RgbImage {
        let (w, h) = (width as f32, height as f32);
        let (bg, a, b) = (self.rgb(0), self.rgb(1), self.rgb(2));
        let (fx, fy) = (self.focus.0 * w, self.focus.1 * h);
        let unit = w / 2400.0;
        let mut rng = Rng::new(self.seed);
        let blobs: Vec<(f32, f32, f32)> = (0..self.scale)
            .map(|i| {
                let r = if i == 0 { 0.22 } else { rng.range(0.08, 0.18) } * h;
                let (x, y) = if i == 0 { (fx, fy) } else { (rng.range(0.0, w), rng.range(0.0, h)) };
                (x, y, r * r)
            })
            .collect();
        let phase = rng.range(0.0, std::f32::consts::TAU);
        let wave_len = rng.range(0.6, 1.4) * w / 3.0;
        let tile = h / self.scale.max(1) as f32;
        let seed = self.seed;
        // Precomputed per column: the wave offset only depends on x.
        let offsets: Vec<f32> = (0..width)
            .map(|x| {
                let x = x as f32;
                let crest = (-((x - fx) / (0.35 * w)).powi(2)).exp();
                (x / wave_len * std::f32::consts::TAU + phase).sin() * h * 0.05 * (1.0 + crest)
            })
            .collect();
        RgbImage::from_fn(width, height, |x, y| {
            let (px, py) = (x as f32, y as f32);
            let colour = match self.style {
                Style::Waves => {
                    let band_h = h / self.scale as f32;
                    let v = py + offsets[x as usize];
                    let band = (v / band_h).floor() as i32;
                    [bg, a, b][band.rem_euclid(3) as usize]
                }
                Style::Rings => {
                    let d = ((px - fx).powi(2) + (py - fy).powi(2)).sqrt();
                    let ring = (d / (self.scale as f32 * unit)) as u32;
                    if d > 0.9 * h {
                        bg
                    } else if ring.is_multiple_of(2) {
                        a
                    } else {
                        b
                    }
                }
                Style::Tiles => {
                    let (cx, cy) = ((px / tile) as u32, (py / tile) as u32);
                    let cell = mix(seed, cx, cy);
                    let (mut lx, ly) = (px - cx as f32 * tile, py - cy as f32 * tile);
                    if cell & 1 == 1 {
                        lx = tile - lx;
                    }
                    let r1 = (lx * lx + ly * ly).sqrt();
                    let r2 = ((tile - lx).powi(2) + (tile - ly).powi(2)).sqrt();
                    let on_arc = (r1 - tile / 2.0).abs() < tile * 0.12
                        || (r2 - tile / 2.0).abs() < tile * 0.12;
                    match (on_arc, cell.is_multiple_of(11)) {
                        (true, _) => a,
                        (false, true) => b,
                        (false, false) => bg,
                    }
                }
                Style::Blobs => {
                    let field: f32 = blobs
                        .iter()
                        .map(|&(bx, by, r2)| r2 / ((px - bx).powi(2) + (py - by).powi(2) + 1.0))
                        .sum();
                    if field > 2.2 {
                        b
                    } else if field > 0.9 {
                        a
                    } else {
                        let t = field / 0.9;
                        [0, 1, 2].map(|i| bg[i] + (a[i] - bg[i]) * t * t * 0.5)
                    }
                }
            };
            // Film grain: photographs are never flat, and the pipeline should meet real entropy.
            let grain = (mix(seed ^ 0xA5A5, x, y) % 13) as f32 - 6.0;
            Rgb(colour.map(|c| (c + grain).clamp(0.0, 255.0) as u8))
        })
    }
}

fn mix(seed: u64, x: u32, y: u32) -> u64 {
    let mut r = Rng::new(seed ^ (u64::from(x) << 32) ^ u64::from(y));
    r.next_u64()
}

/// Write `image` as a baseline JPEG at `quality` to `path`, creating folders as needed.
pub fn write_jpeg(path: &Path, image: &RgbImage, quality: u8) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(image.as_raw(), image.width(), image.height(), image::ExtendedColorType::Rgb8)
        .map_err(std::io::Error::other)?;
    // Write then rename, so a crash never leaves a half image that looks finished.
    let tmp = path.with_extension("jpg.partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

/// A thumbnail scaled down from the original.
pub fn thumbnail(original: &RgbImage, width: u32, height: u32) -> RgbImage {
    imageops::resize(original, width, height, imageops::FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_is_deterministic_and_sized() {
        let spec = ArtSpec::random(Style::Tiles, &mut Rng::new(9));
        let a = spec.render(120, 80);
        let b = spec.render(120, 80);
        assert_eq!((a.width(), a.height()), (120, 80));
        assert_eq!(a.as_raw(), b.as_raw());
    }

    #[test]
    fn every_style_uses_its_accent_colour() {
        for style in [Style::Waves, Style::Rings, Style::Tiles, Style::Blobs] {
            let spec = ArtSpec::random(style, &mut Rng::new(3));
            let img = spec.render(240, 160);
            let accent = spec.rgb(1);
            let near = img
                .pixels()
                .filter(|p| (0..3).all(|i| (f32::from(p.0[i]) - accent[i]).abs() <= 7.0));
            assert!(near.count() > 100, "{style:?} draws its first accent");
        }
    }

    #[test]
    fn alt_text_names_the_colours_drawn() {
        let spec = ArtSpec::random(Style::Rings, &mut Rng::new(5));
        let alt = spec.describe();
        for i in 0..3 {
            assert!(alt.contains(spec.name(i)), "{alt}");
        }
    }
}
