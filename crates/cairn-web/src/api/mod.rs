//! The JSON API under `/api/v1`: bearer tokens, the same services as the pages, one error shape
//! (`{error, message, fields, request_id}`, see [`crate::error::ApiError`]).

pub mod auth;
pub mod caseloads;
pub mod casework;
pub mod front_door;
pub mod openapi;
pub mod openapi_front_door;
pub mod people;
pub mod recording;

use axum::Router;
use axum::extract::Request;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use cairn_core::{Actor, ServiceResult};
use cairn_db::DbConn;
use serde::Serialize;
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
        .merge(recording::routes())
        .merge(caseloads::routes())
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

/// Ids in paths are UUIDs; anything else is simply not found.
pub fn uuid_path(raw: &str) -> Option<String> {
    uuid::Uuid::parse_str(raw).ok().map(|u| u.to_string())
}

/// The path's id and the JSON body, or the response refusing them: an id that is not a UUID is
/// a 404 before the body is read, as for every `/{id}` path.
pub async fn id_and_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    raw_id: &str,
    req: Request,
) -> Result<(String, T), Response> {
    let Some(id) = uuid_path(raw_id) else {
        return Err(err(headers, AppError::NotFound));
    };
    let body = read_json(headers, req).await?;
    Ok((id, body))
}

/// A service's result as the reply: `ok` shapes the success, any error takes the one error shape.
pub fn reply<T>(
    headers: &HeaderMap,
    result: Result<T, AppError>,
    ok: impl FnOnce(T) -> Response,
) -> Response {
    match result {
        Ok(value) => ok(value),
        Err(e) => err(headers, e),
    }
}

/// A service's result as `200` with its JSON, or the error shape.
pub fn json_reply<T: Serialize>(headers: &HeaderMap, result: Result<T, AppError>) -> Response {
    reply(headers, result, |value| axum::Json(value).into_response())
}

/// `GET /…/{id}` for any record: the id checked, the service's read (which checks access and
/// audits it) run on a pooled connection, and what it returns sent as JSON.
pub async fn show<T, F>(
    state: &AppState,
    actor: Actor,
    headers: &HeaderMap,
    raw_id: &str,
    read: F,
) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConn, &Actor, &str) -> ServiceResult<T> + Send + 'static,
{
    let Some(id) = uuid_path(raw_id) else {
        return err(headers, AppError::NotFound);
    };
    let result = state.db(move |c| Ok(read(c, &actor, &id)?)).await;
    json_reply(headers, result)
}

/// The route for `GET /…/{id}` of a record that needs nothing but its id: [`show`] with `read`.
pub fn get_by_id<T, F>(read: F) -> MethodRouter<AppState>
where
    T: Serialize + Send + 'static,
    F: Fn(&mut DbConn, &Actor, &str) -> ServiceResult<T> + Clone + Send + Sync + 'static,
{
    get(
        move |State(state): State<AppState>,
              ApiActor(actor): ApiActor,
              headers: HeaderMap,
              Path(id): Path<String>| async move {
            show(&state, actor, &headers, &id, read).await
        },
    )
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

/// Builders for the hand-written OpenAPI document, shared by every part of it.
pub mod doc {
    use serde_json::{Map, Value, json};

    /// A reference to a schema under `components`.
    pub fn reference(name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// A response whose JSON body is the named schema.
    pub fn ok(description: &str, schema: &str) -> Value {
        json!({ "description": description, "content": { "application/json": { "schema": reference(schema) } } })
    }

    /// Error responses, each status with its own description and the one `Error` body.
    pub fn errors(list: &[(&str, &str)]) -> Value {
        let mut all = Map::new();
        for (status, description) in list {
            all.insert((*status).into(), ok(description, "Error"));
        }
        Value::Object(all)
    }

    /// `responses` with the success added under its status.
    pub fn with_errors(mut responses: Value, success: (&str, Value)) -> Value {
        responses[success.0] = success.1;
        responses
    }

    /// The error responses in `list` and a success whose body is `schema`.
    pub fn responses(
        list: &[(&str, &str)],
        success: &str,
        description: &str,
        schema: &str,
    ) -> Value {
        with_errors(errors(list), (success, ok(description, schema)))
    }

    /// The `{id}` path parameter (a UUID).
    pub fn id_param(description: &str) -> Value {
        json!({ "name": "id", "in": "path", "required": true, "description": description, "schema": { "type": "string", "format": "uuid" } })
    }

    /// A required JSON request body of the named schema.
    pub fn body(schema: &str) -> Value {
        json!({ "required": true, "content": { "application/json": { "schema": reference(schema) } } })
    }

    /// A string property with its description.
    pub fn string(description: &str) -> Value {
        json!({ "type": "string", "description": description })
    }
}
