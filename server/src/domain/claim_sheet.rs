//! A claim batch on paper and in a spreadsheet: the printable sheet (HTML with print CSS,
//! twelve vouchers an A4 page, each with the work's thumbnail, its QR code as SVG, the
//! human-readable code and the expiry) and the CSV of every voucher. `Printed::load` reads
//! what a sheet shows (the route and `vitrine claims export` both use it); the rest is pure.

use std::fmt::Write;

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use vitrine_protocol::claims;
use vitrine_protocol::merchant::{ClaimBatch, VoucherEntry};

use crate::domain::clock::http_date;
use crate::storage::{Storage, StorageError};

/// A batch as printed: itself, its vouchers, its work's thumbnail (URL and alt text) when
/// the work is on show.
pub struct Printed {
    pub batch: ClaimBatch,
    pub vouchers: Vec<VoucherEntry>,
    pub thumbnail: Option<(String, String)>,
}

impl Printed {
    /// The merchant's batch `id`, or `None` when they have none such.
    pub async fn load(
        storage: &dyn Storage,
        merchant_id: i64,
        id: i64,
    ) -> Result<Option<Printed>, StorageError> {
        let Some((batch, vouchers)) = storage.vouchers(merchant_id, id).await? else {
            return Ok(None);
        };
        let shown = storage.item(batch.item).await?;
        let thumbnail = shown.map(|i| (i.summary.thumb.url, i.summary.alt));
        Ok(Some(Printed { batch, vouchers, thumbnail }))
    }

    /// The sheet with codes pointing at `origin`.
    pub fn sheet<'a>(&'a self, origin: &'a str) -> Sheet<'a> {
        Sheet {
            batch: &self.batch,
            vouchers: &self.vouchers,
            origin,
            thumbnail: self.thumbnail.as_ref().map(|(u, a)| (u.as_str(), a.as_str())),
        }
    }
}

/// What a sheet shows besides its vouchers.
pub struct Sheet<'a> {
    pub batch: &'a ClaimBatch,
    pub vouchers: &'a [VoucherEntry],
    /// The shop's address as collectors reach it, e.g. `https://shop.example`.
    pub origin: &'a str,
    /// The work's thumbnail (absolute on the origin) and its alt text, when it is on show.
    pub thumbnail: Option<(&'a str, &'a str)>,
}

/// Why a QR code could not be drawn (the payload is too long for any QR version).
#[derive(Debug, thiserror::Error)]
#[error("QR code: {0}")]
pub struct QrFailed(String);

/// One QR code (error correction M) as an SVG element, labelled for screen readers.
pub fn qr_svg(payload: &str, label: &str) -> Result<String, QrFailed> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| QrFailed(e.to_string()))?;
    let image = code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    // The renderer writes a standalone document; inline, only the <svg> element is wanted.
    let start = image.find("<svg").ok_or_else(|| QrFailed("no <svg> element".into()))?;
    let labelled = format!(r#"<svg role="img" aria-label="{}" "#, escape(label));
    Ok(image[start..].replacen("<svg ", &labelled, 1))
}

/// The QR version a payload needs at error correction M (BENCHMARKS reports it).
pub fn qr_version(payload: &str) -> Option<i16> {
    match QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => Some(v),
    }
}

/// Text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn price(batch: &ClaimBatch) -> String {
    if batch.price.amount_minor == 0 {
        "Free".to_owned()
    } else {
        batch.price.to_string()
    }
}

const PRINT_CSS: &str = "
  :root { color-scheme: light; font-family: system-ui, sans-serif; color: #111; }
  body { margin: 1rem; }
  h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
  .hint { margin: 0 0 1rem; }
  .sheet { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4mm; }
  .voucher { border: 1px dashed #555; padding: 3mm; text-align: center; break-inside: avoid; }
  .voucher img { width: 18mm; height: 18mm; object-fit: cover; float: left; }
  .voucher svg { width: 42mm; height: 42mm; display: block; margin: 0 auto; }
  .code { font: 600 1.1rem ui-monospace, monospace; letter-spacing: .05em; margin: 1mm 0 0; }
  .small { font-size: .8rem; margin: 0; }
  @page { size: A4; margin: 10mm; }
  @media print { .hint { display: none; } .sheet { grid-auto-rows: 66mm; } }
";

/// The printable sheet.
pub fn html(sheet: &Sheet<'_>) -> Result<String, QrFailed> {
    let b = sheet.batch;
    let title = escape(&b.title);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Claim sheet {id}: {title}</title><style>{PRINT_CSS}</style></head><body><main><h1>Claim sheet {id}: {title}</h1><p class="hint">{count} vouchers, {price} each, claimable until {until}, at most {limit} per person. Print this page; each code is claimed once.</p><div class="sheet">"#,
        id = b.id,
        count = b.count,
        price = price(b),
        until = http_date(b.expires_at),
        limit = b.per_person_limit,
    );
    for v in sheet.vouchers {
        let payload = claims::qr_payload(sheet.origin, &v.code);
        let svg = qr_svg(&payload, &format!("QR code of voucher {}", v.short_code))?;
        let thumb = sheet.thumbnail.map_or_else(String::new, |(url, alt)| {
            format!(
                r#"<img src="{}{}" alt="{}">"#,
                escape(sheet.origin.trim_end_matches('/')),
                escape(url),
                escape(alt)
            )
        });
        let state = if v.claimed_at.is_some() { " (claimed)" } else { "" };
        let _ = write!(
            out,
            r#"<section class="voucher">{thumb}<p class="small"><strong>{title}</strong><br>{price}</p>{svg}<p class="code">{code}{state}</p><p class="small">Scan to claim · until {until}</p></section>"#,
            price = price(b),
            code = escape(&v.short_code),
            until = http_date(b.expires_at),
        );
    }
    out.push_str("</div></main></body></html>\n");
    Ok(out)
}

/// One row per voucher: `batch,serial,short_code,url,claimed_at`.
pub fn csv(sheet: &Sheet<'_>) -> String {
    let mut out = String::from("batch,serial,short_code,url,claimed_at\n");
    for v in sheet.vouchers {
        let claimed = v.claimed_at.map(|t| t.0.to_string()).unwrap_or_default();
        let url = claims::claim_url(sheet.origin, &v.code);
        let _ = writeln!(out, "{},{},{},{url},{claimed}", sheet.batch.id, v.serial, v.short_code);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn a_voucher_url_for_the_demo_address_fits_version_6_at_m() {
        let code = "1".repeat(204);
        assert_eq!(qr_version(&claims::qr_payload("http://127.0.0.1:8080", &code)), Some(6));
        // In lower case (byte mode) it would take version 7.
        assert_eq!(qr_version(&claims::claim_url("http://127.0.0.1:8080", &code)), Some(7));
    }
}
