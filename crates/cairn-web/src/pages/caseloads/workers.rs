//! Workers' hours, leave and leaving, and the reallocation list.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
