//! Workers' hours and availability (`GET /workers`, `?team=`): each worker's role, hours,
//! newly qualified date, capacity, load and leave, flagged when work must be reallocated; one
//! worker's form (`GET/POST /workers/{user_id}`); and the reallocation list of a worker who is
//! leaving or on long leave (`GET /workers/{user_id}/reallocation`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::caseloads::availability::{self, AvailabilityInput, WorkerLine};
use cairn_domain::caseloads::Rating;
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use crate::admin::{Answer, answer, gate, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workers", get(list))
        .route("/workers/{id}", get(edit_form).post(save))
        .route("/workers/{id}/reallocation", get(reallocation))
}

/// One worker as the list shows them.
pub struct Row {
    pub id: String,
    pub name: String,
    pub role: String,
    pub team: String,
    pub fte: String,
    pub newly_qualified_until: String,
    pub capacity: String,
    pub load: String,
    pub rating: String,
    pub rating_class: &'static str,
    pub leave: String,
    pub to_reallocate: usize,
    pub because: String,
}

fn rating(r: Rating) -> (String, &'static str) {
    match r {
        Rating::Green => ("Green".into(), "govuk-tag--green"),
        Rating::Amber => ("Amber".into(), "govuk-tag--orange"),
        Rating::Red => ("Red".into(), "govuk-tag--red"),
    }
}

fn row(l: &WorkerLine) -> Row {
    let (rating, rating_class) = rating(l.load.rating);
    let w = &l.worker;
    let leave = match (w.absent_from, w.absent_until) {
        (Some(from), Some(until)) => format!(
            "{} to {}{}",
            format_long(from),
            format_long(until),
            l.absence_reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        (Some(from), None) => format!(
            "From {}{}",
            format_long(from),
            l.absence_reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    Row {
        id: w.user_id.clone(),
        name: w.display_name.clone(),
        role: w.role.label().into(),
        team: w.team_name.clone().unwrap_or_default(),
        fte: cairn_domain::caseloads::points::Points::from_centi(i64::from(w.fte_centi))
            .to_string(),
        newly_qualified_until: if l.newly_qualified_now {
            l.newly_qualified_until.map(format_long).unwrap_or_default()
        } else {
            String::new()
        },
        capacity: l.load.capacity.to_string(),
        load: match l.load.percent {
            Some(p) => format!("{} ({p}%)", l.load.weighted),
            None => l.load.weighted.to_string(),
        },
        rating,
        rating_class,
        leave,
        to_reallocate: l.to_reallocate,
        because: l.reallocate_because.clone().unwrap_or_default(),
    }
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/workers/list.html")]
pub struct WorkersPage {
    pub layout: Layout,
    pub teams: Vec<(String, String)>,
    pub team: String,
    pub rows: Vec<Row>,
    pub notice: String,
}

/// `GET /workers`
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let team = query.string("team");
    let team = if team == "all" {
        Some("all".to_string())
    } else {
        uuid::Uuid::parse_str(team.trim())
            .ok()
            .map(|u| u.hyphenated().to_string())
    };
    let actor = user.actor.clone();
    let l = state
        .db(move |c| {
            gate(c, &actor, Action::ManageWorkerAvailability)?;
            Ok(availability::list(
                c,
                &actor,
                team.as_deref(),
                today_in_england(),
            )?)
        })
        .await?;
    let mut teams = vec![("all".to_string(), "Every team".to_string())];
    teams.extend(l.teams.clone());
    let page = WorkersPage {
        layout: user.layout("Workers", "workers"),
        teams,
        team: l.team_id.clone().unwrap_or_else(|| "all".into()),
        rows: l.workers.iter().map(row).collect(),
        notice: if query.get("saved") == "1" {
            "The worker's details have been saved.".into()
        } else {
            String::new()
        },
    };
    Ok(render_with(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/workers/form.html")]
pub struct WorkerFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub row: Row,
    pub full_time_capacity: String,
    pub fte: String,
    pub newly_qualified_from: DateParts,
    pub absent_from: DateParts,
    pub absent_until: DateParts,
    pub absence_reason: String,
    pub left_on: DateParts,
    pub version: i32,
}

fn parts(d: Option<chrono::NaiveDate>) -> DateParts {
    d.map(DateParts::from_date).unwrap_or_default()
}

async fn detail(
    state: &AppState,
    user: &CurrentUser,
    id: String,
) -> Result<availability::WorkerDetail, AppError> {
    let actor = user.actor.clone();
    state
        .db(move |c| {
            gate(c, &actor, Action::ManageWorkerAvailability)?;
            Ok(availability::detail(c, &actor, &id, today_in_england())?)
        })
        .await
}

/// `GET /workers/{id}`
pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let d = detail(&state, &user, id).await?;
    let input = AvailabilityInput::from_row(&d.availability);
    let page = WorkerFormPage {
        layout: user.layout(
            format!("Hours and availability: {}", d.line.worker.display_name),
            "workers",
        ),
        errors: Errors::default(),
        row: row(&d.line),
        full_time_capacity: d.full_time_capacity.to_string(),
        fte: input.fte,
        newly_qualified_from: parts(input.newly_qualified_from),
        absent_from: parts(input.absent_from),
        absent_until: parts(input.absent_until),
        absence_reason: input.absence_reason,
        left_on: parts(input.left_on),
        version: input.version,
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /workers/{id}`
pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let f = &form.data;
    let mut date_errors = FieldErrors::new();
    let mut date = |name: &str, label: &str| -> (DateParts, Option<chrono::NaiveDate>) {
        let p = f.date(name);
        match parse_date_parts(&p, label) {
            Ok(d) => (p, d),
            Err(e) => {
                date_errors.push(name, e.to_string());
                (p, None)
            }
        }
    };
    let nq = date("newly_qualified_from", "The day they qualified");
    let from = date("absent_from", "The first day of leave");
    let until = date("absent_until", "The last day of leave");
    let left = date("left_on", "The leaving date");
    let input = AvailabilityInput {
        fte: f.string("fte"),
        newly_qualified_from: nq.1,
        absent_from: from.1,
        absent_until: until.1,
        absence_reason: f.string("absence_reason"),
        left_on: left.1,
        version: f.get("version").trim().parse().unwrap_or(0),
    };
    let actor = form.user.actor.clone();
    let (worker_id, submitted) = (id.clone(), input.clone());
    let outcome = state
        .db(move |c| {
            gate(c, &actor, Action::ManageWorkerAvailability)?;
            if date_errors.is_empty() {
                return answer(availability::save(
                    c,
                    &actor,
                    &worker_id,
                    &submitted,
                    today_in_england(),
                ));
            }
            if let Err(more) = availability::check(&submitted) {
                for e in more.iter() {
                    date_errors.push(e.field.clone(), e.message.clone());
                }
            }
            Ok(Answer::Invalid(date_errors))
        })
        .await?;
    let errors = match outcome {
        Answer::Done(()) => {
            return Ok(
                Redirect::to(&format!("/workers?saved=1&team=all#worker-{id}")).into_response(),
            );
        }
        Answer::Invalid(e) => Errors::from_fields(&e),
        Answer::Conflict(m) => Errors::one("fte", &m),
    };
    let d = detail(&state, &form.user, id).await?;
    let page = WorkerFormPage {
        layout: form.user.layout(
            format!(
                "{}Hours and availability: {}",
                errors.title_prefix(),
                d.line.worker.display_name
            ),
            "workers",
        ),
        errors,
        row: row(&d.line),
        full_time_capacity: d.full_time_capacity.to_string(),
        fte: input.fte,
        newly_qualified_from: nq.0,
        absent_from: from.0,
        absent_until: until.0,
        absence_reason: input.absence_reason,
        left_on: left.0,
        version: input.version,
    };
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// One line of a reallocation list.
pub struct Item {
    pub child_id: String,
    pub child: String,
    pub work: String,
    pub counts_as: String,
    pub weight: String,
    pub since: String,
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/workers/reallocation.html")]
pub struct ReallocationPage {
    pub layout: Layout,
    pub worker_id: String,
    pub name: String,
    pub because: String,
    pub items: Vec<Item>,
}

/// `GET /workers/{id}/reallocation`
pub async fn reallocation(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let worker_id = id.clone();
    let r = state
        .db(move |c| {
            gate(c, &actor, Action::AllocateWork)?;
            Ok(availability::reallocation(
                c,
                &actor,
                &worker_id,
                today_in_england(),
            )?)
        })
        .await?;
    let page = ReallocationPage {
        layout: user.layout(
            format!("Work to reallocate: {}", r.worker.display_name),
            "workers",
        ),
        worker_id: id,
        name: r.worker.display_name.clone(),
        because: r.because.clone().unwrap_or_default(),
        items: r
            .items
            .iter()
            .map(|i| Item {
                child_id: i.child.id.clone(),
                child: i.child.display_name.clone(),
                work: i.held.work.label().into(),
                counts_as: i.counts_as.label().into(),
                weight: i.weight.to_string(),
                since: format_long(i.since),
            })
            .collect(),
    };
    Ok(render_with(StatusCode::OK, &page))
}
