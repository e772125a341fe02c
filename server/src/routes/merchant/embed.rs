//! `GET`/`PUT /api/v1/merchant/embed` (scope `catalog`): the origins allowed to frame the
//! merchant's storefront (`/embed/{slug}`). A `PUT` replaces the whole list, each origin
//! checked by `protocol::merchant::origin` and stored canonical, once; audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vitrine_protocol::merchant::{EmbedOrigins, Scope};

use super::auth::Merchant;
use super::no_store;
use crate::domain::clock;
use crate::error::ApiError;
use crate::routes::json::ApiJson;
use crate::AppState;

pub async fn get(State(state): State<AppState>, merchant: Merchant) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    let origins = state.storage.embed_origins(merchant.grant.merchant_id).await?;
    Ok(no_store(StatusCode::OK, EmbedOrigins { origins }))
}

pub async fn put(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(asked): ApiJson<EmbedOrigins>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    ApiError::check_fields(asked.problems())?;
    let (actor, merchant_id) = (merchant.actor(), merchant.grant.merchant_id);
    let origins = asked.canonical();
    state.storage.set_embed_origins(&actor, merchant_id, &origins, clock::now()).await?;
    let origins = state.storage.embed_origins(merchant_id).await?;
    Ok(no_store(StatusCode::OK, EmbedOrigins { origins }))
}
