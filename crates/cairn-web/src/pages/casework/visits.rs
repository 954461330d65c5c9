//! Visits to a child: the form on an open episode (`GET/POST /episodes/{referral_id}/visits/new`)
//! and the record (`GET /visits/{id}`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::ServiceError;
use cairn_core::casework::strategy::{self as casework, EpisodeForm};
use cairn_core::casework::visits::{self, VisitInput};
use cairn_domain::casework::VisitKind;
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::validation::FieldErrors;

use super::actions::{in_page_order, lines};
use super::common::{load, query_of};
use crate::admin::{Answer, answer, path_id, yes_no};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::code_options;
use crate::pages::uk_time::{now_fields, parse_uk_time, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// Everything on the visit form, as typed.
#[derive(Clone, Debug, Default)]
pub struct VisitFormValues {
    pub visited: DateParts,
    pub visited_time: String,
    pub kind: String,
    pub child_seen: String,
    pub not_seen_reason: String,
    pub seen_alone: String,
    pub bedroom_seen: String,
    pub present: String,
    pub observations: String,
}

fn yes_no_answer(text: &str) -> Option<bool> {
    match text {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

impl VisitFormValues {
    fn blank() -> VisitFormValues {
        let (visited, visited_time) = now_fields();
        VisitFormValues {
            visited,
            visited_time,
            ..VisitFormValues::default()
        }
    }

    fn from_form(f: &FormData) -> VisitFormValues {
        VisitFormValues {
            visited: f.date("visited"),
            visited_time: f.string("visited_time"),
            kind: f.string("kind"),
            child_seen: f.string("child_seen"),
            not_seen_reason: f.string("not_seen_reason"),
            seen_alone: f.string("seen_alone"),
            bedroom_seen: f.string("bedroom_seen"),
            present: f.string("present"),
            observations: f.string("observations"),
        }
    }

    fn to_input(&self, visited_at: Option<chrono::NaiveDateTime>) -> VisitInput {
        VisitInput {
            visited_at,
            kind: self.kind.clone(),
            child_seen: yes_no_answer(&self.child_seen),
            not_seen_reason: self.not_seen_reason.clone(),
            seen_alone: yes_no_answer(&self.seen_alone),
            bedroom_seen: yes_no_answer(&self.bedroom_seen),
            present: self.present.clone(),
            observations: self.observations.clone(),
        }
    }
}

const FORM_ORDER: &[&str] = &[
    "visited",
    "visited_time",
    "kind",
    "child_seen",
    "seen_alone",
    "not_seen_reason",
    "bedroom_seen",
    "present",
    "observations",
];

#[derive(askama::Template)]
#[template(path = "pages/casework/visit_form.html")]
pub struct VisitFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub referral_id: String,
    pub child_id: String,
    pub child_name: String,
    pub referral_date: String,
    pub v: VisitFormValues,
    pub kinds: Vec<(String, String)>,
    pub yes_no: Vec<(String, String)>,
}

fn form_page(
    user: &CurrentUser,
    ctx: &EpisodeForm,
    errors: Errors,
    v: VisitFormValues,
) -> VisitFormPage {
    VisitFormPage {
        layout: user.layout(format!("{}Record a visit", errors.title_prefix()), ""),
        errors,
        referral_id: ctx.referral_id.clone(),
        child_id: ctx.child.id.clone(),
        child_name: ctx.child.display_name.clone(),
        referral_date: format_long(ctx.referral_date),
        v,
        kinds: code_options::<VisitKind>(),
        yes_no: yes_no(),
    }
}

/// `GET /episodes/{referral_id}/visits/new`
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(referral_id): Path<String>,
) -> Result<Response, AppError> {
    let referral_id = path_id(&referral_id)?;
    let ctx = load(&state, &user.actor, referral_id, casework::episode_form).await?;
    let page = form_page(&user, &ctx, Errors::default(), VisitFormValues::blank());
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /episodes/{referral_id}/visits/new`
pub async fn create(
    State(state): State<AppState>,
    Path(referral_id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let referral_id = path_id(&referral_id)?;
    let v = VisitFormValues::from_form(&form.data);
    let mut errors = FieldErrors::new();
    let visited_at = parse_uk_time(
        &v.visited,
        &v.visited_time,
        "visited",
        "of the visit",
        &mut errors,
    );
    let input = v.to_input(visited_at);
    let actor = form.user.actor.clone();
    let rid = referral_id.clone();
    let outcome = state
        .db(move |c| {
            let result = visits::record(c, &actor, &rid, &input);
            if errors.is_empty() {
                return answer(result);
            }
            // The time could not be read, so nothing was recorded (the service had no time
            // either): list the reader's problem with the time and every other one.
            if let Err(ServiceError::Invalid(more)) = result {
                for e in more.iter().filter(|e| e.field != "visited") {
                    errors.push(e.field.clone(), e.message.clone());
                }
            }
            Ok(Answer::Invalid(errors))
        })
        .await?;
    match outcome {
        Answer::Done(id) => Ok(Redirect::to(&format!("/visits/{id}?recorded=1")).into_response()),
        Answer::Invalid(errors) => {
            let ctx = load(
                &state,
                &form.user.actor,
                referral_id,
                casework::episode_form,
            )
            .await?;
            let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
            let page = form_page(&form.user, &ctx, errors, v);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(m) => Err(ServiceError::Conflict(m).into()),
    }
}

#[derive(askama::Template)]
#[template(path = "pages/casework/visit.html")]
pub struct VisitPage {
    pub layout: Layout,
    pub notice: String,
    pub child_id: String,
    pub child_name: String,
    pub visited: String,
    pub kind: String,
    pub child_seen: bool,
    pub seen_alone: bool,
    pub bedroom_seen: bool,
    pub not_seen_reason: Vec<String>,
    pub present: String,
    pub observations: Vec<String>,
    pub worker: String,
}

/// `GET /visits/{id}`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let view = load(&state, &user.actor, id, visits::view).await?;
    let v = &view.visit;
    let page = VisitPage {
        layout: user.layout(format!("Visit to {}", view.child.display_name), ""),
        notice: if query.get("recorded") == "1" {
            "The visit has been recorded".into()
        } else {
            String::new()
        },
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        visited: uk_time(v.visited_at),
        kind: view.kind.label().to_string(),
        child_seen: v.child_seen,
        seen_alone: v.seen_alone,
        bedroom_seen: v.bedroom_seen,
        not_seen_reason: lines(v.not_seen_reason.as_deref().unwrap_or_default()),
        present: v.present.clone(),
        observations: lines(&v.observations),
        worker: view.worker_name.clone(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/episodes/{referral_id}/visits/new",
            get(new_form).post(create),
        )
        .route("/visits/{id}", get(show))
}
