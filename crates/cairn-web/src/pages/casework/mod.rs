//! Casework pages: assessments, strategy discussions and section 47 enquiries, conferences,
//! plans, visits, actions, closure, and "my work" / "team work". Each module owns its routes.

pub mod actions;
pub mod assessments;
pub mod closure;
pub mod common;
pub mod conferences;
pub mod my_work;
pub mod plans;
pub mod section47;
pub mod strategy;
pub mod visits;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(actions::routes())
        .merge(assessments::routes())
        .merge(closure::routes())
        .merge(conferences::routes())
        .merge(my_work::routes())
        .merge(plans::routes())
        .merge(section47::routes())
        .merge(strategy::routes())
        .merge(visits::routes())
}
