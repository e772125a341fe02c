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
    /// The server's HTML of the pages visited (`pages`). Versioned: a page names the release's
    /// hashed files, which go with it.
    Pages,
    /// Catalog images, cache-first, bounded (`image_cache`). Not versioned by build: image URLs
    /// are content-addressed, so a new release keeps every entry.
    Images,
}

/// Bump only if the image cache's entry format changes (e.g. its size header).
const IMAGES: &str = "vitrine-images-v1";

impl CacheKind {
    pub fn name(self) -> String {
        let kind = match self {
            CacheKind::Precache => "precache",
            CacheKind::Api => "api",
            CacheKind::Pages => "pages",
            CacheKind::Images => return IMAGES.to_owned(),
        };
        format!("{PREFIX}{VERSION}-{kind}")
    }
}

/// Whether `name` belongs to Vitrine but not to this version (the shared image cache belongs
/// to every version).
pub fn is_outdated(name: &str) -> bool {
    if name == IMAGES {
        return false;
    }
    match name.strip_prefix(PREFIX) {
        Some(rest) => !rest.starts_with(&format!("{VERSION}-")),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shim_caches_a_first_install_under_the_precache_s_name() {
        let shim = include_str!("../../public/sw.js");
        assert!(shim.contains(r#"const PRECACHE = "vitrine-{{version}}-precache";"#));
        assert_eq!(CacheKind::Precache.name(), format!("vitrine-{VERSION}-precache"));
    }

    #[test]
    fn the_shim_routes_pictures_to_the_image_cache_s_name() {
        let shim = include_str!("../../public/sw.js");
        assert!(shim.contains(&format!(r#"const IMAGES = "{}";"#, CacheKind::Images.name())));
        assert!(shim.contains("source: { cacheName: IMAGES }"));
    }

    #[test]
    fn only_other_vitrine_versions_are_outdated() {
        assert!(!is_outdated(&CacheKind::Api.name()));
        assert!(!is_outdated(&CacheKind::Precache.name()));
        assert!(!is_outdated(&CacheKind::Pages.name()));
        assert!(is_outdated("vitrine-0ld-pages"), "a page names its release's files");
        assert!(is_outdated("vitrine-0ld-precache"));
        assert!(!is_outdated("someone-elses-cache"));
        assert!(!is_outdated(&CacheKind::Images.name()), "images survive releases");
        assert!(is_outdated("vitrine-0ld-media"), "the old per-version image cache goes");
        assert!(is_outdated("vitrine-images-v0"));
    }
}
