//! Cache names carry the build version, so a release never reads another release's files and
//! activation can delete exactly what is old.

use crate::manifest::VERSION;

const PREFIX: &str = "vitrine-";

/// The caches this worker uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    /// Build files from the manifest: shell, wasm, JS, CSS, icons.
    Precache,
    /// Catalog JSON, stale-while-revalidate.
    Api,
    /// Catalog images, cache-first.
    Media,
}

impl CacheKind {
    pub fn name(self) -> String {
        let kind = match self {
            CacheKind::Precache => "precache",
            CacheKind::Api => "api",
            CacheKind::Media => "media",
        };
        format!("{PREFIX}{VERSION}-{kind}")
    }
}

/// Whether `name` belongs to Vitrine but not to this version.
pub fn is_outdated(name: &str) -> bool {
    match name.strip_prefix(PREFIX) {
        Some(rest) => !rest.starts_with(&format!("{VERSION}-")),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_other_vitrine_versions_are_outdated() {
        assert!(!is_outdated(&CacheKind::Api.name()));
        assert!(!is_outdated(&CacheKind::Precache.name()));
        assert!(is_outdated("vitrine-0ld-precache"));
        assert!(!is_outdated("someone-elses-cache"));
    }
}
