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

use governor::clock::{Clock, DefaultClock, Reference};
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

/// How often the buckets that have refilled are dropped: the pass walks the whole map, so under
/// a flood from many addresses it runs this often, not once every so many requests.
const PRUNE_EVERY: Duration = Duration::from_secs(10);

/// A token bucket per client (`client_key`).
pub struct PerClient<C: Clock = DefaultClock> {
    limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    start: C::Instant,
    /// When the last pass ran, in ns since `start`: one request in each `PRUNE_EVERY` runs it.
    pruned_at: AtomicU64,
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
        let start = clock.now();
        PerClient { limiter, clock, start, pruned_at: AtomicU64::new(0) }
    }

    /// Take a token for `client`, or say how long until one is free.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        let now = self.clock.now();
        let since_start = now.duration_since(self.start).as_u64();
        let last = self.pruned_at.load(Ordering::Relaxed);
        let due = Duration::from_nanos(since_start.saturating_sub(last)) >= PRUNE_EVERY;
        if due
            && self
                .pruned_at
                .compare_exchange(last, since_start, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.prune();
        }
        self.limiter
            .check_key(&client_key(client))
            .map_err(|not_until| not_until.wait_time_from(now))
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
        v4 @ IpAddr::V4(_) => v4,
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
        // A token a minute, two at once: a bucket drawn down stays so across a pass.
        let clock = FakeRelativeClock::default();
        let (one, two) = (NonZeroU32::MIN, NonZeroU32::MIN.saturating_add(1));
        let limiter =
            PerClient::with_clock(RateLimit { per_minute: one, burst: two }, clock.clone());
        let address = |i: u32| IpAddr::V4(i.into());
        for i in 0..5000 {
            assert!(limiter.check(address(i)).is_ok());
        }
        assert_eq!(limiter.clients(), 5000, "not pruned before PRUNE_EVERY");
        // Ten minutes later every bucket is full again; the next check prunes them all but its own.
        clock.advance(Duration::from_secs(600));
        assert!(limiter.check(address(5000)).is_ok());
        assert_eq!(limiter.clients(), 1);
        // One drawn down is kept through the next pass, and still limited.
        assert!(limiter.check(address(1)).is_ok() && limiter.check(address(1)).is_ok());
        assert!(limiter.check(address(1)).is_err());
        clock.advance(PRUNE_EVERY);
        assert!(limiter.check(address(2)).is_ok());
        assert_eq!(limiter.clients(), 3, "5000 and 1 not full yet, and 2");
        assert!(limiter.check(address(1)).is_err(), "pruning gives no one tokens back");
    }
}
