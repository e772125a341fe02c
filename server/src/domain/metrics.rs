//! What the shop counts for Prometheus: the intents answered and how, the oversell attempts,
//! the order writer's queue, how long an accepted order takes to be paid, how long a rail's
//! report waits to be reconciled, what collectors' service workers report (their image
//! cache's hits, their replays' answers), and the per-client limiters' refusals. Handlers and workers record; `GET /metrics` encodes. The text is the
//! `prometheus-client` crate's OpenMetrics encoder, never formatted here.

use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use vitrine_protocol::telemetry::WorkerReport;
use vitrine_protocol::{ErrorCode, Order, OrderState, UnixMillis};

use crate::domain::orders::conflict_reason;
use crate::storage::orders::ConflictKind;

/// Upper bounds, in seconds, from accepted to paid: the sandbox card pays within a settler
/// pass (well under a second); a rail that answers "pending" retries after seconds; past two
/// minutes the hold is in trouble whatever the exact figure.
const INTENT_TO_PAID_BUCKETS: [f64; 11] =
    [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

/// Upper bounds, in seconds, from a rail's report to its reconciled entry: a window is 30 s by
/// default and the target is a window and a second (31 s); the rest shows how far past it.
const RECONCILIATION_BUCKETS: [f64; 13] =
    [0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 31.0, 45.0, 60.0, 120.0, 300.0];

/// The metrics of one server: cheap to clone, every clone records into the same registry.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    intents: Family<IntentLabels, Counter>,
    oversell_attempts: Counter,
    intent_to_paid: Histogram,
    reconciliation_latency: Histogram,
    worker_cache: Family<ResultLabel, Counter>,
    worker_replays: Family<OutcomeLabel, Counter>,
    rate_limited: Family<RouteLabel, Counter>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IntentLabels {
    outcome: &'static str,
    /// The refusal's code; empty for an order (accepted or conflict).
    code: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

/// What `POST /api/v1/intents` answered, as `vitrine_intents` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentOutcome {
    /// An order that holds stock.
    Accepted,
    /// An order recorded as a conflict, nothing charged: sold out, late, or over the device's
    /// limit (`None` when its reason is not one of ours, e.g. an answer stored long ago).
    Conflict(Option<ConflictKind>),
    /// A 4xx other than 429, with its code.
    Rejected(ErrorCode),
    /// A per-client limiter's 429.
    RateLimited,
    /// 503: nothing was written, the writer's queue was full.
    Overloaded,
    /// Any other 5xx: ours, nothing written, safe to retry.
    Failed,
}

impl IntentOutcome {
    /// The outcome of an order the buyer was given (first answer or replay).
    pub fn of_order(order: &Order) -> Self {
        if order.state != OrderState::Conflict {
            return IntentOutcome::Accepted;
        }
        // The answer carries the reason's words, not the kind; the words are one per kind.
        let reason = order.reason.as_deref();
        let kind = [ConflictKind::SoldOut, ConflictKind::Late, ConflictKind::OverLimit]
            .into_iter()
            .find(|kind| reason == Some(conflict_reason(*kind)));
        IntentOutcome::Conflict(kind)
    }

    /// The outcome of a refusal in the one error shape.
    pub fn of_error(code: ErrorCode) -> Self {
        match code {
            ErrorCode::RateLimited => IntentOutcome::RateLimited,
            ErrorCode::Overloaded => IntentOutcome::Overloaded,
            code if code.http_status() < 500 => IntentOutcome::Rejected(code),
            _ => IntentOutcome::Failed,
        }
    }

    fn labels(self) -> IntentLabels {
        let (outcome, code) = match self {
            IntentOutcome::Accepted => ("accepted", ""),
            IntentOutcome::Conflict(_) => ("conflict", ""),
            IntentOutcome::Rejected(code) => ("rejected", code.as_str()),
            IntentOutcome::RateLimited => ("rate_limited", ErrorCode::RateLimited.as_str()),
            IntentOutcome::Overloaded => ("overloaded", ErrorCode::Overloaded.as_str()),
            IntentOutcome::Failed => ("failed", ErrorCode::Internal.as_str()),
        };
        IntentLabels { outcome, code }
    }
}

impl Metrics {
    /// A registry with every family; `queue_depth` is read at each scrape (the order writer's
    /// queue length), so the gauge is never stale and the writer's path records nothing.
    pub fn new(queue_depth: impl Fn() -> usize + Send + Sync + 'static) -> Self {
        let mut registry = Registry::default();
        let intents = Family::<IntentLabels, Counter>::default();
        registry.register(
            "vitrine_intents",
            "Answers to POST /api/v1/intents by outcome (accepted, conflict, rejected, \
             rate_limited, overloaded, failed); code is the error code of a refusal",
            intents.clone(),
        );
        let oversell_attempts = Counter::default();
        registry.register(
            "vitrine_oversell_attempts",
            "Intents that found no stock left (first answers that were sold_out conflicts)",
            oversell_attempts.clone(),
        );
        let intent_to_paid = Histogram::new(INTENT_TO_PAID_BUCKETS);
        registry.register_with_unit(
            "vitrine_intent_to_paid",
            "Time from an order's acceptance to the settler recording it paid",
            Unit::Seconds,
            intent_to_paid.clone(),
        );
        let reconciliation_latency = Histogram::new(RECONCILIATION_BUCKETS);
        registry.register_with_unit(
            "vitrine_reconciliation_latency",
            "Time from a rail's report (its time on the rail) to its entry reconciled here",
            Unit::Seconds,
            reconciliation_latency.clone(),
        );
        let worker_cache = Family::<ResultLabel, Counter>::default();
        registry.register(
            "vitrine_worker_image_cache",
            "Images collectors' service workers served from their cache (hit) or not (miss), \
             as the workers report them",
            worker_cache.clone(),
        );
        let worker_replays = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "vitrine_worker_replays",
            "Replays of queued purchases and claims by collectors' service workers: answered \
             (a final answer) or retried (the shop said try again), as the workers report them",
            worker_replays.clone(),
        );
        let rate_limited = Family::<RouteLabel, Counter>::default();
        registry.register(
            "vitrine_rate_limited",
            "429 answers of the per-client rate limiters, by route",
            rate_limited.clone(),
        );
        registry.register_collector(Box::new(QueueDepth(Box::new(queue_depth))));
        // Every outcome but a refusal (whose codes are many) is there from the start at 0, so
        // a rate over it is defined before the first such answer.
        for outcome in [
            IntentOutcome::Accepted,
            IntentOutcome::Conflict(None),
            IntentOutcome::RateLimited,
            IntentOutcome::Overloaded,
            IntentOutcome::Failed,
        ] {
            let _ = intents.get_or_create(&outcome.labels());
        }
        for result in ["hit", "miss"] {
            let _ = worker_cache.get_or_create(&ResultLabel { result });
        }
        for outcome in ["answered", "retried"] {
            let _ = worker_replays.get_or_create(&OutcomeLabel { outcome });
        }
        Metrics(Arc::new(Inner {
            registry,
            intents,
            oversell_attempts,
            intent_to_paid,
            reconciliation_latency,
            worker_cache,
            worker_replays,
            rate_limited,
        }))
    }

    /// Count one answer to an intent. A replay repeats an answer, not an attempt: it counts as
    /// an answer but never again as an oversell attempt.
    pub fn intent_answered(&self, outcome: IntentOutcome, replayed: bool) {
        self.0.intents.get_or_create(&outcome.labels()).inc();
        if outcome == IntentOutcome::Conflict(Some(ConflictKind::SoldOut)) && !replayed {
            self.0.oversell_attempts.inc();
        }
    }

    /// An order accepted at `accepted_at` was recorded paid at `paid_at`.
    pub fn paid(&self, accepted_at: UnixMillis, paid_at: UnixMillis) {
        // A clock step back would make it negative; it was paid at once as far as we know.
        let ms = paid_at.0.saturating_sub(accepted_at.0).max(0);
        // Millisecond counts are far below 2^53: the conversion is exact.
        self.0.intent_to_paid.observe(ms as f64 / 1000.0);
    }

    /// A report the rail dated `at` was reconciled when the rail's clock read `now`.
    pub fn reconciled(&self, at: UnixMillis, now: UnixMillis) {
        let ms = now.0.saturating_sub(at.0).max(0);
        // Millisecond counts are far below 2^53: the conversion is exact.
        self.0.reconciliation_latency.observe(ms as f64 / 1000.0);
    }

    /// Add what a service worker reported.
    pub fn worker_reported(&self, report: &WorkerReport) {
        let (cache, replays) = (&self.0.worker_cache, &self.0.worker_replays);
        for (result, n) in [("hit", report.cache_hits), ("miss", report.cache_misses)] {
            cache.get_or_create(&ResultLabel { result }).inc_by(u64::from(n));
        }
        for (outcome, n) in
            [("answered", report.replays_answered), ("retried", report.replays_retried)]
        {
            replays.get_or_create(&OutcomeLabel { outcome }).inc_by(u64::from(n));
        }
    }

    /// A per-client limiter refused a request to `route` (its matched path).
    pub fn rate_limited(&self, route: &str) {
        self.0.rate_limited.get_or_create(&RouteLabel { route: route.to_owned() }).inc();
    }

    /// Everything, in the OpenMetrics text format (ends with `# EOF`).
    pub fn encode(&self) -> Result<String, fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.0.registry)?;
        Ok(text)
    }
}

/// `vitrine_writer_queue_depth`, read when scraped.
struct QueueDepth(Box<dyn Fn() -> usize + Send + Sync>);

impl fmt::Debug for QueueDepth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueDepth")
    }
}

impl Collector for QueueDepth {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let gauge = ConstGauge::new(i64::try_from((self.0)()).unwrap_or(i64::MAX));
        let metric = encoder.encode_descriptor(
            "vitrine_writer_queue_depth",
            "Orders waiting in the order writer's bounded queue, read at scrape time.",
            None,
            gauge.metric_type(),
        )?;
        gauge.encode(metric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample line of `series` (name and labels as encoded), as a number.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines().find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
    }

    #[test]
    fn refusals_are_labelled_by_status_class_and_code() {
        let of = IntentOutcome::of_error;
        assert_eq!(of(ErrorCode::BadSignature), IntentOutcome::Rejected(ErrorCode::BadSignature));
        assert_eq!(of(ErrorCode::InProgress), IntentOutcome::Rejected(ErrorCode::InProgress));
        assert_eq!(of(ErrorCode::RateLimited), IntentOutcome::RateLimited);
        assert_eq!(of(ErrorCode::Overloaded), IntentOutcome::Overloaded);
        assert_eq!(of(ErrorCode::Internal), IntentOutcome::Failed);
    }

    #[test]
    fn a_replayed_sold_out_answer_is_an_answer_but_not_another_oversell_attempt() {
        let metrics = Metrics::new(|| 0);
        let sold_out = IntentOutcome::Conflict(Some(ConflictKind::SoldOut));
        metrics.intent_answered(sold_out, false);
        metrics.intent_answered(sold_out, true);
        metrics.intent_answered(IntentOutcome::Conflict(Some(ConflictKind::Late)), false);
        let text = metrics.encode().unwrap_or_default();
        let conflicts = sample(&text, r#"vitrine_intents_total{outcome="conflict",code=""}"#);
        assert_eq!(conflicts, Some(3.0), "{text}");
        assert_eq!(sample(&text, "vitrine_oversell_attempts_total"), Some(1.0), "{text}");
    }

    #[test]
    fn the_queue_is_read_at_each_scrape_and_payment_times_are_in_seconds() {
        let depth = Arc::new(std::sync::atomic::AtomicUsize::new(3));
        let read = depth.clone();
        let metrics = Metrics::new(move || read.load(std::sync::atomic::Ordering::Relaxed));
        let text = metrics.encode().unwrap_or_default();
        assert_eq!(sample(&text, "vitrine_writer_queue_depth"), Some(3.0), "{text}");
        depth.store(7, std::sync::atomic::Ordering::Relaxed);
        metrics.paid(UnixMillis(1_000), UnixMillis(1_300));
        let text = metrics.encode().unwrap_or_default();
        assert_eq!(sample(&text, "vitrine_writer_queue_depth"), Some(7.0), "{text}");
        assert_eq!(sample(&text, "vitrine_intent_to_paid_seconds_sum"), Some(0.3), "{text}");
        let in_half_a_second = r#"vitrine_intent_to_paid_seconds_bucket{le="0.5"}"#;
        assert_eq!(sample(&text, in_half_a_second), Some(1.0), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
