//! Workload alerts (`GET /caseloads/alerts`, `?team=` for one team): open alerts with their
//! level, since when, cause and load; for managers who allocate, a form on each to record a
//! decision, which closes it (`POST /caseloads/alerts/{id}/decision`); the latest decided and
//! cleared alerts below.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::caseloads::alerts::{self, AlertView, AlertsPage};
use cairn_domain::caseloads::AlertLevel;
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use crate::admin::{Answer, answer, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::uk_time;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/caseloads/alerts", get(list))
        .route("/caseloads/alerts/{id}/decision", post(decide))
}

/// One alert as listed.
pub struct Line {
    pub id: String,
    pub subject: String,
    pub kind: String,
    pub team: String,
    pub level: String,
    pub level_class: &'static str,
    pub since: String,
    pub cause: String,
    pub load: String,
    pub outcome: String,
}

fn line(v: &AlertView) -> Line {
    let (level, level_class) = match v.level {
        Some(AlertLevel::Red) => ("Red", "govuk-tag--red"),
        Some(AlertLevel::Amber) => ("Amber", "govuk-tag--orange"),
        Some(AlertLevel::Waiting) => ("Waiting too long", "govuk-tag--purple"),
        None => ("Unknown", "govuk-tag--grey"),
    };
    let outcome = match (&v.alert.decision, v.alert.decided_at, v.alert.cleared_at) {
        (Some(d), Some(at), _) => format!(
            "Decision by {} on {}: {d}",
            v.decided_by_name
                .clone()
                .unwrap_or_else(|| "a manager".into()),
            uk_time(at)
        ),
        (_, _, Some(at)) => format!(
            "Cleared on {}: {}",
            uk_time(at),
            v.alert.cleared_reason.clone().unwrap_or_default()
        ),
        _ => String::new(),
    };
    Line {
        id: v.alert.id.clone(),
        subject: v.subject_name.clone(),
        kind: v.subject.label().to_string(),
        team: v.team_name.clone().unwrap_or_default(),
        level: level.into(),
        level_class,
        since: uk_time(v.alert.raised_at),
        cause: v.alert.cause.clone(),
        load: v
            .alert
            .load_percent
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "No capacity".into()),
        outcome,
    }
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/alerts/list.html")]
pub struct AlertsListPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub open: Vec<Line>,
    pub closed: Vec<Line>,
    pub may_decide: bool,
    pub team: String,
    /// The alert whose decision form had a problem, and what was typed.
    pub failed_id: String,
    pub typed: String,
}

fn page_of(user: &CurrentUser, p: &AlertsPage, errors: Errors, team: String) -> AlertsListPage {
    AlertsListPage {
        layout: user.layout(
            format!("{}Workload alerts", errors.title_prefix()),
            "workload-alerts",
        ),
        errors,
        notice: String::new(),
        open: p.open.iter().map(line).collect(),
        closed: p.closed.iter().map(line).collect(),
        may_decide: p.may_decide,
        team,
        failed_id: String::new(),
        typed: String::new(),
    }
}

fn team_of(query: &FormData) -> Option<String> {
    let t = query.string("team");
    let t = t.trim();
    uuid::Uuid::parse_str(t)
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// `GET /caseloads/alerts`
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let team = team_of(&query);
    let actor = user.actor.clone();
    let wanted = team.clone();
    let p = state
        .db(move |c| {
            gate(c, &actor, Action::ViewCaseloads)?;
            Ok(alerts::page(c, &actor, wanted.as_deref())?)
        })
        .await?;
    let mut page = page_of(&user, &p, Errors::default(), team.unwrap_or_default());
    if query.get("decided") == "1" {
        page.notice = "The decision has been recorded and the alert closed.".into();
    }
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /caseloads/alerts/{id}/decision`
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let typed = form.data.string("decision");
    let actor = form.user.actor.clone();
    let (alert_id, text) = (id.clone(), typed.clone());
    let outcome = state
        .db(move |c| {
            gate(c, &actor, Action::AllocateWork)?;
            let result = answer(alerts::decide(c, &actor, &alert_id, &text))?;
            let p = match &result {
                Answer::Done(()) => None,
                _ => Some(alerts::page(c, &actor, None)?),
            };
            Ok((result, p))
        })
        .await?;
    let field = format!("decision-{id}");
    let (errors, p) = match outcome {
        (Answer::Done(()), _) => {
            return Ok(Redirect::to("/caseloads/alerts?decided=1").into_response());
        }
        (Answer::Invalid(e), Some(p)) => {
            let mut f = FieldErrors::new();
            for err in e.iter() {
                f.push(field.clone(), err.message.clone());
            }
            (Errors::from_fields(&f), p)
        }
        (Answer::Conflict(m), Some(p)) => (Errors::one(&field, &m), p),
        (_, None) => return Err(AppError::Internal("no alerts page".into())),
    };
    let mut page = page_of(&form.user, &p, errors, String::new());
    page.failed_id = id;
    page.typed = typed;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
