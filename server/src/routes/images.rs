//! `GET /img/{item}`: the item's picture in the variant its client hints call for, as a
//! redirect to the variant's immutable URL (so every cache, the worker's included, keys images
//! by URL and never by `Vary`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vitrine_protocol::ItemId;

use super::catalog::segment;
use crate::error::ApiError;
use crate::images::hints::{self, Hints};
use crate::AppState;

pub async fn by_hints(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id: ItemId = segment(id, "item id")?;
    let original = state
        .storage
        .original_url(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no item with id {id}")))?;
    let no_variants = || ApiError::not_found(format!("item {id} has no image variants yet"));
    let pictures = state.pictures.current();
    let picture = pictures.for_url(&original).ok_or_else(no_variants)?;
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let hints = Hints::parse(
        h("sec-ch-dpr"),
        h("sec-ch-width"),
        h("sec-ch-viewport-width"),
        h("save-data"),
        h("ect"),
        h("accept"),
    );
    let choice = hints::choose(&hints, picture).ok_or_else(no_variants)?;
    let location = picture.url(choice.width, choice.format, choice.lite);
    let location = HeaderValue::from_str(&location).map_err(|_| no_variants())?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::VARY, HeaderValue::from_static(hints::VARY)),
            (
                header::HeaderName::from_static("accept-ch"),
                HeaderValue::from_static(hints::ACCEPT_CH),
            ),
            // Short: the item's picture may be replaced; the variant URL itself is immutable.
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300")),
        ],
    )
        .into_response())
}
