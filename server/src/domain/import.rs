//! `vitrine import`: a whole catalog for one merchant from a JSON or CSV file (or a folder
//! holding `catalog.json` or `catalog.csv`), with its images. Idempotent: a collection is
//! found by its slug and an item by its title within its collection, so running it twice
//! adds nothing; an item whose image is not ready yet gets its image again.
//!
//! JSON: `{"collections": [{"slug", "title", "description", "items": [{"title", "artist",
//! "description", "alt", "edition_size", "price": {"amount_minor", "currency"}, "image"}]}]}`.
//! CSV, one item a row: `collection,collection_title,title,artist,description,alt,
//! edition_size,price_minor,currency,image`. Image paths are relative to the file.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use vitrine_protocol::merchant::{ImageState, NewCollection, NewItem};
use vitrine_protocol::{Currency, FieldProblem, Money, Slug, UnixMillis};

use crate::domain::uploads::{process, store_original, Job};
use crate::storage::merchants::{Actor, Created};
use crate::storage::{Storage, StorageError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub collections: Vec<CollectionIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionIn {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub items: Vec<ItemIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemIn {
    pub title: String,
    pub artist: String,
    #[serde(default)]
    pub description: String,
    pub alt: String,
    pub edition_size: u32,
    pub price: Money,
    /// The original, relative to the catalog file.
    pub image: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Row {
    collection: String,
    collection_title: String,
    title: String,
    artist: String,
    #[serde(default)]
    description: String,
    alt: String,
    edition_size: u32,
    price_minor: i64,
    currency: Currency,
    image: PathBuf,
}

/// Why an import stopped. Nothing after the failing entry was written; what came before
/// stays (running it again after a fix carries on).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}: {1}")]
    Read(PathBuf, String),
    #[error("{where_}: {problems}")]
    Invalid { where_: String, problems: String },
    #[error("no merchant named {0:?}; make it with `vitrine merchant create`")]
    NoMerchant(String),
    #[error("the slug {0} belongs to another merchant")]
    TakenSlug(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub collections_added: usize,
    pub items_added: usize,
    pub images_processed: usize,
    pub images_failed: usize,
}

/// Read a catalog from `path`: a `.json` or `.csv` file, or a folder holding one. Image
/// paths are resolved against the file's folder.
pub fn read(path: &Path) -> Result<(Catalog, PathBuf), ImportError> {
    let file = if path.is_dir() {
        ["catalog.json", "catalog.csv"]
            .iter()
            .map(|name| path.join(name))
            .find(|p| p.exists())
            .ok_or_else(|| {
                ImportError::Read(path.to_owned(), "no catalog.json or catalog.csv here".into())
            })?
    } else {
        path.to_owned()
    };
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let read_err = |e: &dyn std::fmt::Display| ImportError::Read(file.clone(), e.to_string());
    let catalog = match file.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let text = std::fs::read_to_string(&file).map_err(|e| read_err(&e))?;
            serde_json::from_str(&text).map_err(|e| read_err(&e))?
        }
        Some("csv") => {
            let mut reader = csv::Reader::from_path(&file).map_err(|e| read_err(&e))?;
            let mut collections: Vec<CollectionIn> = Vec::new();
            for row in reader.deserialize::<Row>() {
                let row = row.map_err(|e| read_err(&e))?;
                let item = ItemIn {
                    title: row.title,
                    artist: row.artist,
                    description: row.description,
                    alt: row.alt,
                    edition_size: row.edition_size,
                    price: Money { amount_minor: row.price_minor, currency: row.currency },
                    image: row.image,
                };
                match collections.iter_mut().find(|c| c.slug == row.collection) {
                    Some(c) => c.items.push(item),
                    None => collections.push(CollectionIn {
                        slug: row.collection,
                        title: row.collection_title,
                        description: String::new(),
                        items: vec![item],
                    }),
                }
            }
            Catalog { collections }
        }
        _ => return Err(read_err(&"expected a .json or .csv file")),
    };
    Ok((catalog, base))
}

fn invalid(where_: String, problems: Vec<FieldProblem>) -> Result<(), ImportError> {
    if problems.is_empty() {
        return Ok(());
    }
    let problems: Vec<String> =
        problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect();
    Err(ImportError::Invalid { where_, problems: problems.join("; ") })
}

/// Import `catalog` for `merchant`, storing images under `media` and making their variants;
/// `progress(done, total)` after each item.
pub async fn import(
    storage: &dyn Storage,
    media: &Path,
    merchant: &str,
    (catalog, base): (Catalog, PathBuf),
    now: UnixMillis,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report, ImportError> {
    let merchant_id = storage
        .merchant_id(merchant)
        .await?
        .ok_or_else(|| ImportError::NoMerchant(merchant.to_owned()))?;
    let actor = Actor::operator(Some(merchant_id));
    // Every entry is checked before anything is written.
    for c in &catalog.collections {
        let new = NewCollection {
            slug: c.slug.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
        };
        invalid(format!("collection {}", c.slug), new.problems())?;
        for i in &c.items {
            invalid(format!("{} / {}", c.slug, i.title), new_item(&c.slug, i).problems())?;
            if !base.join(&i.image).is_file() {
                return Err(ImportError::Read(base.join(&i.image), "no such image".into()));
            }
        }
    }
    let total: usize = catalog.collections.iter().map(|c| c.items.len()).sum();
    let mut report = Report::default();
    let mut jobs = Vec::new();
    let mut done = 0;
    for c in &catalog.collections {
        let new = NewCollection {
            slug: c.slug.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
        };
        let slug: Slug = c.slug.parse().map_err(|_| ImportError::TakenSlug(c.slug.clone()))?;
        if let Created::Created(_) =
            storage.create_collection(&actor, merchant_id, &new, now).await?
        {
            report.collections_added += 1;
        }
        let existing = storage
            .merchant_items(merchant_id, &slug)
            .await?
            .ok_or_else(|| ImportError::TakenSlug(c.slug.clone()))?;
        for i in &c.items {
            let item = match existing.iter().find(|e| e.title == i.title.trim()) {
                Some(item) if item.image == ImageState::Ready => None,
                Some(item) => Some(item.id),
                None => {
                    let made = storage
                        .create_item(&actor, merchant_id, &new_item(&c.slug, i), now)
                        .await?;
                    report.items_added += 1;
                    made.map(|m| m.id)
                }
            };
            if let Some(id) = item {
                let path = base.join(&i.image);
                let bytes = std::fs::read(&path)
                    .map_err(|e| ImportError::Read(path.clone(), e.to_string()))?;
                let stored = store_original(media, id, &bytes)
                    .map_err(|e| ImportError::Read(path.clone(), e.to_string()))?;
                let upload = serde_json::json!({
                    "file": stored.file, "width": stored.original.width, "height": stored.original.height,
                });
                storage.original_uploaded(&actor, merchant_id, id, &upload, now).await?;
                jobs.push(Job { item: id, file: stored.file });
            }
            done += 1;
            progress(done, total);
        }
    }
    if !jobs.is_empty() {
        let dir = media.to_owned();
        let batch = jobs.clone();
        let outcomes = tokio::task::spawn_blocking(move || process(&dir, &batch))
            .await
            .map_err(|e| ImportError::Read(media.to_owned(), e.to_string()))?;
        for (id, outcome) in outcomes {
            if outcome.is_ok() {
                report.images_processed += 1;
            } else {
                report.images_failed += 1;
            }
            storage.image_processed(id, outcome).await?;
        }
    }
    Ok(report)
}

fn new_item(collection: &str, i: &ItemIn) -> NewItem {
    NewItem {
        collection: collection.to_owned(),
        title: i.title.clone(),
        artist: i.artist.clone(),
        description: i.description.clone(),
        alt: i.alt.clone(),
        edition_size: i.edition_size,
        price: i.price,
        hidden: false,
    }
}
