//! The pictures the API hands out, looked up by the file stem of an image URL (`/media/
//! originals/101-3fa2.jpg` and `/media/thumbs/101-3fa2.jpg` are the same picture).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use vitrine_protocol::Picture;

use super::manifest;

#[derive(Debug, Default, Clone)]
pub struct PictureIndex {
    by_stem: HashMap<String, Picture>,
}

impl PictureIndex {
    /// Load from the media folder's manifest; an unreadable manifest serves no pictures (the
    /// app falls back to the plain thumbnail) and is logged.
    pub fn load(media: &Path) -> Self {
        match manifest::load(media) {
            Ok(m) => PictureIndex {
                by_stem: m.images.into_iter().map(|(k, v)| (k, v.picture())).collect(),
            },
            Err(error) => {
                tracing::warn!(%error, media = %media.display(), "no image manifest; run `vitrine assets`");
                PictureIndex::default()
            }
        }
    }

    pub fn len(&self) -> usize {
        self.by_stem.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_stem.is_empty()
    }

    /// The picture behind an image URL, if the pipeline made one.
    pub fn for_url(&self, url: &str) -> Option<&Picture> {
        let file = url.rsplit('/').next()?;
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        self.by_stem.get(stem)
    }
}

/// The picture index the routes read, swapped whole when the image worker has made new
/// variants: the running server serves an upload's pictures without a restart.
#[derive(Debug, Clone, Default)]
pub struct Pictures(Arc<RwLock<Arc<PictureIndex>>>);

impl Pictures {
    pub fn new(index: PictureIndex) -> Self {
        Pictures(Arc::new(RwLock::new(Arc::new(index))))
    }

    /// The index as it is now (a cheap handle; later swaps do not change it).
    pub fn current(&self) -> Arc<PictureIndex> {
        match self.0.read() {
            Ok(index) => index.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Serve `index` from now on.
    pub fn replace(&self, index: PictureIndex) {
        let index = Arc::new(index);
        match self.0.write() {
            Ok(mut slot) => *slot = index,
            Err(poisoned) => *poisoned.into_inner() = index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_match_across_folders() {
        let picture = Picture {
            base: "/media/v/101-aa-11/".into(),
            width: 4,
            height: 3,
            widths: vec![],
            lite: vec![],
            placeholder: String::new(),
        };
        let index = PictureIndex { by_stem: HashMap::from([("101-aa".to_owned(), picture)]) };
        assert!(index.for_url("/media/thumbs/101-aa.jpg").is_some());
        assert!(index.for_url("/media/originals/101-aa.jpg").is_some());
        assert!(index.for_url("/media/thumbs/102-aa.jpg").is_none());
    }
}
