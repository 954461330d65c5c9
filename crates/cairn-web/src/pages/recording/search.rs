//! Search in case notes: within a child's record and across the records the user may see.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
