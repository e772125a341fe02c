//! The merchant API, `/api/v1/merchant/*`: every route needs a merchant's credentials (see
//! `auth`), and each checks the scope it needs.

mod audit;
pub mod auth;
mod catalog;
mod claims;
mod conflicts;
mod drops;
mod embed;
mod items;
mod kiosks;
mod orders;
mod reconciliation;
mod refunds;
mod sandbox;
mod session;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use vitrine_protocol::merchant::{Me, MAX_ORIGINAL_BYTES};
use vitrine_protocol::paths;

use crate::error::ApiError;
use crate::AppState;
use auth::Merchant;

/// A merchant's answer: their data is never kept by a cache on the way.
fn no_store(status: axum::http::StatusCode, body: impl serde::Serialize) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// An allowlist of tens of thousands of addresses.
const ALLOWLIST_BODY: usize = 4 * 1024 * 1024;

/// Room for a multipart body's boundaries and headers around the original.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::MERCHANT_ME, get(me))
        .route(
            paths::MERCHANT_SESSION,
            post(session::start).get(session::current).delete(session::end),
        )
        .route(&format!("{}/renew", paths::MERCHANT_SESSION), post(session::renew))
        .route(paths::MERCHANT_COLLECTIONS, get(catalog::list).post(catalog::create))
        .route(&format!("{}/{{slug}}", paths::MERCHANT_COLLECTIONS), patch(catalog::update))
        .route(&format!("{}/{{slug}}/items", paths::MERCHANT_COLLECTIONS), get(items::list))
        .route(paths::MERCHANT_ITEMS, post(items::create))
        .route(&format!("{}/{{id}}", paths::MERCHANT_ITEMS), get(items::get).patch(items::update))
        .route(&format!("{}/{{id}}/waitlist", paths::MERCHANT_ITEMS), get(orders::waitlist))
        .route(paths::MERCHANT_ORDERS, get(orders::list))
        .route(&format!("{}/{{id}}", paths::MERCHANT_ORDERS), get(orders::get))
        .route(paths::MERCHANT_AUDIT, get(audit::list))
        .route(paths::MERCHANT_CONFLICTS, get(conflicts::queue))
        .route(&format!("{}/{{id}}/resolve", paths::MERCHANT_ORDERS), post(conflicts::resolve))
        .route(&format!("{}/{{id}}/refund", paths::MERCHANT_ORDERS), post(refunds::refund))
        .route(paths::MERCHANT_DROPS, get(drops::list).post(drops::create))
        .route(&format!("{}/{{id}}", paths::MERCHANT_DROPS), get(drops::get).put(drops::replace))
        .route(
            &format!("{}/{{id}}/allowlist", paths::MERCHANT_DROPS),
            put(drops::set_allowlist).layer(DefaultBodyLimit::max(ALLOWLIST_BODY)),
        )
        .route(&format!("{}/{{id}}/approve", paths::MERCHANT_DROPS), post(drops::approve))
        .route(&format!("{}/{{id}}/cancel", paths::MERCHANT_DROPS), post(drops::cancel))
        .route(&format!("{}/{{id}}/proposals", paths::MERCHANT_DROPS), get(drops::proposals))
        .route(paths::MERCHANT_SCHEDULE_RULES, get(drops::rules).put(drops::set_rules))
        .route(paths::MERCHANT_EMBED, get(embed::get).put(embed::put))
        .route(paths::MERCHANT_CLAIMS, get(claims::list).post(claims::create))
        .route(&format!("{}/{{id}}", paths::MERCHANT_CLAIMS), get(claims::get))
        .route(&format!("{}/{{id}}/revoke", paths::MERCHANT_CLAIMS), post(claims::revoke))
        .route(&format!("{}/{{id}}/vouchers", paths::MERCHANT_CLAIMS), get(claims::vouchers))
        .route(&format!("{}/{{id}}/sheet", paths::MERCHANT_CLAIMS), get(claims::sheet))
        .route(&format!("{}/{{id}}/vouchers.csv", paths::MERCHANT_CLAIMS), get(claims::csv))
        .route(paths::MERCHANT_KIOSKS, post(kiosks::register))
        .route(paths::MERCHANT_RECONCILIATION, get(reconciliation::list))
        .route(
            &format!("{}/{{id}}/resolve", paths::MERCHANT_RECONCILIATION),
            post(reconciliation::resolve),
        )
        .route(&format!("{}/advance", paths::MERCHANT_SANDBOX), post(sandbox::advance))
        .route(&format!("{}/reorg", paths::MERCHANT_SANDBOX), post(sandbox::reorg))
        .route(&format!("{}/revert", paths::MERCHANT_SANDBOX), post(sandbox::revert))
        .route(&format!("{}/halt", paths::MERCHANT_SANDBOX), post(sandbox::halt))
}

/// The original upload, apart: its body is up to 20 MB and a merchant on a pop-up's network
/// may take minutes to send it, so it gets its own body limit, timeout and concurrency
/// (`routes::router` layers it so) instead of the API's 16 KB and 10 s.
pub fn uploads() -> Router<AppState> {
    Router::new().route(
        &format!("{}/{{id}}/original", paths::MERCHANT_ITEMS),
        put(items::upload).layer(DefaultBodyLimit::max(MAX_ORIGINAL_BYTES + MULTIPART_OVERHEAD)),
    )
}

/// `GET /api/v1/merchant/me`: who these credentials are and what they may do.
async fn me(merchant: Merchant) -> Result<Response, ApiError> {
    let me = Me { merchant: merchant.grant.merchant, scopes: merchant.grant.scopes };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(me)).into_response())
}
