//! Supervision pages: sessions, case discussions, worker profiles and overdue supervision.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
