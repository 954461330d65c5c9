//! Caseloads over the API (`/api/v1`): allocations, workload and the dashboard figures,
//! through the same services as the pages. Each module owns its routes and its part of the
//! OpenAPI document.

pub mod allocations;
pub mod dashboard;
pub mod workload;

use axum::Router;
use serde_json::{Map, Value};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(allocations::routes())
        .merge(dashboard::routes())
        .merge(workload::routes())
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    allocations::add_paths(paths);
    dashboard::add_paths(paths);
    workload::add_paths(paths);
}

pub fn add_schemas(schemas: &mut Map<String, Value>) {
    allocations::add_schemas(schemas);
    dashboard::add_schemas(schemas);
    workload::add_schemas(schemas);
}
