//! Recording over the API (`/api/v1`): notes, chronology, oversight, supervision and actions,
//! through the same services as the pages. Each module owns its routes and its part of the
//! OpenAPI document.

pub mod chronology;
pub mod notes;
pub mod oversight;
pub mod supervision;

use axum::Router;
use serde_json::{Map, Value};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(chronology::routes())
        .merge(notes::routes())
        .merge(oversight::routes())
        .merge(supervision::routes())
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    chronology::add_paths(paths);
    notes::add_paths(paths);
    oversight::add_paths(paths);
    supervision::add_paths(paths);
}

pub fn add_schemas(schemas: &mut Map<String, Value>) {
    chronology::add_schemas(schemas);
    notes::add_schemas(schemas);
    oversight::add_schemas(schemas);
    supervision::add_schemas(schemas);
}
