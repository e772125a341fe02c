//! Writes the demo catalog's images to the media folder, skipping those already there.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::{NewCatalog, NewItem, ORIGINAL_SIZE, THUMB_SIZE};

/// Where a `/media/...` URL lives inside `dir`.
fn file_for(dir: &Path, url: &str) -> PathBuf {
    dir.join(url.trim_start_matches("/media/"))
}

/// Render every missing original and thumbnail; returns how many items were drawn.
/// Work is spread over the machine's cores; each file is written atomically.
pub fn write_media(catalog: &NewCatalog, dir: &Path) -> std::io::Result<usize> {
    let todo: Vec<&NewItem> = catalog
        .collections
        .iter()
        .flat_map(|c| &c.items)
        .filter(|i| {
            !file_for(dir, &i.original.url).exists() || !file_for(dir, &i.thumb.url).exists()
        })
        .collect();
    let next = AtomicUsize::new(0);
    let first_error = Mutex::new(None);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(todo.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(item) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Err(e) = draw(item, dir) {
                        if let Ok(mut slot) = first_error.lock() {
                            slot.get_or_insert(e);
                        }
                        return;
                    }
                }
            });
        }
    });
    match first_error.into_inner().ok().flatten() {
        Some(e) => Err(e),
        None => Ok(todo.len()),
    }
}

fn draw(item: &NewItem, dir: &Path) -> std::io::Result<()> {
    let original = item.art.render(ORIGINAL_SIZE.0, ORIGINAL_SIZE.1);
    super::art::write_jpeg(&file_for(dir, &item.original.url), &original, 90)?;
    let thumb = super::art::thumbnail(&original, THUMB_SIZE.0, THUMB_SIZE.1);
    super::art::write_jpeg(&file_for(dir, &item.thumb.url), &thumb, 78)
}
