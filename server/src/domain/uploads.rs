//! The image worker: an uploaded original becomes responsive variants in the background, one
//! run of the variant pipeline at a time (runs are incremental: originals already done are
//! not decoded again), then the picture index is swapped so the running server serves them,
//! and the item records its images, or why it has none.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;
use vitrine_protocol::{ImageFormat, ImageRef, ItemId};

use crate::images::pipeline::{self, ORIGINALS_DIR};
use crate::images::{PictureIndex, Pictures};
use crate::storage::{ItemImages, Storage};

/// How many uploads may wait for the worker; more are refused as `overloaded`.
const QUEUE: usize = 64;

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

    /// The folder originals are stored in.
    pub fn originals(&self) -> PathBuf {
        self.media.join(ORIGINALS_DIR)
    }

    /// Queue a job; false when the queue is full.
    pub fn submit(&self, job: Job) -> bool {
        self.sender.try_send(job).is_ok()
    }
}

async fn run(
    mut receiver: mpsc::Receiver<Job>,
    storage: Arc<dyn Storage>,
    pictures: Pictures,
    media: Arc<PathBuf>,
) {
    while let Some(first) = receiver.recv().await {
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
                jobs.iter()
                    .map(|j| (j.item, Err("processing failed; upload it again".into())))
                    .collect()
            }
        };
        pictures.replace(PictureIndex::load(&media));
        for (item, outcome) in outcomes {
            if let Err(error) = storage.image_processed(item, outcome).await {
                tracing::error!(%error, %item, "recording an image's outcome failed");
            }
        }
    }
}

type Outcome = (ItemId, Result<ItemImages, String>);

/// Run the pipeline until it succeeds, setting aside each original it cannot process (renamed
/// `….rejected`, so it is never picked up again) and failing that job with the reason.
fn process(media: &Path, jobs: &[Job]) -> Vec<Outcome> {
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
