//! Background tasks (the order writer, the settler) run under a supervisor: if one panics it
//! is logged and started again, and `/healthz` answers 503 while it is down.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Whether a supervised task is running, for `/healthz`.
#[derive(Clone, Default)]
pub struct Liveness(Arc<AtomicBool>);

impl Liveness {
    pub fn is_up(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, up: bool) {
        self.0.store(up, Ordering::Relaxed);
    }
}

/// Run `start()` until it returns; restart it (after a pause) whenever it panics.
pub fn supervise<F, Fut>(name: &'static str, start: F) -> Liveness
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let liveness = Liveness::default();
    let up = liveness.clone();
    tokio::spawn(async move {
        loop {
            up.set(true);
            let outcome = tokio::spawn(start()).await;
            up.set(false);
            match outcome {
                Ok(()) => break,
                Err(error) => {
                    tracing::error!(task = name, %error, "background task died; restarting");
                    // A task that dies at once must not spin the CPU restarting.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    });
    liveness
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[tokio::test]
    async fn a_task_that_panics_is_restarted() {
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let done = Arc::new(tokio::sync::Notify::new());
        let finished = done.clone();
        let liveness = supervise("test", move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            let finished = finished.clone();
            async move {
                assert!(n > 0, "first run dies");
                finished.notify_one();
                std::future::pending::<()>().await;
            }
        });
        done.notified().await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert!(liveness.is_up());
    }
}
