//! Allocations over the API: allocate, reallocate, history, candidates and unallocated work.

use axum::Router;
use serde_json::{Map, Value};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn add_paths(_paths: &mut Map<String, Value>) {}

pub fn add_schemas(_schemas: &mut Map<String, Value>) {}
