//! `vitrine assets`: turn every original in `media/originals/` into responsive variants under
//! `media/v/{stem}-{hash}/`, plus `media/v/manifest.json`.
//!
//! Deterministic (same originals and settings → same bytes and URLs) and incremental: the hash in
//! each folder name covers the original's bytes and the encoding settings, so an original whose
//! folder is complete is not decoded again.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::encode::{self, EncodeError};
use super::manifest::{self, Entry, Manifest, Variant, FILE_NAME, VARIANTS_DIR};

/// Where originals are, under the media folder.
pub const ORIGINALS_DIR: &str = "originals";

#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: cannot decode: {source}")]
    Decode { path: PathBuf, source: image::ImageError },
    #[error("{path}: cannot encode: {source}")]
    Encode { path: PathBuf, source: EncodeError },
    #[error("{path}: original has no pixels")]
    Empty { path: PathBuf },
}

impl AssetsError {
    /// The file it is about.
    pub fn path(&self) -> &Path {
        match self {
            AssetsError::Io { path, .. }
            | AssetsError::Decode { path, .. }
            | AssetsError::Encode { path, .. }
            | AssetsError::Empty { path } => path,
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AssetsError + '_ {
    move |source| AssetsError::Io { path: path.to_owned(), source }
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    pub originals: usize,
    pub encoded: usize,
    pub reused: usize,
    pub variants: usize,
}

struct Job {
    stem: String,
    path: PathBuf,
    bytes: Vec<u8>,
    folder: String,
}

/// Run the pipeline over `media`. `progress(done, total)` is called after each encoded original.
pub fn run(media: &Path, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<Report, AssetsError> {
    let out_root = media.join(VARIANTS_DIR);
    std::fs::create_dir_all(&out_root).map_err(io(&out_root))?;
    let previous = manifest::load(media).unwrap_or_default();
    let fingerprint = encode::settings_fingerprint();

    let mut next = Manifest::default();
    let mut jobs = Vec::new();
    for path in originals(media)? {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let plain = plain_name(&stem);
        let mut digest = Sha256::new().chain_update(fingerprint.as_bytes()).chain_update(&bytes);
        // Two originals with the same bytes whose names read alike once made plain ("a b",
        // "a-b") would share a folder, and two encoders would write its files at once: such a
        // name is in the hash. A plain name is not, so its folder stays as it was.
        if plain != stem {
            digest.update(stem.as_bytes());
        }
        let folder = format!("{plain}-{}", &hex(&digest.finalize())[..10]);
        match previous.images.get(&stem) {
            Some(entry)
                if entry.base == base_url(&folder) && complete(&out_root, &folder, entry) =>
            {
                next.images.insert(stem, entry.clone());
            }
            _ => jobs.push(Job { stem, path, bytes, folder }),
        }
    }
    let reused = next.images.len();
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(total));
    let first_error = Mutex::new(None);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(total);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = done.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { return };
                match encode_one(media, &out_root, job) {
                    Ok(entry) => {
                        if let Ok(mut r) = results.lock() {
                            r.push((job.stem.clone(), entry));
                        }
                        let finished = results.lock().map_or(0, |r| r.len());
                        progress(finished, total);
                    }
                    Err(e) => {
                        if let Ok(mut slot) = first_error.lock() {
                            slot.get_or_insert(e);
                        }
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    next.images.extend(results.into_inner().unwrap_or_default());
    prune(&out_root, &next)?;
    let json = serde_json::to_vec_pretty(&next).map_err(|e| AssetsError::Io {
        path: out_root.join(FILE_NAME),
        source: std::io::Error::other(e),
    })?;
    write_atomic(&out_root.join(FILE_NAME), &json)?;
    Ok(Report {
        originals: next.images.len(),
        encoded: total,
        reused,
        variants: next.images.values().map(|e| e.variants.len()).sum(),
    })
}

fn originals(media: &Path) -> Result<Vec<PathBuf>, AssetsError> {
    let dir = media.join(ORIGINALS_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(&dir)(e)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(io(&dir))?.path();
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if matches!(ext.as_deref(), Some("jpg" | "jpeg" | "png" | "webp")) {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// `stem` with anything but ASCII letters, digits, `_` and `-` made a `-`: a variant's URL is
/// then the folder's name as written, with nothing to escape, which the worker's check of the
/// pictures a page reports requires (service-worker/src/pictures_shown.rs); and with no `.`,
/// which would end the name where `static_files::is_immutable` looks for its hash.
fn plain_name(stem: &str) -> String {
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_-".contains(c) { c } else { '-' })
        .collect()
}

fn base_url(folder: &str) -> String {
    format!("{}{folder}/", vitrine_protocol::VARIANTS_PATH)
}

fn complete(out_root: &Path, folder: &str, entry: &Entry) -> bool {
    !entry.variants.is_empty()
        && entry.variants.iter().all(|v| {
            std::fs::metadata(out_root.join(folder).join(&v.file)).is_ok_and(|m| m.len() == v.bytes)
        })
}

fn encode_one(media: &Path, out_root: &Path, job: &Job) -> Result<Entry, AssetsError> {
    let source = image::load_from_memory(&job.bytes)
        .map_err(|source| AssetsError::Decode { path: job.path.clone(), source })?
        .to_rgb8();
    let (width, height) = source.dimensions();
    if width == 0 || height == 0 {
        return Err(AssetsError::Empty { path: job.path.clone() });
    }
    let dir = out_root.join(&job.folder);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut variants = Vec::new();
    let mut current = source.clone();
    for planned in encode::plan(width) {
        let h = ((u64::from(planned.width) * u64::from(height)) / u64::from(width)).max(1);
        let h = u32::try_from(h).unwrap_or(height);
        if current.width() != planned.width {
            current = encode::resize(&current, planned.width, h);
        }
        let bytes = encode::encode(&current, planned.format, planned.quality)
            .map_err(|source| AssetsError::Encode { path: job.path.clone(), source })?;
        let suffix = if planned.lite { "-lite" } else { "" };
        let file = format!("{}{suffix}.{}", planned.width, planned.format.extension());
        write_atomic(&dir.join(&file), &bytes)?;
        variants.push(Variant {
            file,
            format: planned.format,
            lite: planned.lite,
            width: planned.width,
            height: h,
            quality: planned.quality,
            bytes: bytes.len() as u64,
        });
    }
    let original =
        job.path.strip_prefix(media).unwrap_or(&job.path).to_string_lossy().replace('\\', "/");
    Ok(Entry {
        original,
        original_bytes: job.bytes.len() as u64,
        width,
        height,
        base: base_url(&job.folder),
        placeholder: encode::placeholder(&source),
        variants,
    })
}

/// Remove variant folders no original needs any more (a re-drawn or deleted original).
fn prune(out_root: &Path, manifest: &Manifest) -> Result<(), AssetsError> {
    let keep: std::collections::HashSet<String> =
        manifest.images.values().map(|e| e.base.clone()).collect();
    for entry in std::fs::read_dir(out_root).map_err(io(out_root))? {
        let path = entry.map_err(io(out_root))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if path.is_dir() && !keep.contains(&base_url(name)) {
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AssetsError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::plain_name;

    #[test]
    fn folder_names_need_no_escaping_in_a_url() {
        assert_eq!(plain_name("101-ab12"), "101-ab12");
        assert_eq!(plain_name("Sea glass #2"), "Sea-glass--2");
        assert_eq!(plain_name("vague_été.v2"), "vague_-t--v2");
        assert_eq!(plain_name("a/b\\c?d%2e"), "a-b-c-d-2e");
    }
}
