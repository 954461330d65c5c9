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
        // The published threshold document: public, for partner agencies (no CurrentUser).
        .route("/thresholds", get(pages::thresholds::show))
        .route("/thresholds.pdf", get(pages::thresholds::pdf))
        .route("/thresholds/versions/{id}", get(pages::thresholds::version))
        .route(
            "/thresholds/versions/{id}/pdf",
            get(pages::thresholds::version_pdf),
        )
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
        // The supervised screening queue, screening decisions and referrals.
        .route("/queue", get(pages::screening::queue))
        .route("/queue/{id}/claim", post(pages::screening::claim))
        .route("/queue/{id}/release", post(pages::screening::release))
        .route("/contacts/{id}/screen", get(pages::screening::screen))
        .route("/contacts/{id}/decision", post(pages::screening::decide))
        .route("/decisions/{id}", get(pages::screening::decision))
        .route("/decisions/{id}/review", post(pages::screening::review))
        .route("/referrals", get(pages::referrals::list))
        .route("/referrals/{id}", get(pages::referrals::show))
        .route("/referrals/{id}/assign", post(pages::referrals::assign))
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
        // The front door: recording contacts, the contact's page, out-of-hours handover.
        .route("/contacts/new", get(pages::contacts::choose_children))
        .route(
            "/contacts/new/details",
            get(pages::contacts::details_form).post(pages::contacts::create),
        )
        .route("/contacts/{id}", get(pages::contacts::show))
        .route(
            "/contacts/{id}/children",
            get(pages::contacts::add_child_form).post(pages::contacts::add_child),
        )
        .route(
            "/contacts/{id}/messages/{message_id}/letter.pdf",
            get(pages::contacts::letter),
        )
        .route(
            "/contacts/{id}/out-of-hours",
            post(pages::out_of_hours::record_action),
        )
        .route("/handover", get(pages::out_of_hours::handover))
        .route(
            "/handover/{id}/acknowledge",
            post(pages::out_of_hours::acknowledge),
        )
        .route("/my-contacts", get(pages::out_of_hours::my_contacts))
        .route(
            "/my-contacts/{id}/read",
            post(pages::out_of_hours::mark_read),
        )
        .merge(admin::routes())
        .merge(pages::casework::routes())
        .merge(pages::recording::routes())
        .merge(pages::caseloads::routes())
        .nest("/api/v1", api::routes())
        .route("/performance/front-door", get(pages::performance::show))
        .route(
            "/performance/front-door/{file}",
            get(pages::performance::csv),
        )
        .route(
            "/reports/receipts",
            get(pages::performance::receipts_report),
        )
        .route(
            "/reports/receipts.csv",
            get(pages::performance::receipts_report_csv),
        )
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
