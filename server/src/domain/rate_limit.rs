//! Per-client token buckets (GCRA, from the `governor` crate) for endpoints anyone can call:
//! device registration hands out offline budgets, so a script must not mint them by the
//! thousand.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// How many requests a client may make: a sustained rate and a burst.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Default for RateLimit {
    /// A household behind one address registers a few devices; a script gets 429s.
    fn default() -> Self {
        RateLimit {
            per_minute: NonZeroU32::MIN.saturating_add(9),
            burst: NonZeroU32::MIN.saturating_add(19),
        }
    }
}

impl RateLimit {
    /// For intents: a buyer, or a household, buys a few things a minute and a device replays
    /// its outbox one at a time; a script hammering a drop gets 429 with `Retry-After`.
    pub fn intents() -> Self {
        RateLimit {
            per_minute: NonZeroU32::MIN.saturating_add(119),
            burst: NonZeroU32::MIN.saturating_add(29),
        }
    }
}

/// A token bucket per client address.
pub struct PerClient {
    limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>,
    clock: DefaultClock,
}

impl PerClient {
    pub fn new(limit: RateLimit) -> Self {
        let quota = Quota::per_minute(limit.per_minute).allow_burst(limit.burst);
        PerClient { limiter: RateLimiter::keyed(quota), clock: DefaultClock::default() }
    }

    /// Take a token for `client`, or say how long until one is free.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_client_waits_and_others_do_not() {
        let two = NonZeroU32::MIN.saturating_add(1);
        let limiter = PerClient::new(RateLimit { per_minute: two, burst: two });
        let a: IpAddr = [10, 0, 0, 1].into();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30), "{wait:?}");
        assert!(limiter.check([10, 0, 0, 2].into()).is_ok());
    }
}
