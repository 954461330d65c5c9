//! The allocation screen: candidates with their loads, the result of this allocation, the override.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
