//! The JSON API under `/api/v1`: bearer tokens, the same services as the pages, one error shape
//! (`{error, message, fields, request_id}`, see [`crate::error::ApiError`]).

pub mod auth;
pub mod casework;
pub mod front_door;
pub mod openapi;
pub mod openapi_front_door;
pub mod people;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::{ApiError, AppError};
use crate::session::{body_bytes, request_id};
use crate::state::AppState;

pub use auth::ApiActor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .merge(casework::routes())
        .route("/people/search", get(people::search))
        .route("/people", post(people::create))
        .route("/people/{id}", get(people::show).put(people::update))
        .route("/contacts", post(front_door::create))
        .route("/contacts/queue", get(front_door::queue_page))
        .route("/contacts/{id}", get(front_door::show))
        .route(
            "/contacts/{id}/screening",
            get(front_door::screening_context),
        )
        .route("/contacts/{id}/claim", post(front_door::claim))
        .route("/contacts/{id}/release", post(front_door::release))
        .route("/contacts/{id}/decisions", post(front_door::decide))
        .route("/decisions/{id}/review", post(front_door::review))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Reads a JSON body into `T`; anything else is a 400 that points at the OpenAPI document.
pub async fn read_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    req: Request,
) -> Result<T, Response> {
    let bytes = body_bytes(req).await.map_err(|e| err(headers, e))?;
    serde_json::from_slice::<T>(&bytes).map_err(|e| {
        err(
            headers,
            AppError::BadRequest(format!(
                "The body must be a JSON object as described in /api/v1/openapi.json ({e})"
            )),
        )
    })
}

/// `201 Created` with the new resource's `Location` and a JSON body.
pub fn created(location: &str, body: serde_json::Value) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(location) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, v);
    }
    response
}

/// An [`ApiError`] carrying this request's id.
pub fn err(headers: &HeaderMap, error: impl Into<AppError>) -> Response {
    ApiError {
        error: error.into(),
        request_id: request_id(headers),
    }
    .into_response()
}

async fn not_found(headers: HeaderMap) -> Response {
    err(&headers, AppError::NotFound)
}

/// The same shape as [`ApiError`], for the one status it has no variant for.
async fn method_not_allowed(headers: HeaderMap) -> Response {
    let body = json!({
        "error": "method_not_allowed",
        "message": "This method is not allowed on this path; see /api/v1/openapi.json",
        "fields": [],
        "request_id": request_id(&headers),
    });
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}
