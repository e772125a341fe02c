//! The image worker: an uploaded original becomes responsive variants in the background, one
//! run of the variant pipeline at a time (runs are incremental: originals already done are
//! not decoded again), then the picture index is swapped so the running server serves them,
//! and the item records its images, or why it has none.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use vitrine_protocol::{ImageFormat, ImageRef, ItemId};

use crate::images::manifest::{FILE_NAME, VARIANTS_DIR};
use crate::images::pipeline::{self, ORIGINALS_DIR};
use crate::images::sniff::{sniff, Original};
use crate::images::{PictureIndex, Pictures};
use crate::storage::{ItemImages, Storage};

/// How many uploads may wait for the worker; more are refused as `overloaded`.
const QUEUE: usize = 64;

/// An original checked and stored under `media/originals/`.
#[derive(Debug, Clone)]
pub struct Stored {
    pub file: String,
    pub original: Original,
}

/// Why an original was not stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What is wrong with the image, in words for its merchant.
    #[error("{0}")]
    Refused(String),
    #[error("the original could not be written: {0}")]
    Io(#[from] std::io::Error),
}

/// Check `bytes` are a usable original (`images::sniff`) and store them whole or not at all,
/// named by item and content (the same bytes twice are one file; variants are keyed by it too).
pub fn store_original(media: &Path, item: ItemId, bytes: &[u8]) -> Result<Stored, StoreError> {
    let original = sniff(bytes).map_err(StoreError::Refused)?;
    let digest: String = Sha256::digest(bytes).iter().take(5).map(|b| format!("{b:02x}")).collect();
    let file = format!("{item}-{digest}.{}", original.extension);
    let dir = media.join(ORIGINALS_DIR);
    std::fs::create_dir_all(&dir)?;
    let temporary = dir.join(format!(".{file}.partial"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(&file))?;
    Ok(Stored { file, original })
}

/// One stored original to process.
#[derive(Debug, Clone)]
pub struct Job {
    pub item: ItemId,
    /// Its file name under `media/originals/`.
    pub file: String,
}

/// The handle routes hand jobs to.
#[derive(Clone)]
pub struct Uploads {
    sender: mpsc::Sender<Job>,
    media: Arc<PathBuf>,
}

impl Uploads {
    /// Start the worker for `media`.
    pub fn start(storage: Arc<dyn Storage>, pictures: Pictures, media: PathBuf) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let media = Arc::new(media);
        tokio::spawn(run(receiver, storage, pictures, media.clone()));
        Uploads { sender, media }
    }

    /// The media folder originals are stored under.
    pub fn media(&self) -> PathBuf {
        self.media.as_ref().clone()
    }

    /// Queue a job; false when the queue is full.
    pub fn submit(&self, job: Job) -> bool {
        self.sender.try_send(job).is_ok()
    }
}

/// How often the worker looks whether another process (`vitrine import`, `vitrine assets`)
/// rewrote the manifest, to serve its variants without a restart.
const MANIFEST_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

fn manifest_time(media: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(media.join(VARIANTS_DIR).join(FILE_NAME)).and_then(|m| m.modified()).ok()
}

async fn run(
    mut receiver: mpsc::Receiver<Job>,
    storage: Arc<dyn Storage>,
    pictures: Pictures,
    media: Arc<PathBuf>,
) {
    let mut seen = manifest_time(&media);
    let mut tick = tokio::time::interval(MANIFEST_CHECK);
    loop {
        let first = tokio::select! {
            job = receiver.recv() => match job {
                Some(job) => job,
                None => return,
            },
            _ = tick.tick() => {
                let now = manifest_time(&media);
                if now != seen {
                    seen = now;
                    pictures.replace(PictureIndex::load(&media));
                }
                continue;
            }
        };
        // Everything queued meanwhile goes in the same pipeline run.
        let mut jobs = vec![first];
        while let Ok(job) = receiver.try_recv() {
            jobs.push(job);
        }
        let dir = media.as_ref().clone();
        let batch = jobs.clone();
        let outcomes = tokio::task::spawn_blocking(move || process(&dir, &batch)).await;
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            Err(error) => {
                tracing::error!(%error, "the image worker's run panicked");
                let failed = || Err("processing failed; upload it again".to_owned());
                jobs.iter().map(|j| (j.item, failed())).collect()
            }
        };
        seen = manifest_time(&media);
        pictures.replace(PictureIndex::load(&media));
        for (item, outcome) in outcomes {
            if let Err(error) = storage.image_processed(item, outcome).await {
                tracing::error!(%error, %item, "recording an image's outcome failed");
            }
        }
    }
}

/// What became of one job: the item's images, or why it has none.
pub type Outcome = (ItemId, Result<ItemImages, String>);

/// Run the pipeline until it succeeds, setting aside each original it cannot process (renamed
/// `….rejected`, so it is never picked up again) and failing that job with the reason.
pub fn process(media: &Path, jobs: &[Job]) -> Vec<Outcome> {
    let mut failed: Vec<Outcome> = Vec::new();
    for _ in 0..=jobs.len() {
        match pipeline::run(media, &|_, _| {}) {
            Ok(_) => break,
            Err(error) => {
                let path = error.path().to_owned();
                tracing::warn!(%error, "an original could not be processed");
                let job = jobs.iter().find(|j| path.ends_with(&j.file));
                let renamed = std::fs::rename(&path, path.with_extension("rejected"));
                match (job, renamed) {
                    (Some(job), Ok(())) => failed.push((
                        job.item,
                        Err("this image could not be decoded; upload another".into()),
                    )),
                    // Not an upload of this batch, or it cannot be set aside: stop here.
                    _ => {
                        let reason = "the image pipeline failed; try again later".to_owned();
                        return jobs.iter().map(|j| (j.item, Err(reason.clone()))).collect();
                    }
                }
            }
        }
    }
    let index = PictureIndex::load(media);
    jobs.iter()
        .map(|job| {
            if let Some((_, outcome)) = failed.iter().find(|(item, _)| *item == job.item) {
                return (job.item, outcome.clone());
            }
            (job.item, images(media, &index, &job.file))
        })
        .collect()
}

/// The item's original and thumbnail, once the pipeline made its variants. The thumbnail is
/// the smallest JPEG variant, copied beside the original's stem (`media/thumbs/{stem}.jpg`),
/// so the catalog finds its picture by the same stem.
fn images(media: &Path, index: &PictureIndex, file: &str) -> Result<ItemImages, String> {
    let original_url = format!("/media/{ORIGINALS_DIR}/{file}");
    let picture = index.for_url(&original_url).ok_or("no variants were made")?;
    let width = *picture.widths.first().ok_or("no variants were made")?;
    let variant = picture.url(width, ImageFormat::Jpeg, false);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let thumbs = media.join("thumbs");
    let from = media.join(variant.trim_start_matches("/media/"));
    std::fs::create_dir_all(&thumbs)
        .and_then(|()| std::fs::copy(&from, thumbs.join(format!("{stem}.jpg"))))
        .map_err(|e| format!("the thumbnail could not be written: {e}"))?;
    Ok(ItemImages {
        original: ImageRef { url: original_url, width: picture.width, height: picture.height },
        thumb: ImageRef {
            url: format!("/media/thumbs/{stem}.jpg"),
            width,
            height: picture.height_at(width),
        },
    })
}
