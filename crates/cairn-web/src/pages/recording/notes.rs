//! Case note pages: write (with autosave), finalise, amend, history, the child's notes tab.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
