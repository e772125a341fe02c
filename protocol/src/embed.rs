//! The postMessage protocol between the storefront framed on a merchant's site
//! (`/embed/{slug}`) and `embed.js` on the host page, version 1 (docs/embed.md). Every
//! message is an object with `protocol: "vitrine-embed/1"` and a `type`; each side checks
//! the other's origin before reading one. The frame tells the host its height and its
//! purchases (the receipt number, never a key, a token or an email); the host may set a
//! theme, which is checked here before the frame applies it.

use serde::{Deserialize, Serialize};

use crate::error::FieldProblem;
use crate::IntentId;

/// The protocol's name and version, in every message.
pub const PROTOCOL: &str = "vitrine-embed/1";

/// What the frame tells the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ToHost {
    /// The page's height in CSS pixels: the host sizes the frame to it.
    #[serde(rename = "resize")]
    Resize { height: u32 },
    /// A purchase was made in the frame (kept on this device, sent when it can be).
    #[serde(rename = "purchase:created")]
    PurchaseCreated { receipt: IntentId },
    /// A purchase made in the frame is paid.
    #[serde(rename = "purchase:paid")]
    PurchasePaid { receipt: IntentId },
}

/// A message as posted: the protocol's name beside the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub protocol: String,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Envelope<T> {
    pub fn new(body: T) -> Self {
        Envelope { protocol: PROTOCOL.to_owned(), body }
    }
}

/// What the host may tell the frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FromHost {
    #[serde(rename = "theme")]
    Theme(Theme),
}

/// The host's colours and font, each optional: `#rgb` or `#rrggbb`, a font stack of plain
/// names. Text must stay readable: at least 4.5:1 against the background (WCAG AA), and the
/// accent against white, which buttons write on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    #[serde(default)]
    pub accent: Option<String>,
    #[serde(default)]
    pub background: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub font: Option<String>,
}

/// The storefront's own colours, which a theme's missing ones fall back to.
const DEFAULT_BACKGROUND: [u8; 3] = [0xfb, 0xfa, 0xf6];
const DEFAULT_TEXT: [u8; 3] = [0x15, 0x17, 0x2b];
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
/// WCAG AA for body text.
const MIN_CONTRAST: f64 = 4.5;

fn rgb(hex: &str) -> Option<[u8; 3]> {
    let digits = hex.strip_prefix('#')?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    match digits.len() {
        3 => {
            let d: Vec<String> = digits.chars().map(|c| format!("{c}{c}")).collect();
            Some([channel(&d[0])?, channel(&d[1])?, channel(&d[2])?])
        }
        6 => Some([channel(&digits[0..2])?, channel(&digits[2..4])?, channel(&digits[4..6])?]),
        _ => None,
    }
}

fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// WCAG's contrast ratio of two colours, 1 to 21.
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

impl Theme {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut colour = |field: &str, value: &Option<String>| match value.as_deref().map(rgb) {
            Some(None) => {
                out.push(FieldProblem::new(field, "a colour like #1b2048"));
                None
            }
            Some(Some(c)) => Some(c),
            None => None,
        };
        let accent = colour("accent", &self.accent);
        let background = colour("background", &self.background);
        let text = colour("text", &self.text);
        let (bg, fg) = (background.unwrap_or(DEFAULT_BACKGROUND), text.unwrap_or(DEFAULT_TEXT));
        if (background.is_some() || text.is_some()) && contrast(bg, fg) < MIN_CONTRAST {
            out.push(FieldProblem::new("text", "at least 4.5:1 against the background"));
        }
        if accent.is_some_and(|a| contrast(a, WHITE) < MIN_CONTRAST) {
            out.push(FieldProblem::new("accent", "dark enough for white text on it (4.5:1)"));
        }
        if let Some(font) = &self.font {
            let plain = |c: char| c.is_ascii_alphanumeric() || " ,-'\"".contains(c);
            if font.trim().is_empty() || font.len() > 200 || !font.chars().all(plain) {
                out.push(FieldProblem::new("font", "a font stack of plain names"));
            }
        }
        out
    }

    /// The CSS custom properties the theme sets, when it has no problems.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        if !self.problems().is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(accent) = &self.accent {
            out.push(("--color-primary", accent.clone()));
            out.push(("--color-brand", accent.clone()));
        }
        if let Some(background) = &self.background {
            out.push(("--color-bg", background.clone()));
        }
        if let Some(text) = &self.text {
            out.push(("--color-text", text.clone()));
        }
        if let Some(font) = &self.font {
            out.push(("--font-sans", font.clone()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_to_the_host_carry_the_protocol_and_a_receipt_number_only() {
        let id: IntentId = "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap();
        let json =
            serde_json::to_value(Envelope::new(ToHost::PurchasePaid { receipt: id })).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "protocol": "vitrine-embed/1", "type": "purchase:paid",
                                "receipt": "01890a5d-ac96-774b-bcce-b302099a8057" })
        );
        let resize = serde_json::to_value(Envelope::new(ToHost::Resize { height: 812 })).unwrap();
        assert_eq!(resize["type"], "resize");
    }

    #[test]
    fn a_theme_is_applied_only_when_readable_and_plain() {
        let good: Envelope<FromHost> = serde_json::from_str(
            r##"{"protocol":"vitrine-embed/1","type":"theme","accent":"#0b5","background":"#fff","text":"#222","font":"Georgia, serif"}"##,
        )
        .unwrap();
        let FromHost::Theme(theme) = good.body;
        assert_eq!(
            theme.problems(),
            vec![FieldProblem::new("accent", "dark enough for white text on it (4.5:1)")]
        );
        assert!(theme.properties().is_empty(), "nothing applied from a refused theme");
        let readable = Theme { accent: Some("#1b2048".into()), ..theme };
        assert!(readable.problems().is_empty());
        assert_eq!(readable.properties()[0], ("--color-primary", "#1b2048".to_owned()));
        for bad in [
            Theme { text: Some("#fafafa".into()), ..Theme::default() },
            Theme { background: Some("red".into()), ..Theme::default() },
            Theme { font: Some("x; } body { display: none".into()), ..Theme::default() },
            Theme { font: Some("url(https://evil.example/f.woff)".into()), ..Theme::default() },
            Theme { accent: Some("#12345".into()), ..Theme::default() },
        ] {
            assert!(!bad.problems().is_empty(), "{bad:?}");
        }
        assert!(serde_json::from_str::<Theme>(r##"{"accent":"#000","css":"x"}"##).is_err());
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    }
}
