//! Administration pages: users, teams, API tokens and the audit log.
//!
//! Every handler gates its route with [`gate`] (a denial is audited) before calling the
//! service, which checks the same permission again inside its own transaction.

pub mod audit;
pub mod jobs;
pub mod messages;
pub mod recording_standards;
pub mod teams;
pub mod thresholds;
pub mod timescales;
pub mod tokens;
pub mod users;
pub mod workload_model;

use axum::Router;
use axum::routing::{get, post};
use cairn_core::{Actor, ServiceError, ServiceResult};
use cairn_db::DbConn;
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use chrono::{NaiveDate, NaiveDateTime};

use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(timescales::routes())
        .merge(recording_standards::routes())
        .merge(workload_model::routes())
        .route("/admin/users", get(users::list))
        .route("/admin/users/new", get(users::new_form).post(users::create))
        .route(
            "/admin/users/{id}",
            get(users::edit_form).post(users::update),
        )
        .route(
            "/admin/users/{id}/reset-password",
            post(users::reset_password),
        )
        .route("/admin/teams", get(teams::list).post(teams::create_team))
        .route("/admin/offices", post(teams::create_office))
        .route(
            "/admin/teams/{id}",
            get(teams::edit_form).post(teams::update),
        )
        .route("/admin/api-tokens", get(tokens::list).post(tokens::create))
        .route("/admin/api-tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/audit", get(audit::show))
        .route("/admin/jobs", get(jobs::list))
        .route("/admin/messages", get(messages::list))
        .route("/admin/messages/undelivered", get(messages::undelivered))
        .route(
            "/admin/messages/{key}",
            get(messages::edit_form).post(messages::update),
        )
        .route("/admin/jobs/{id}/retry", post(jobs::retry))
        .route("/admin/thresholds", get(thresholds::list))
        .route("/admin/thresholds/new", post(thresholds::new_draft))
        .route("/admin/thresholds/{id}", get(thresholds::show))
        .route("/admin/thresholds/{id}/copy", post(thresholds::copy))
        .route(
            "/admin/thresholds/{id}/edit",
            get(thresholds::edit_form).post(thresholds::update),
        )
        .route(
            "/admin/thresholds/{id}/agree",
            get(thresholds::agree_form).post(thresholds::agree),
        )
}

/// The route gate: refuses (and audits the refusal) unless the actor may do `action`.
pub(crate) fn gate(conn: &mut DbConn, actor: &Actor, action: Action) -> Result<(), AppError> {
    cairn_core::tx::require(conn, actor, action).map_err(AppError::from)
}

/// What a form submission came to: done, or something the user can put right on the form.
pub(crate) enum Answer<T> {
    Done(T),
    Invalid(FieldErrors),
    Conflict(String),
}

pub(crate) fn answer<T>(result: ServiceResult<T>) -> Result<Answer<T>, AppError> {
    match result {
        Ok(v) => Ok(Answer::Done(v)),
        Err(ServiceError::Invalid(e)) => Ok(Answer::Invalid(e)),
        Err(ServiceError::Conflict(m)) => Ok(Answer::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}

/// Ids in paths are UUIDs; anything else cannot name a record.
pub(crate) fn path_id(raw: &str) -> Result<String, AppError> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| AppError::NotFound)
}

/// "05/03/2025", or "" for none.
pub(crate) fn short_date(d: Option<NaiveDate>) -> String {
    d.map(cairn_domain::dates::format_short).unwrap_or_default()
}

/// "05/03/2025 14:03" (UTC, as stored).
pub(crate) fn date_time(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y %H:%M").to_string()
}

/// A GOV.UK tag: its words and its colour modifier.
#[derive(Clone, Debug)]
pub struct Tag {
    pub text: String,
    pub class: &'static str,
}

impl Tag {
    pub fn new(text: impl Into<String>, class: &'static str) -> Tag {
        Tag {
            text: text.into(),
            class,
        }
    }
}

pub(crate) fn yes_no() -> Vec<(String, String)> {
    vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_must_be_uuids() {
        assert!(path_id("not-an-id").is_err());
        assert!(path_id("../../etc").is_err());
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(path_id(&id.to_uppercase()).ok(), Some(id));
    }
}
