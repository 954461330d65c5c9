//! Adding a version of the workload model, with field errors for missing or negative weights.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
