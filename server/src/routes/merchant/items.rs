//! A merchant's items: create (awaiting an original), list a collection's, read one (its
//! image's progress), edit or hide, and upload the original. Each change is audited.

use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use vitrine_protocol::merchant::{ItemPatch, NewItem, Scope, MAX_ORIGINAL_BYTES};
use vitrine_protocol::{paths, ErrorCode, FieldProblem, ItemId, Slug};

use super::auth::Merchant;
use super::no_store;
use crate::domain::clock;
use crate::domain::uploads::{store_original, Job, StoreError, Stored};
use crate::error::ApiError;
use crate::routes::catalog::segment;
use crate::routes::json::ApiJson;
use crate::AppState;

fn no_item(id: ItemId) -> ApiError {
    // Another merchant's item is as absent as one that does not exist.
    ApiError::not_found(format!("you have no item {id}"))
}

pub async fn create(
    State(state): State<AppState>,
    merchant: Merchant,
    ApiJson(new): ApiJson<NewItem>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    ApiError::check_fields(new.problems())?;
    let made = state
        .storage
        .create_item(&merchant.actor(), merchant.grant.merchant_id, &new, clock::now())
        .await?
        .ok_or_else(|| {
            ApiError::Fields(vec![FieldProblem::new(
                "collection",
                format!("you have no collection {}", new.collection),
            )])
        })?;
    let mut res = no_store(StatusCode::CREATED, &made);
    let location = format!("{}/{}", paths::MERCHANT_ITEMS, made.id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    Ok(res)
}

pub async fn list(
    State(state): State<AppState>,
    merchant: Merchant,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    let slug: Slug = segment(slug, "collection slug")?;
    let items = state
        .storage
        .merchant_items(merchant.grant.merchant_id, &slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("you have no collection {slug}")))?;
    Ok(no_store(StatusCode::OK, items))
}

pub async fn get(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    let id: ItemId = segment(id, "item id")?;
    let item =
        state.storage.merchant_item(merchant.grant.merchant_id, id).await?.ok_or(no_item(id))?;
    Ok(no_store(StatusCode::OK, item))
}

pub async fn update(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
    ApiJson(patch): ApiJson<ItemPatch>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    let id: ItemId = segment(id, "item id")?;
    ApiError::check_fields(patch.problems())?;
    let changed = state
        .storage
        .update_item(&merchant.actor(), merchant.grant.merchant_id, id, &patch, clock::now())
        .await?
        .ok_or(no_item(id))?;
    Ok(no_store(StatusCode::OK, changed))
}

fn bad_original(message: impl Into<String>) -> ApiError {
    ApiError::Fields(vec![FieldProblem::new("original", message)])
}

/// The one file field `original` of the multipart body.
async fn read_original(mut form: Multipart) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("an original may be at most {} MB", MAX_ORIGINAL_BYTES / (1024 * 1024)),
        )
    };
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::new(ErrorCode::MalformedBody, e.body_text())
        }
    };
    let mut original = None;
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        if field.name() != Some("original") || original.is_some() {
            return Err(bad_original("send one file, in the field named \"original\""));
        }
        let bytes = field.bytes().await.map_err(malformed)?;
        if bytes.len() > MAX_ORIGINAL_BYTES {
            return Err(too_large());
        }
        original = Some(bytes.to_vec());
    }
    original.ok_or_else(|| bad_original("send the image in the field named \"original\""))
}

/// `PUT /api/v1/merchant/items/{id}/original` (multipart, one field `original`): store the
/// original, checked by its bytes, and hand it to the image worker. `202` with the item, its
/// image `processing`; read the item again to follow it.
pub async fn upload(
    State(state): State<AppState>,
    merchant: Merchant,
    id: Result<Path<String>, PathRejection>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    merchant.require(Scope::Catalog)?;
    let id: ItemId = segment(id, "item id")?;
    let merchant_id = merchant.grant.merchant_id;
    state.storage.merchant_item(merchant_id, id).await?.ok_or(no_item(id))?;
    let form = form.map_err(|e| ApiError::new(ErrorCode::MalformedBody, e.body_text()))?;
    let bytes = read_original(form).await?;
    let media = state.uploads.media();
    let stored = tokio::task::spawn_blocking(move || store_original(&media, id, &bytes)).await;
    let Stored { file, original } = match stored {
        Ok(Ok(stored)) => stored,
        Ok(Err(StoreError::Refused(problem))) => return Err(bad_original(problem)),
        Ok(Err(error)) => {
            tracing::error!(%error, "storing an original failed");
            return Err(ApiError::new(ErrorCode::Internal, "the original could not be stored"));
        }
        Err(error) => {
            tracing::error!(%error, "storing an original panicked");
            return Err(ApiError::new(ErrorCode::Internal, "the original could not be stored"));
        }
    };
    let upload = serde_json::json!({
        "file": file, "width": original.width, "height": original.height,
    });
    state
        .storage
        .original_uploaded(&merchant.actor(), merchant_id, id, &upload, clock::now())
        .await?;
    if !state.uploads.submit(Job { item: id, file }) {
        return Err(ApiError::retry_after(
            ErrorCode::Overloaded,
            "many images are being processed; send it again shortly",
            std::time::Duration::from_secs(5),
        ));
    }
    let item = state.storage.merchant_item(merchant_id, id).await?.ok_or(no_item(id))?;
    Ok(no_store(StatusCode::ACCEPTED, item))
}
