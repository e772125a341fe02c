//! The console's session: signing in with a bearer token sets an HttpOnly, SameSite=Strict
//! cookie scoped to the merchant API (Secure when the shop is served over TLS) and answers
//! the CSRF token the console sends back with every change. Short-lived, renewable up to a
//! maximum, ended on sign-out or when its token is revoked.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vitrine_protocol::merchant::Session;
use vitrine_protocol::{paths, ErrorCode, UnixMillis};

use super::auth::{session_cookie, unauthorized, Merchant, Via, SESSION_COOKIE};
use crate::domain::clock;
use crate::domain::merchants::{hash, random_secret, session_end};
use crate::error::ApiError;
use crate::AppState;

/// `Set-Cookie` for the session `value`, living `max_age_secs` (0 removes it).
fn cookie(state: &AppState, value: &str, max_age_secs: i64) -> Option<HeaderValue> {
    let secure = if state.cookie_secure { "; Secure" } else { "" };
    let text = format!(
        "{SESSION_COOKIE}={value}; Path={}; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        paths::MERCHANT,
        max_age_secs.max(0)
    );
    HeaderValue::from_str(&text).ok()
}

fn answer(status: StatusCode, body: impl serde::Serialize, set: Option<HeaderValue>) -> Response {
    let mut res = (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response();
    if let Some(value) = set {
        res.headers_mut().insert(header::SET_COOKIE, value);
    }
    res
}

fn seconds_until(until: UnixMillis, now: UnixMillis) -> i64 {
    (until.0 - now.0) / 1000
}

/// The session of a cookie-authenticated caller; a bearer token has none.
fn session_of(merchant: Merchant) -> Result<(Session, [u8; 32], UnixMillis), ApiError> {
    match merchant.via {
        Via::Session { id_hash, csrf_token, created_at, expires_at } => {
            let session = Session {
                merchant: merchant.grant.merchant,
                scopes: merchant.grant.scopes,
                csrf_token,
                expires_at,
            };
            Ok((session, id_hash, created_at))
        }
        Via::Bearer => Err(unauthorized("this needs the session cookie, not a bearer token")),
    }
}

/// `POST /api/v1/merchant/session` with `Authorization: Bearer`: start a session.
pub async fn start(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    merchant: Result<Merchant, ApiError>,
) -> Result<Response, ApiError> {
    // Before the credentials are looked at: guessing tokens costs a token bucket too.
    super::super::take_token(&state.sign_ins, client.ip(), "sign-ins")?;
    let merchant = merchant?;
    if !matches!(merchant.via, Via::Bearer) {
        return Err(unauthorized("sign in with a bearer token"));
    }
    let (id, csrf_token) = match (random_secret(), random_secret()) {
        (Ok(id), Ok(csrf)) => (id, csrf),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "no randomness for a session");
            return Err(ApiError::new(ErrorCode::Internal, "no session could be started"));
        }
    };
    let now = clock::now();
    let expires_at = session_end(now, now);
    state.storage.start_session(&merchant.grant, hash(&id), &csrf_token, now, expires_at).await?;
    let session = Session {
        merchant: merchant.grant.merchant,
        scopes: merchant.grant.scopes,
        csrf_token,
        expires_at,
    };
    let set = cookie(&state, &id, seconds_until(expires_at, now));
    Ok(answer(StatusCode::CREATED, session, set))
}

/// `GET /api/v1/merchant/session`: the current session (the console reads its CSRF token
/// back after a reload).
pub async fn current(merchant: Merchant) -> Result<Response, ApiError> {
    let (session, _, _) = session_of(merchant)?;
    Ok(answer(StatusCode::OK, session, None))
}

/// `POST /api/v1/merchant/session/renew`: push the end a full lifetime on, up to the maximum.
pub async fn renew(
    State(state): State<AppState>,
    headers: HeaderMap,
    merchant: Merchant,
) -> Result<Response, ApiError> {
    let (mut session, id_hash, started) = session_of(merchant)?;
    let now = clock::now();
    let until = session_end(started, now);
    if !state.storage.renew_session(id_hash, now, until).await? {
        return Err(unauthorized("the session has ended; sign in again"));
    }
    session.expires_at = until;
    let set =
        session_cookie(&headers).and_then(|id| cookie(&state, &id, seconds_until(until, now)));
    Ok(answer(StatusCode::OK, session, set))
}

/// `DELETE /api/v1/merchant/session`: sign out. The cookie is removed and the session ended on
/// the server, so a copied cookie is worthless too.
pub async fn end(State(state): State<AppState>, merchant: Merchant) -> Result<Response, ApiError> {
    let actor = merchant.actor();
    let (_, id_hash, _) = session_of(merchant)?;
    state.storage.end_session(&actor, id_hash, clock::now()).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(value) = cookie(&state, "", 0) {
        res.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(res)
}
