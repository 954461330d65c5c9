//! Recording standards administration: versions of the note delay, oversight and supervision standards.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
