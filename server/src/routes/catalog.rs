use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use vitrine_protocol::{Collection, CollectionDetail, Item, ItemId, Slug};

use super::etag;
use crate::domain::{clock, drops};
use crate::error::ApiError;
use crate::AppState;

/// Turn a raw path segment into a typed id, or a 400 in the one error shape.
pub fn segment<T>(raw: Result<Path<String>, PathRejection>, what: &str) -> Result<T, ApiError>
where
    T: std::str::FromStr<Err = vitrine_protocol::ParseIdError>,
{
    let Path(raw) = raw.map_err(|e| ApiError::bad_request(format!("invalid {what}: {e}")))?;
    raw.parse().map_err(|e| ApiError::bad_request(format!("invalid {what}: {e}")))
}

/// The catalog endpoints take no parameters; a query string is a client's mistake (a typo'd
/// filter would otherwise silently return everything), as Stripe treats unknown parameters.
fn no_query(query: RawQuery) -> Result<(), ApiError> {
    match query.0 {
        Some(q) if !q.is_empty() => {
            Err(ApiError::bad_request(format!("this endpoint takes no query parameters: {q:?}")))
        }
        _ => Ok(()),
    }
}

pub async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: RawQuery,
) -> Result<Response, ApiError> {
    no_query(query)?;
    Ok(etag::json(&headers, &collections_of(&state).await?))
}

pub async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: RawQuery,
    slug: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    no_query(query)?;
    let slug: Slug = segment(slug, "collection slug")?;
    Ok(etag::json(&headers, &collection_of(&state, &slug).await?))
}

pub async fn item(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: RawQuery,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    no_query(query)?;
    let id: ItemId = segment(id, "item id")?;
    Ok(etag::json(&headers, &item_of(&state, id).await?))
}

/// The answers below are the API's and the server-rendered pages' alike (`pages`), so a page
/// is drawn from exactly what the app would fetch.
pub(super) async fn collections_of(state: &AppState) -> Result<Vec<Collection>, ApiError> {
    let mut list = state.storage.collections().await?;
    let pictures = state.pictures.current();
    for c in &mut list {
        c.cover_picture = c.cover.as_ref().and_then(|img| pictures.for_url(&img.url)).cloned();
    }
    Ok(list)
}

pub(super) async fn collection_of(
    state: &AppState,
    slug: &Slug,
) -> Result<CollectionDetail, ApiError> {
    let mut detail = state
        .storage
        .collection(slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no collection named {slug}")))?;
    let pictures = state.pictures.current();
    let cover = &mut detail.collection;
    cover.cover_picture = cover.cover.as_ref().and_then(|img| pictures.for_url(&img.url)).cloned();
    let ids: Vec<ItemId> = detail.items.iter().map(|i| i.id).collect();
    let mut in_drops = drops::storefront(state.storage.as_ref(), &ids, clock::now()).await?;
    for item in &mut detail.items {
        item.picture = pictures.for_url(&item.thumb.url).cloned();
        item.drop = in_drops.remove(&item.id);
    }
    state.visits.record();
    Ok(detail)
}

pub(super) async fn item_of(state: &AppState, id: ItemId) -> Result<Item, ApiError> {
    let mut item = state
        .storage
        .item(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no item with id {id}")))?;
    item.summary.picture = state.pictures.current().for_url(&item.original.url).cloned();
    let now = clock::now();
    // A work in a drop is sold only at the drop's price and times: its quote is the drop's.
    let drop = drops::storefront(state.storage.as_ref(), &[id], now).await?.remove(&id);
    item.quote = Some(match &drop {
        Some(info) => state.keys.drop_quote(id, info),
        None => state.keys.quote(id, item.summary.price, now),
    });
    item.summary.drop = drop;
    state.visits.record();
    Ok(item)
}
