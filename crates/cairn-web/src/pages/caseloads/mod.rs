//! Caseload and allocation pages. Each module owns its routes.

pub mod alerts;
pub mod allocate;
pub mod dashboard;
pub mod factors;
pub mod model;
pub mod notifications;
pub mod unallocated;
pub mod workers;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(alerts::routes())
        .merge(allocate::routes())
        .merge(dashboard::routes())
        .merge(factors::routes())
        .merge(model::routes())
        .merge(notifications::routes())
        .merge(unallocated::routes())
        .merge(workers::routes())
}
