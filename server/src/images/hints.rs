//! Which variant `GET /img/{item}` answers with, from the request's client hints.
//!
//! A pure function of the hints, so its table of cases is a unit test. The rules:
//! - the target is `Sec-CH-Width` (already in device pixels), else `Sec-CH-Viewport-Width` ×
//!   `Sec-CH-DPR` (an image as wide as the screen), else a safe default;
//! - `Save-Data: on` or an `ECT` of `slow-2g`/`2g` means a constrained link: DPR counts as 1,
//!   and the lite (smaller, lower-quality) variants are used;
//! - the smallest variant at least as wide as the target, else the largest there is;
//! - WebP when the request's `Accept` takes it, else JPEG.

use vitrine_protocol::{ImageFormat, Picture};

/// Response hints the server asks browsers for (`Accept-CH`), and what the answer varies on.
pub const ACCEPT_CH: &str = "Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width, Save-Data, ECT";
pub const VARY: &str = "Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width, Save-Data, ECT, Accept";

/// Device pixels to aim for when the browser sent no size hints: sharp on a DPR-2 phone's
/// half-width slot, modest everywhere else.
pub const DEFAULT_TARGET: u32 = 640;

/// The hints, parsed; anything unparseable is treated as absent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Hints {
    pub dpr: Option<f32>,
    /// `Sec-CH-Width`: the image slot in device pixels.
    pub width: Option<u32>,
    /// `Sec-CH-Viewport-Width`: CSS pixels.
    pub viewport_width: Option<u32>,
    pub save_data: bool,
    pub slow: bool,
    pub webp: bool,
}

impl Hints {
    /// Parse from header values (`None` when absent).
    pub fn parse(
        dpr: Option<&str>,
        width: Option<&str>,
        viewport_width: Option<&str>,
        save_data: Option<&str>,
        ect: Option<&str>,
        accept: Option<&str>,
    ) -> Self {
        let number = |v: Option<&str>| v.and_then(|s| s.trim().parse::<f32>().ok());
        let pixels = |v: Option<&str>| {
            number(v).filter(|n| n.is_finite() && *n >= 1.0).map(|n| n.min(16_384.0) as u32)
        };
        Hints {
            dpr: number(dpr).filter(|d| d.is_finite() && *d > 0.0).map(|d| d.clamp(1.0, 4.0)),
            width: pixels(width),
            viewport_width: pixels(viewport_width),
            save_data: save_data.is_some_and(|v| v.trim().eq_ignore_ascii_case("on")),
            slow: ect.is_some_and(|v| matches!(v.trim(), "slow-2g" | "2g")),
            webp: accept.is_some_and(|a| a.contains("image/webp")),
        }
    }

    fn constrained(&self) -> bool {
        self.save_data || self.slow
    }
}

/// Whether a request asked to save data (`Save-Data: on`, or an `ECT` of 2G): a page is then
/// drawn with the lite image variants.
pub fn asks_to_save_data(headers: &axum::http::HeaderMap) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    Hints::parse(None, None, None, value("save-data"), value("ect"), None).constrained()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub width: u32,
    pub format: ImageFormat,
    pub lite: bool,
}

pub fn choose(hints: &Hints, picture: &Picture) -> Option<Choice> {
    let dpr = hints.dpr.unwrap_or(1.0);
    let constrained = hints.constrained();
    let target = match (hints.width, hints.viewport_width) {
        // Sec-CH-Width already includes DPR; undo it on a constrained link.
        (Some(w), _) if constrained => (w as f32 / dpr).round() as u32,
        (Some(w), _) => w,
        (None, Some(vw)) if constrained => vw,
        (None, Some(vw)) => (vw as f32 * dpr).round() as u32,
        (None, None) => DEFAULT_TARGET,
    };
    let lite = constrained && !picture.lite.is_empty();
    let widths = if lite { &picture.lite } else { &picture.widths };
    let width = widths.iter().copied().find(|&w| w >= target).or_else(|| widths.last().copied())?;
    let format = if hints.webp { ImageFormat::Webp } else { ImageFormat::Jpeg };
    Some(Choice { width, format, lite })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Picture {
        Picture {
            base: "/media/v/x/".into(),
            width: 2400,
            height: 1600,
            widths: vec![160, 320, 480, 640, 960, 1280, 1920],
            lite: vec![160, 320, 480],
            placeholder: String::new(),
        }
    }

    const WEBP: Option<&str> = Some("image/avif,image/webp,image/apng,*/*;q=0.8");

    #[test]
    fn hint_table() {
        use ImageFormat::{Jpeg, Webp};
        // (dpr, width, viewport, save-data, ect, accept) → (width, format, lite)
        type Case<'a> = (
            (
                Option<&'a str>,
                Option<&'a str>,
                Option<&'a str>,
                Option<&'a str>,
                Option<&'a str>,
                Option<&'a str>,
            ),
            (u32, ImageFormat, bool),
        );
        let cases: &[Case] = &[
            // No hints at all: the safe default, JPEG.
            ((None, None, None, None, None, None), (640, Jpeg, false)),
            ((None, None, None, None, None, WEBP), (640, Webp, false)),
            // A 200 CSS px slot on a DPR-2 phone: Sec-CH-Width 400 → 480.
            ((Some("2"), Some("400"), Some("400"), None, Some("4g"), WEBP), (480, Webp, false)),
            // Only the viewport: 400 CSS px × DPR 2 = 800 → 960.
            ((Some("2"), None, Some("400"), None, None, WEBP), (960, Webp, false)),
            // Exact match is enough.
            ((Some("1"), Some("320"), None, None, None, None), (320, Jpeg, false)),
            // Wider than anything: the largest.
            ((Some("3"), Some("5000"), None, None, None, WEBP), (1920, Webp, false)),
            // Save-Data: DPR counts as 1 and lite variants are used (400/2 = 200 → 320 lite).
            ((Some("2"), Some("400"), None, Some("on"), None, WEBP), (320, Webp, true)),
            ((Some("2"), None, Some("400"), Some("on"), None, None), (480, Jpeg, true)),
            // A 2G link is constrained like Save-Data; so is slow-2g.
            ((Some("2"), Some("400"), None, None, Some("2g"), WEBP), (320, Webp, true)),
            ((Some("2"), None, None, None, Some("slow-2g"), WEBP), (480, Webp, true)),
            // 3g is not constrained.
            ((Some("2"), Some("400"), None, None, Some("3g"), WEBP), (480, Webp, false)),
            // Save-Data off, and garbage hints, count as absent.
            (
                (Some("abc"), Some("-5"), Some("NaN"), Some("off"), Some("5g"), None),
                (640, Jpeg, false),
            ),
            // A tiny slot gets the smallest.
            ((Some("1"), Some("40"), None, None, None, WEBP), (160, Webp, false)),
        ];
        for ((dpr, w, vw, sd, ect, accept), (width, format, lite)) in cases.iter().copied() {
            let hints = Hints::parse(dpr, w, vw, sd, ect, accept);
            assert_eq!(
                choose(&hints, &picture()),
                Some(Choice { width, format, lite }),
                "dpr={dpr:?} width={w:?} viewport={vw:?} save-data={sd:?} ect={ect:?} accept={accept:?}"
            );
        }
    }

    #[test]
    fn a_picture_without_lite_variants_still_answers_save_data() {
        let mut p = picture();
        p.lite.clear();
        let hints = Hints::parse(Some("2"), Some("400"), None, Some("on"), None, None);
        assert_eq!(
            choose(&hints, &p),
            Some(Choice { width: 320, format: ImageFormat::Jpeg, lite: false })
        );
    }

    #[test]
    fn no_variants_no_choice() {
        let mut p = picture();
        p.widths.clear();
        assert_eq!(choose(&Hints::default(), &p), None);
    }

    #[test]
    fn a_page_request_saving_data_asks_for_lite_pictures() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = axum::http::HeaderMap::new();
            for (name, value) in pairs {
                h.insert(*name, axum::http::HeaderValue::from_static(value));
            }
            h
        };
        assert!(asks_to_save_data(&headers(&[("save-data", "on")])));
        assert!(asks_to_save_data(&headers(&[("ect", "2g")])));
        assert!(!asks_to_save_data(&headers(&[("save-data", "off"), ("ect", "4g")])));
        assert!(!asks_to_save_data(&headers(&[])));
    }
}
