//! The write path for intents: one writer task commits queued orders in batches (group commit),
//! so many concurrent buyers cost one SQLite transaction instead of one each. An in-flight set
//! makes a second request with the same key wait its turn (409 `in_progress`) rather than race.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, Notify};
use vitrine_protocol::IntentId;

use crate::domain::clock;
use crate::storage::orders::{Ingested, NewOrder};
use crate::storage::Storage;

const MAX_BATCH: usize = 256;
const QUEUE: usize = 4096;

/// What became of a submitted order.
#[derive(Debug)]
pub enum Submitted {
    Done(Ingested),
    /// The same intent id is being written right now.
    InProgress,
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
    pub fn start(storage: Arc<dyn Storage>, hold_ms: i64, settle: Arc<Notify>) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(storage, hold_ms, rx, settle));
        Ingest { queue, in_flight: Arc::default() }
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
        if self.queue.send(Job { order, reply }).await.is_err() {
            return Submitted::Failed;
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
    mut rx: mpsc::Receiver<Job>,
    settle: Arc<Notify>,
) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let orders: Vec<NewOrder> = jobs.iter().map(|j| j.order.clone()).collect();
        match storage.ingest(&orders, clock::now(), hold_ms).await {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Some(result));
                }
                settle.notify_one();
            }
            Err(error) => {
                tracing::error!(%error, batch = orders.len(), "ingest batch failed; nothing committed");
                for job in jobs {
                    let _ = job.reply.send(None);
                }
            }
        }
    }
}
