//! The pictures the API hands out, looked up by the file stem of an image URL (`/media/
//! originals/101-3fa2.jpg` and `/media/thumbs/101-3fa2.jpg` are the same picture).

use std::collections::HashMap;
use std::path::Path;

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
