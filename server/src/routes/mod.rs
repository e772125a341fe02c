//! HTTP routes, one file per resource.

mod catalog;
mod claims;
mod devices;
mod drops;
mod embed;
mod etag;
mod health;
mod images;
pub mod intents;
mod json;
mod merchant;
mod metrics;
mod orders;
mod pages;
mod static_files;
mod telemetry;
mod trace;
mod waitlist;

use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use vitrine_protocol::{paths, ErrorCode};

use crate::domain::rate_limit::PerClient;
use crate::error::ApiError;
use crate::{AppState, Config};

/// Take a token from `limiter` for `client`, or refuse with `429 rate_limited` and how long to
/// wait; `what` names the requests in the message.
/// A record's number from a path segment: a positive integer up to `max`, or a 400.
pub(crate) fn positive_id(raw: &str, what: &str, max: i64) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| (1..=max).contains(id)).ok_or_else(|| {
        ApiError::bad_request(format!("invalid {what}: expected a positive integer up to {max}"))
    })
}

fn take_token(limiter: &PerClient, client: std::net::IpAddr, what: &str) -> Result<(), ApiError> {
    limiter.check(client).map_err(|wait| {
        ApiError::retry_after(
            ErrorCode::RateLimited,
            format!("too many {what} from this address; try again later"),
            wait,
        )
    })
}

/// The whole HTTP surface: JSON API, health, and the built app with its media.
pub fn router(state: AppState, config: &Config) -> Router {
    let pages = pages::Pages::new(config.dist_dir.clone());
    let api = Router::new()
        .route(paths::COLLECTIONS, get(catalog::collections))
        .route(&format!("{}/{{slug}}", paths::COLLECTIONS), get(catalog::collection))
        .route(&format!("{}/{{id}}", paths::ITEMS), get(catalog::item))
        .route(&format!("{}/{{id}}/waitlist", paths::ITEMS), post(waitlist::join))
        .route(paths::DEVICES, post(devices::register))
        .route(paths::KEYS, get(devices::keys))
        .route(paths::INTENTS, post(intents::submit))
        .route(paths::CLAIMS, post(claims::submit))
        .route(
            paths::TELEMETRY,
            post(telemetry::report).layer(DefaultBodyLimit::max(TELEMETRY_BODY)),
        )
        .route(
            paths::CLAIMS_BATCH,
            post(claims::submit_batch).layer(DefaultBodyLimit::max(CLAIMS_BATCH_BODY)),
        )
        .route(paths::CLAIM_TERMS, get(claims::terms))
        .route(&format!("{}/{{id}}/allowlist/{{leaf}}", paths::DROPS), get(drops::proof))
        .route(&format!("{}{{id}}", paths::ORDERS_PREFIX), get(orders::get))
        .merge(merchant::router())
        .route("/api", get(unknown_api))
        .route("/api/{*rest}", get(unknown_api))
        .route("/img/{id}", get(images::by_hints))
        .route(paths::HEALTHZ, get(health::healthz))
        .route(&format!("{}/{{slug}}", paths::EMBED), {
            let pages = pages.clone();
            get(move |state, headers, uri, slug| {
                embed::page(state, headers, uri, slug, pages.clone())
            })
        })
        .route(metrics::PATH, get(metrics::scrape))
        .merge(pages::router(&pages))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.metrics.clone(), metrics::count_rate_limited))
        // An intent is a few KB; nothing we accept is larger.
        .layer(DefaultBodyLimit::max(MAX_BODY));
    let limits = config.limits;
    let overload = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(overloaded))
        .load_shed()
        .concurrency_limit(limits.max_concurrent)
        .timeout(limits.request_timeout);
    let uploads = merchant::uploads()
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .concurrency_limit(UPLOADS_AT_ONCE)
                .timeout(UPLOAD_TIMEOUT),
        );
    let router = api
        .with_state(state)
        .merge(static_files::router(&config.dist_dir, &config.media_dir, pages))
        .layer(overload)
        .merge(uploads);
    security_headers(router, &config.frame_ancestors)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        // Outermost: everything below, the access log included, is inside the request's trace.
        .layer(axum::middleware::from_fn(trace::propagate))
}

/// Every response: a Content-Security-Policy of this origin only (plus compiling wasm), no
/// MIME sniffing, no referrer to other sites, and no powerful features we do not use.
fn security_headers(router: Router, frame_ancestors: &str) -> Router {
    let csp = content_security_policy(frame_ancestors);
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ),
    ];
    let router = match HeaderValue::from_str(&csp) {
        Ok(csp) => router
            .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp)),
        Err(_) => {
            tracing::error!(frame_ancestors, "frame-ancestors is not a valid header value");
            router
        }
    };
    fixed.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)))
    })
}

/// The one inline script a page carries (`public/index.html`): it registers the worker while
/// the page is parsed, as early as a static site does, where `boot.js` runs only after the
/// first frame (BENCHMARKS.md, first visit → controlled). Allowed by its hash, nothing else.
const REGISTER_WORKER: &str = r#"navigator.serviceWorker?.register("/sw.js").catch(() => {})"#;

/// The policy every page is served with; only who may frame it varies (`embed` widens it to
/// a merchant's own origins).
pub(crate) fn content_security_policy(frame_ancestors: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let register = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(REGISTER_WORKER.as_bytes()));
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-{register}'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )
}

/// Load shedding and timeouts answer in the one error shape, transient, with `Retry-After`.
async fn overloaded(error: BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::retry_after(
            ErrorCode::Overloaded,
            "the server took too long to answer; try again",
            Duration::from_secs(2),
        )
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        ApiError::retry_after(
            ErrorCode::Overloaded,
            "the server is at capacity; try again shortly",
            Duration::from_secs(1),
        )
    } else {
        tracing::error!(%error, "request failed in a middleware");
        ApiError::new(ErrorCode::Internal, "the server could not complete the request")
    }
}

const MAX_BODY: usize = 16 * 1024;
/// A worker's report is four numbers: about a hundred bytes.
const TELEMETRY_BODY: usize = 1024;

/// A full batch of claims: each is about 1.3 KB of JSON (a certificate, a voucher code, an
/// email), so 4 KB a claim leaves room for longer emails and wallets.
const CLAIMS_BATCH_BODY: usize = vitrine_protocol::claims::MAX_CLAIMS_PER_REQUEST * 4 * 1024;

/// Originals received at once (each may hold 20 MB in memory); more get 503 `overloaded`.
const UPLOADS_AT_ONCE: usize = 4;
/// How long sending one original may take: 20 MB at 100 KB/s.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(200);

async fn unknown_api() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "this method is not allowed here")
}
