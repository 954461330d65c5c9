//! Caseload dashboards: charts with their tables and CSV.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
