//! Who is calling the merchant API: a bearer token, or the console's session cookie (with the
//! CSRF token on every state-changing request). Every refusal is the one error shape: `401
//! unauthorized` without valid credentials, `403 forbidden` for a missing scope or CSRF token.
//! A merchant only ever sees its own things: another merchant's collection is `404`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use vitrine_protocol::headers::CSRF_TOKEN;
use vitrine_protocol::merchant::Scope;
use vitrine_protocol::{ErrorCode, UnixMillis};

use crate::domain::clock;
use crate::domain::merchants::{hash, same_secret};
use crate::error::ApiError;
use crate::storage::merchants::{Actor, TokenGrant};
use crate::AppState;

/// The session cookie's name. Its path is the merchant API only, so storefront requests never
/// carry it.
pub const SESSION_COOKIE: &str = "vitrine_session";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Bearer,
    Session {
        id_hash: [u8; 32],
        csrf_token: String,
        created_at: UnixMillis,
        expires_at: UnixMillis,
    },
}

/// An authenticated merchant caller.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub grant: TokenGrant,
    pub via: Via,
}

pub fn unauthorized(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, message)
}

fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, message)
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

impl FromRequestParts<AppState> for Merchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
            let grant = state
                .storage
                .token(hash(token))
                .await?
                .ok_or_else(|| unauthorized("the token is unknown or revoked"))?;
            return Ok(Merchant { grant, via: Via::Bearer });
        }
        let cookie = session_cookie(&parts.headers)
            .ok_or_else(|| unauthorized("sign in: send a bearer token or the session cookie"))?;
        let id_hash = hash(&cookie);
        let session = state
            .storage
            .session(id_hash, clock::now())
            .await?
            .ok_or_else(|| unauthorized("the session has ended; sign in again"))?;
        // A cookie is sent by the browser whoever asks; the CSRF token only by our console.
        if !parts.method.is_safe() {
            let sent = parts.headers.get(CSRF_TOKEN).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !same_secret(sent, &session.csrf_token) {
                return Err(forbidden("send the session's X-CSRF-Token with every change"));
            }
        }
        let via = Via::Session {
            id_hash,
            csrf_token: session.csrf_token,
            created_at: session.created_at,
            expires_at: session.expires_at,
        };
        Ok(Merchant { grant: session.grant, via })
    }
}

impl Merchant {
    /// Refuse with `403 forbidden` unless the credentials carry `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.grant.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(forbidden(format!("this token lacks the {} scope", scope.as_str())))
        }
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> Actor {
        Actor::token(self.grant.merchant_id, self.grant.token_id)
    }
}
