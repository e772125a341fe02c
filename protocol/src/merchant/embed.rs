//! Embedding the storefront in a merchant's own site: the origins a merchant allows to frame
//! it (`GET`/`PUT /api/v1/merchant/embed`), each checked here once for the console and the
//! server; the snippet the console offers; and the postMessage protocol between the framed
//! storefront and `embed.js` on the host page (docs/embed.md).

use serde::{Deserialize, Serialize};

use crate::error::FieldProblem;
use crate::Slug;

/// Origins one merchant may list.
pub const MAX_EMBED_ORIGINS: usize = 20;

/// The origins allowed to frame a merchant's storefront, canonical (`https://shop.example`,
/// `http://localhost:8000`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbedOrigins {
    pub origins: Vec<String>,
}

impl EmbedOrigins {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if self.origins.len() > MAX_EMBED_ORIGINS {
            out.push(FieldProblem::new("origins", format!("at most {MAX_EMBED_ORIGINS}")));
        }
        for (n, raw) in self.origins.iter().enumerate() {
            if let Err(why) = origin(raw) {
                out.push(FieldProblem::new(&format!("origins[{n}]"), why));
            }
        }
        out
    }

    /// The same origins, canonical, each once, in order: what is stored.
    pub fn canonical(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for o in self.origins.iter().filter_map(|raw| origin(raw).ok()) {
            if !seen.contains(&o) {
                seen.push(o);
            }
        }
        seen
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

/// An origin as a CSP source and `postMessage` compare it: `scheme://host[:port]`, lower
/// case, no path, query, fragment, credentials or wildcard. `https` only, except a loopback
/// host (a merchant trying their site on their own machine).
pub fn origin(raw: &str) -> Result<String, &'static str> {
    const WHAT: &str = "an origin like https://shop.example (no path)";
    let raw = raw.trim();
    let (scheme, rest) = raw.split_once("://").ok_or(WHAT)?;
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.strip_suffix('/').unwrap_or(rest).to_ascii_lowercase();
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', '*', ' ', ';', ',', '\'', '"']) {
        return Err(WHAT);
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Err(WHAT);
            }
            (host, Some(port))
        }
        _ => (rest.as_str(), None),
    };
    let host_ok = if host.starts_with('[') {
        host == "[::1]"
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    if !host_ok {
        return Err(WHAT);
    }
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => return Err("https only (http only for localhost)"),
        _ => return Err(WHAT),
    }
    Ok(match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// The snippet a merchant pastes into their site, for the shop served at `shop` (its origin).
pub fn snippet(shop: &str, collection: &Slug) -> String {
    format!(
        "<script src=\"{shop}/embed.js\" data-collection=\"{}\" async></script>",
        collection.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_canonical_https_or_loopback_with_no_path() {
        for (raw, want) in [
            ("https://Shop.Example", "https://shop.example"),
            ("https://shop.example/", "https://shop.example"),
            ("https://shop.example:8443", "https://shop.example:8443"),
            ("http://localhost:8000", "http://localhost:8000"),
            ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
            ("http://[::1]:3000", "http://[::1]:3000"),
            (" https://a-b.example.org ", "https://a-b.example.org"),
        ] {
            assert_eq!(origin(raw).as_deref(), Ok(want), "{raw}");
        }
        for raw in [
            "shop.example",
            "http://shop.example",
            "https://shop.example/path",
            "https://shop.example?x=1",
            "https://*.example",
            "https://user@shop.example",
            "https://shop.example:99999x",
            "https://shop.example:",
            "https://-bad.example",
            "https://",
            "javascript://alert(1)",
            "https://shop.example 'unsafe-inline'",
            "https://a.example;script-src *",
            "ftp://shop.example",
        ] {
            assert!(origin(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn a_list_is_checked_whole_and_stored_once_each() {
        let list = EmbedOrigins {
            origins: vec!["https://a.example".into(), "https://A.example/".into(), "x".into()],
        };
        let problems = list.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "origins[2]");
        assert_eq!(list.canonical(), ["https://a.example"]);
        let many =
            EmbedOrigins { origins: vec!["https://a.example".into(); MAX_EMBED_ORIGINS + 1] };
        assert_eq!(many.problems()[0].field, "origins");
    }

    #[test]
    fn the_snippet_names_the_shop_and_the_collection() {
        let slug: Slug = "tidal-glass".parse().unwrap();
        assert_eq!(
            snippet("https://shop.example", &slug),
            r#"<script src="https://shop.example/embed.js" data-collection="tidal-glass" async></script>"#
        );
    }
}
