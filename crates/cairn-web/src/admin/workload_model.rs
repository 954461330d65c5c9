//! Adding a version of the workload model (`GET/POST /admin/workload-model/new`), with field
//! errors for missing, unreadable or negative weights. The form starts from the version in
//! force; nothing typed is lost when a problem is shown.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::caseloads::model::{self, CAPACITY_ROLES, ModelInput};
use cairn_domain::caseloads::{CaseFactor, Service, WorkKind};
use cairn_domain::dates::{DateParts, parse_date_parts};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::{Answer, answer, gate};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/workload-model/new", get(new_form).post(create))
}

/// One number on the form: its field name, label and what was typed.
pub struct NumberField {
    pub field: String,
    pub label: String,
    pub value: String,
}

/// A service's two levels.
pub struct LimitFields {
    pub service: String,
    pub amber: NumberField,
    pub red: NumberField,
}

#[derive(askama::Template)]
#[template(path = "admin/workload_model_form.html")]
pub struct ModelFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub current_name: String,
    pub version_name: String,
    pub effective_from: DateParts,
    pub work: Vec<NumberField>,
    pub factors: Vec<NumberField>,
    pub capacities: Vec<NumberField>,
    pub limits: Vec<LimitFields>,
    pub newly_qualified_percent: String,
    pub newly_qualified_months: String,
    pub escalate: String,
    pub notes: String,
}

fn field(
    prefix: &str,
    code: &str,
    label: &str,
    values: &std::collections::BTreeMap<String, String>,
) -> NumberField {
    NumberField {
        field: format!("{prefix}.{code}"),
        label: label.to_string(),
        value: values.get(code).cloned().unwrap_or_default(),
    }
}

fn page(
    user: &CurrentUser,
    errors: Errors,
    current_name: String,
    input: &ModelInput,
    effective_from: DateParts,
) -> ModelFormPage {
    ModelFormPage {
        layout: user.layout(
            format!(
                "{}Add a version of the workload model",
                errors.title_prefix()
            ),
            "workload-model",
        ),
        errors,
        current_name,
        version_name: input.name.clone(),
        effective_from,
        work: WorkKind::ALL
            .iter()
            .map(|k| field("work", k.code(), k.label(), &input.work))
            .collect(),
        factors: CaseFactor::ALL
            .iter()
            .map(|f| field("factor", f.code(), f.label(), &input.factor))
            .collect(),
        capacities: CAPACITY_ROLES
            .iter()
            .map(|r| field("capacity", r.code(), r.label(), &input.capacity))
            .collect(),
        limits: Service::ALL
            .iter()
            .map(|s| LimitFields {
                service: s.label().to_string(),
                amber: field(
                    "amber",
                    s.code(),
                    &format!("{}: amber from (%)", s.label()),
                    &input.amber,
                ),
                red: field(
                    "red",
                    s.code(),
                    &format!("{}: red over (%)", s.label()),
                    &input.red,
                ),
            })
            .collect(),
        newly_qualified_percent: input.newly_qualified_percent.clone(),
        newly_qualified_months: input.newly_qualified_months.clone(),
        escalate: input.escalate_unallocated_after_working_days.clone(),
        notes: input.notes.clone(),
    }
}

/// The form as typed.
fn typed(f: &FormData) -> ModelInput {
    let map = |prefix: &str, codes: Vec<&str>| {
        codes
            .into_iter()
            .map(|c| (c.to_string(), f.string(&format!("{prefix}.{c}"))))
            .collect()
    };
    let services: Vec<&str> = Service::ALL.iter().map(|s| s.code()).collect();
    ModelInput {
        name: f.string("name"),
        effective_from: None,
        work: map("work", WorkKind::ALL.iter().map(|k| k.code()).collect()),
        factor: map("factor", CaseFactor::ALL.iter().map(|k| k.code()).collect()),
        capacity: map(
            "capacity",
            CAPACITY_ROLES.iter().map(|r| r.code()).collect(),
        ),
        amber: map("amber", services.clone()),
        red: map("red", services),
        newly_qualified_percent: f.string("newly_qualified_percent"),
        newly_qualified_months: f.string("newly_qualified_months"),
        escalate_unallocated_after_working_days: f
            .string("escalate_unallocated_after_working_days"),
        notes: f.string("notes"),
    }
}

/// `GET /admin/workload-model/new`
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let (input, published) = state
        .db(move |c| {
            gate(c, &actor, Action::ManageWorkloadModel)?;
            Ok(model::new_version_form(c, &actor, today_in_england())?)
        })
        .await?;
    let p = page(
        &user,
        Errors::default(),
        published.current.model.name.clone(),
        &input,
        DateParts::default(),
    );
    Ok(render_with(StatusCode::OK, &p))
}

/// `POST /admin/workload-model/new`: adds the version, or shows the form again with every
/// problem and everything typed.
pub async fn create(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let mut input = typed(&form.data);
    let date = form.data.date("effective_from");
    let mut date_error = None;
    match parse_date_parts(&date, "The date this version takes effect") {
        Ok(d) => input.effective_from = d,
        Err(e) => date_error = Some(e.to_string()),
    }
    let actor = form.user.actor.clone();
    let submitted = input.clone();
    let (outcome, current) = state
        .db(move |c| {
            gate(c, &actor, Action::ManageWorkloadModel)?;
            let today = today_in_england();
            let outcome = match date_error {
                None => answer(model::add_version(c, &actor, &submitted, today))?,
                Some(message) => {
                    // Every other problem at once, with the date's own.
                    let mut errors = FieldErrors::new();
                    errors.push("effective_from", message);
                    if let Err(more) = model::read_input(&submitted) {
                        for e in more.iter().filter(|e| e.field != "effective_from") {
                            errors.push(e.field.clone(), e.message.clone());
                        }
                    }
                    Answer::Invalid(errors)
                }
            };
            let current = cairn_db::caseloads::model::in_force(c, today)?.model.name;
            Ok((outcome, current))
        })
        .await?;
    let errors = match outcome {
        Answer::Done(_) => return Ok(Redirect::to("/workload-model?added=1").into_response()),
        Answer::Invalid(e) => Errors::from_fields(&e),
        Answer::Conflict(m) => Errors::one("effective_from", &m),
    };
    let p = page(&form.user, errors, current, &input, date);
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &p))
}
