//! Workload alerts: open and decided, with recording a decision.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
