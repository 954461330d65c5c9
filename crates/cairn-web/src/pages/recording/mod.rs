//! Recording pages: case notes, the chronology, oversight and supervision, search in notes and
//! the recording-quality report. Each module owns its routes.

pub mod chronology;
pub mod notes;
pub mod oversight;
pub mod quality;
pub mod search;
pub mod supervision;
pub mod tabs;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(chronology::routes())
        .merge(notes::routes())
        .merge(oversight::routes())
        .merge(quality::routes())
        .merge(search::routes())
        .merge(supervision::routes())
}
