//! `/api/v1/merchant/collections`: a merchant's own collections: list (hidden ones too),
//! create, edit and hide. Nothing is deleted: a hidden collection leaves the storefront, its
//! orders and receipts stay valid. Each change is in the audit log.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use vitrine_protocol::merchant::{CollectionPatch, NewCollection, Scope};
use vitrine_protocol::{paths, ErrorCode, Slug};

use super::auth::Merchant;
use super::no_store;
use crate::domain::clock;
use crate::error::ApiError;
use crate::routes::catalog::segment;
use crate::routes::json::ApiJson;
use crate::storage::merchants::Created;
use crate::AppState;

pub async fn list(State(state): State<AppState>, merchant: Merchant) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    let collections = state.storage.merchant_collections(merchant.grant.merchant_id).await?;
    Ok(no_store(StatusCode::OK, collections))
}

pub async fn create(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(new): ApiJson<NewCollection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    ApiError::check_fields(new.problems())?;
    let made = state
        .storage
        .create_collection(&merchant.actor(), merchant.grant.merchant_id, &new, clock::now())
        .await?;
    match made {
        Created::Created(collection) => {
            let mut res = no_store(StatusCode::CREATED, &collection);
            let location = format!("{}/{}", paths::MERCHANT_COLLECTIONS, collection.slug);
            if let Ok(value) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, value);
            }
            Ok(res)
        }
        Created::Taken => Err(ApiError::new(
            ErrorCode::AlreadyExists,
            format!("the address /c/{} is taken; choose another slug", new.slug),
        )),
    }
}

pub async fn update(
    State(state): State<AppState>,
    merchant: Merchant,
    slug: Result<Path<String>, PathRejection>,
    ApiJson(patch): ApiJson<CollectionPatch>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    let slug: Slug = segment(slug, "collection slug")?;
    ApiError::check_fields(patch.problems())?;
    let changed = state
        .storage
        .update_collection(
            &merchant.actor(),
            merchant.grant.merchant_id,
            &slug,
            &patch,
            clock::now(),
        )
        .await?
        // Another merchant's collection is as absent as one that does not exist.
        .ok_or_else(|| ApiError::not_found(format!("you have no collection {slug}")))?;
    Ok(no_store(StatusCode::OK, changed))
}
