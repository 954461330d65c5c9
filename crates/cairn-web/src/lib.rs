//! Cairn's web layer: the axum router, sessions and CSRF, security headers, GOV.UK pages and the
//! JSON API. Handlers parse input, call one `cairn-core` service through [`AppState::db`], and
//! render the result; they hold no business rules.

pub mod admin;
pub mod api;
pub mod assets;
pub mod error;
pub mod form;
pub mod layout;
pub mod metrics;
pub mod observe;
pub mod pages;
pub mod session;
pub mod state;
pub mod throttle;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use state::AppState;

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    layout::set_council_name(&state.settings.council_name);
    Router::new()
        .route("/", get(pages::home::show))
        .route(
            "/sign-in",
            get(pages::sign_in::show).post(pages::sign_in::submit),
        )
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/signed-out", get(pages::sign_in::signed_out))
        .route("/account", get(pages::account::show))
        .route(
            "/account/password",
            get(pages::account::password_form).post(pages::account::change_password),
        )
        .route("/people/search", get(pages::search::show))
        .route(
            "/people/new",
            get(pages::people::new_form).post(pages::people::create),
        )
        .route("/people/{id}", get(pages::people::show))
        .route(
            "/people/{id}/edit",
            get(pages::people::edit_form).post(pages::people::update),
        )
        .route("/people/{id}/history", get(pages::people::history))
        .route(
            "/people/{id}/entered-in-error",
            get(pages::people::error_form).post(pages::people::mark_error),
        )
        .route(
            "/people/{id}/addresses/new",
            get(pages::people::address_form).post(pages::people::add_address),
        )
        .route(
            "/people/{id}/relationships/new",
            get(pages::people::relationship_form).post(pages::people::add_relationship),
        )
        .merge(admin::routes())
        .nest("/api/v1", api::routes())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(assets::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::security_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state)
}

async fn not_found() -> Response {
    error::AppError::NotFound.into_response()
}

/// Healthy when the database answers.
async fn healthz(State(state): State<AppState>) -> Response {
    let result = state
        .db(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute("SELECT 1")
                .map_err(|e| error::AppError::Unavailable(e.to_string()))
        })
        .await;
    match result {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let s = state.pool.state();
    let pool = metrics::r2d2_state::PoolState {
        connections: s.connections,
        idle: s.idle_connections,
        max: state.pool.max_size(),
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(&pool),
    )
        .into_response()
}
