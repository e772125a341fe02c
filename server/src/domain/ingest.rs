//! The write path for intents: one writer task commits queued orders in batches (group commit),
//! so many concurrent buyers cost one SQLite transaction instead of one each. An in-flight set
//! makes a second request with the same key wait its turn (409 `in_progress`) rather than race.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, Notify};
use vitrine_protocol::{IntentId, UnixMillis};

use crate::domain::admission;
use crate::domain::clock;
use crate::domain::orders::{Ingested, NewOrder};
use crate::domain::supervisor::{supervise, Liveness};
use crate::storage::{Storage, StorageError};

const MAX_BATCH: usize = 256;
/// Bounded: when this many orders wait, new ones are refused with 503 `overloaded` at once
/// rather than waiting without end (a buyer's device retries after `Retry-After`).
pub const QUEUE: usize = 1024;

/// What became of a submitted order.
#[derive(Debug)]
pub enum Submitted {
    Done(Ingested),
    /// The same intent id is being written right now.
    InProgress,
    /// The queue is full; nothing was written. Retry later.
    Overloaded,
    /// Storage failed; nothing was committed for this order. Safe to retry.
    Failed,
}

struct Job {
    order: NewOrder,
    reply: oneshot::Sender<Option<Ingested>>,
}

#[derive(Clone)]
pub struct Ingest {
    queue: mpsc::Sender<Job>,
    in_flight: Arc<Mutex<HashSet<IntentId>>>,
    liveness: Liveness,
}

/// Removes an id from the in-flight set however the request ends (even if it is dropped).
struct InFlight<'a>(&'a Mutex<HashSet<IntentId>>, IntentId);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(&self.1);
        }
    }
}

impl Ingest {
    /// Start the writer. `settle` is woken after each commit so payment starts at once.
    /// The writer runs supervised: a panic fails its batch (every order in it gets a
    /// retryable 500, nothing committed) and a new writer takes the same queue.
    pub fn start(storage: Arc<dyn Storage>, hold_ms: i64, settle: Arc<Notify>) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let liveness = supervise("order writer", move || {
            writer(storage.clone(), hold_ms, rx.clone(), settle.clone())
        });
        Ingest { queue, in_flight: Arc::default(), liveness }
    }

    /// Whether the writer task is running.
    pub fn is_running(&self) -> bool {
        self.liveness.is_up() && !self.queue.is_closed()
    }

    /// How many orders wait for the writer, read when asked (the metrics scrape). It holds the
    /// queue weakly, so it never keeps a writer alive.
    pub fn queue_depth(&self) -> impl Fn() -> usize + Send + Sync + 'static {
        let queue = self.queue.downgrade();
        move || queue.upgrade().map_or(0, |q| q.max_capacity().saturating_sub(q.capacity()))
    }

    pub async fn submit(&self, order: NewOrder) -> Submitted {
        let id = order.id;
        let fresh = match self.in_flight.lock() {
            Ok(mut set) => set.insert(id),
            Err(_) => return Submitted::Failed,
        };
        if !fresh {
            return Submitted::InProgress;
        }
        let _guard = InFlight(&self.in_flight, id);
        let (reply, answer) = oneshot::channel();
        match self.queue.try_send(Job { order, reply }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => return Submitted::Overloaded,
            Err(mpsc::error::TrySendError::Closed(_)) => return Submitted::Failed,
        }
        match answer.await {
            Ok(Some(ingested)) => Submitted::Done(ingested),
            _ => Submitted::Failed,
        }
    }
}

async fn writer(
    storage: Arc<dyn Storage>,
    hold_ms: i64,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    settle: Arc<Notify>,
) {
    let mut rx = rx.lock().await;
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let orders: Vec<&NewOrder> = jobs.iter().map(|j| &j.order).collect();
        let committed = commit_batch(storage.as_ref(), &orders, clock::now(), hold_ms).await;
        match committed {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Some(result));
                }
                settle.notify_one();
            }
            Err(error) => {
                tracing::error!(%error, batch = jobs.len(), "ingest batch failed; nothing committed");
                for job in jobs {
                    let _ = job.reply.send(None);
                }
            }
        }
    }
}

/// One batch, one transaction: the orders are decided by `admission::admit_batch`, then all
/// commit.
async fn commit_batch(
    storage: &dyn Storage,
    batch: &[&NewOrder],
    now: UnixMillis,
    hold_ms: i64,
) -> Result<Vec<Ingested>, StorageError> {
    let mut tx = storage.begin_ingest().await?;
    let out = admission::admit_batch(tx.as_mut(), batch, now, hold_ms).await?;
    tx.commit().await?;
    Ok(out)
}
