//! Casework over the API (`/api/v1`): the same services as the pages, so the same checks and
//! audit rows apply. Each module owns its routes and its part of the OpenAPI document.

pub mod assessments;
pub mod plans;
pub mod strategy;
pub mod work;

use axum::Router;
use serde_json::{Map, Value};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(assessments::routes())
        .merge(plans::routes())
        .merge(strategy::routes())
        .merge(work::routes())
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    assessments::add_paths(paths);
    plans::add_paths(paths);
    strategy::add_paths(paths);
    work::add_paths(paths);
}

pub fn add_schemas(schemas: &mut Map<String, Value>) {
    assessments::add_schemas(schemas);
    plans::add_schemas(schemas);
    strategy::add_schemas(schemas);
    work::add_schemas(schemas);
}
