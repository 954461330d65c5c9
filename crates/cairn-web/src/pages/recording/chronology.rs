//! The chronology pages: a child's and a family's, filters, manual entries, CSV and PDF.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
