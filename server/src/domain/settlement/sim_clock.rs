//! A sandbox's own clock: the server's time plus an offset that tests and runbooks move
//! forward, so "a dispute three days later" or "finality after 64 blocks" needs no waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use vitrine_protocol::UnixMillis;

#[derive(Debug, Default)]
pub struct SimClock {
    offset_ms: AtomicI64,
}

impl SimClock {
    /// The sandbox's time when the server's is `now`.
    pub fn at(&self, now: UnixMillis) -> UnixMillis {
        now.plus(self.offset_ms.load(Ordering::Acquire))
    }

    /// Move the sandbox's time forward (never back: a rail's reports stay in order).
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |o| Some(o.saturating_add(by)))
            .ok();
    }

    /// How far ahead of the server the sandbox runs.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.offset_ms.load(Ordering::Acquire)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_clock_only_moves_forward_by_what_it_is_told() {
        let clock = SimClock::default();
        assert_eq!(clock.at(UnixMillis(1_000)), UnixMillis(1_000));
        clock.advance(Duration::from_secs(3 * 24 * 3600));
        assert_eq!(clock.at(UnixMillis(1_000)), UnixMillis(1_000 + 259_200_000));
        assert_eq!(clock.offset(), Duration::from_secs(259_200));
    }
}
