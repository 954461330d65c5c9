//! Unallocated work per team, with waiting time and risk, allocating from the list.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
