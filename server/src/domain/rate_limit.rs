//! Per-client token buckets (GCRA, from the `governor` crate) for endpoints anyone can call:
//! device registration hands out offline budgets, so a script must not mint them by the
//! thousand.
//!
//! A client is an IPv4 address, or an IPv6 /64: one subscriber is handed a whole /64, so one
//! bucket per IPv6 address would give a script 2^64 of them. Buckets that have refilled are
//! dropped now and then (`retain_recent`): a flood from many addresses would otherwise grow
//! the map for as long as the server runs.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
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

/// Every this many checks, the buckets that have refilled are dropped: the work is a pass over
/// the map, so its cost per check stays a fraction of the check's own.
const PRUNE_EVERY: u64 = 4096;

/// A token bucket per client (`client_key`).
pub struct PerClient<C: Clock = DefaultClock> {
    limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    checks: AtomicU64,
}

impl PerClient {
    pub fn new(limit: RateLimit) -> Self {
        PerClient::with_clock(limit, DefaultClock::default())
    }
}

impl<C: Clock + Clone> PerClient<C> {
    fn with_clock(limit: RateLimit, clock: C) -> Self {
        let quota = Quota::per_minute(limit.per_minute).allow_burst(limit.burst);
        let limiter = RateLimiter::new(quota, DefaultKeyedStateStore::default(), clock.clone());
        PerClient { limiter, clock, checks: AtomicU64::new(0) }
    }

    /// Take a token for `client`, or say how long until one is free.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        self.limiter
            .check_key(&client_key(client))
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Drop the buckets no different from a new one (full again).
    fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many clients have a bucket.
    #[cfg(test)]
    fn clients(&self) -> usize {
        self.limiter.len()
    }
}

/// The bucket a request's address draws from: an IPv4 address (also when written as IPv6), or
/// an IPv6 address's /64.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & (u128::MAX << 64);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

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

    #[test]
    fn addresses_in_one_ipv6_64_share_a_bucket_and_mapped_ipv4_is_ipv4() {
        let one = NonZeroU32::MIN;
        let limiter = PerClient::new(RateLimit { per_minute: one, burst: one });
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff:eeee:dddd:cccc".parse().unwrap();
        let next_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(same_64).is_err(), "another address of the same /64");
        assert!(limiter.check(next_64).is_ok());
        assert!(limiter.check([192, 0, 2, 7].into()).is_ok());
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert!(limiter.check(mapped).is_err(), "the same IPv4 address, written as IPv6");
    }

    #[test]
    fn a_flood_from_many_addresses_does_not_keep_their_buckets() {
        let clock = FakeRelativeClock::default();
        let per_minute = NonZeroU32::MIN.saturating_add(59);
        let limiter =
            PerClient::with_clock(RateLimit { per_minute, burst: per_minute }, clock.clone());
        let address = |i: u64| IpAddr::V4(u32::try_from(i).unwrap().into());
        for i in 0..PRUNE_EVERY - 1 {
            assert!(limiter.check(address(i)).is_ok());
        }
        assert_eq!(limiter.clients(), usize::try_from(PRUNE_EVERY).unwrap() - 1);
        // A minute later every bucket is full again; the next check prunes them all but its own.
        clock.advance(Duration::from_secs(60));
        assert!(limiter.check(address(PRUNE_EVERY)).is_ok());
        assert_eq!(limiter.clients(), 1);
        // One still drawn down is kept, and still limited.
        for _ in 0..60 {
            let _ = limiter.check(address(1));
        }
        assert!(limiter.check(address(1)).is_err());
        limiter.prune();
        assert_eq!(limiter.clients(), 2);
        assert!(limiter.check(address(1)).is_err(), "pruning gives no one tokens back");
    }
}
