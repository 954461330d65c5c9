//! The timescales casework is measured against: every version, and a form to add the next
//! (`GET/POST /admin/timescales`, for those who manage timescales); and what the version in
//! force means, for all staff (`GET /timescales`). Versions are never edited: a new one takes
//! effect from its date, and earlier episodes keep the rules in force when they were referred.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::casework::timescales::{self, TimescaleInput, TimescaleVersion, TimescaleVersions};
use cairn_domain::casework::timescales::{AssessmentModel, TimescaleProfile};
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::{Answer, answer, gate};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::casework::actions::in_page_order;
use crate::pages::uk_time::uk_time;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// One timescale of a version, in words: what it is, its figure and what it counts from.
pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub meaning: &'static str,
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn wd(n: u32) -> String {
    plural(n, "working day", "working days")
}

fn months(n: u32) -> String {
    plural(n, "month", "months")
}

/// Every figure of a version, in the order casework meets them.
pub fn figures(p: &TimescaleProfile) -> Vec<Figure> {
    let mut out = match p.assessment {
        AssessmentModel::Single { working_days } => vec![Figure {
            label: "Child and family assessment",
            value: wd(working_days),
            meaning: "Authorised within this many working days of the referral.",
        }],
        AssessmentModel::InitialAndCore {
            initial_working_days,
            core_working_days,
        } => vec![
            Figure {
                label: "Initial assessment",
                value: wd(initial_working_days),
                meaning: "Completed within this many working days of the referral.",
            },
            Figure {
                label: "Core assessment",
                value: wd(core_working_days),
                meaning: "Completed within this many working days of its own start.",
            },
        ],
    };
    out.extend([
        Figure {
            label: "Initial child protection conference",
            value: wd(p.icpc_working_days),
            meaning: "Held within this many working days of the strategy discussion that started the section 47 enquiry.",
        },
        Figure {
            label: "First core group",
            value: wd(p.core_group_working_days),
            meaning: "Meets within this many working days of the initial conference.",
        },
        Figure {
            label: "First review conference",
            value: months(p.first_review_months),
            meaning: "Held within this many months of the initial conference.",
        },
        Figure {
            label: "Later review conferences",
            value: months(p.review_interval_months),
            meaning: "At most this many months after the last review, while the plan lasts.",
        },
        Figure {
            label: "Visits on a child protection plan",
            value: wd(p.cp_visit_working_days),
            meaning: "At least this often, counted from the last visit with the child seen (or the start of the plan).",
        },
        Figure {
            label: "Visits on a child in need plan",
            value: wd(p.cin_visit_working_days),
            meaning: "At least this often, counted from the last visit with the child seen (or the start of the plan).",
        },
        Figure {
            label: "Child in need plan reviews",
            value: months(p.cin_review_months),
            meaning: "At least this often, counted from the last review (or the start of the plan).",
        },
    ]);
    out
}

/// One version as the list shows it.
pub struct VersionCard {
    pub name: String,
    pub effective_from: String,
    pub in_force: bool,
    pub future: bool,
    pub figures: Vec<Figure>,
    pub notes: String,
    pub added: String,
}

fn card(v: &TimescaleVersion, today: chrono::NaiveDate) -> VersionCard {
    VersionCard {
        name: v.profile.name.clone(),
        effective_from: format_long(v.profile.effective_from),
        in_force: v.in_force,
        future: v.profile.effective_from > today,
        figures: figures(&v.profile),
        notes: v.notes.clone(),
        added: format!("{}, by {}", uk_time(v.created_at), v.created_by_name),
    }
}

/// The "add a version" form as typed; every number is kept as text so a mistake is shown
/// back exactly.
#[derive(Clone, Debug, Default)]
pub struct VersionFormValues {
    pub name: String,
    pub effective_from: DateParts,
    pub assessment_model: String,
    pub single_assessment_working_days: String,
    pub initial_assessment_working_days: String,
    pub core_assessment_working_days: String,
    pub icpc_working_days: String,
    pub first_review_months: String,
    pub review_interval_months: String,
    pub core_group_working_days: String,
    pub cp_visit_working_days: String,
    pub cin_visit_working_days: String,
    pub cin_review_months: String,
    pub notes: String,
}

fn text(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl VersionFormValues {
    /// Prefilled from the version in force, to be changed into the next.
    fn from_current(current: Option<&TimescaleVersion>) -> VersionFormValues {
        let Some(current) = current else {
            return VersionFormValues::default();
        };
        let i = TimescaleInput::from_profile(&current.profile);
        VersionFormValues {
            name: String::new(),
            effective_from: DateParts::default(),
            assessment_model: i.assessment_model,
            single_assessment_working_days: text(i.single_assessment_working_days),
            initial_assessment_working_days: text(i.initial_assessment_working_days),
            core_assessment_working_days: text(i.core_assessment_working_days),
            icpc_working_days: text(i.icpc_working_days),
            first_review_months: text(i.first_review_months),
            review_interval_months: text(i.review_interval_months),
            core_group_working_days: text(i.core_group_working_days),
            cp_visit_working_days: text(i.cp_visit_working_days),
            cin_visit_working_days: text(i.cin_visit_working_days),
            cin_review_months: text(i.cin_review_months),
            notes: String::new(),
        }
    }

    fn from_form(f: &FormData) -> VersionFormValues {
        VersionFormValues {
            name: f.string("name"),
            effective_from: f.date("effective_from"),
            assessment_model: f.string("assessment_model"),
            single_assessment_working_days: f.string("single_assessment_working_days"),
            initial_assessment_working_days: f.string("initial_assessment_working_days"),
            core_assessment_working_days: f.string("core_assessment_working_days"),
            icpc_working_days: f.string("icpc_working_days"),
            first_review_months: f.string("first_review_months"),
            review_interval_months: f.string("review_interval_months"),
            core_group_working_days: f.string("core_group_working_days"),
            cp_visit_working_days: f.string("cp_visit_working_days"),
            cin_visit_working_days: f.string("cin_visit_working_days"),
            cin_review_months: f.string("cin_review_months"),
            notes: f.string("notes"),
        }
    }

    /// The typed form as the service takes it, with the problems only the form can see
    /// (a number or date it cannot read). The regime not chosen is ignored.
    fn to_input(&self, errors: &mut FieldErrors) -> TimescaleInput {
        let mut number = |field: &str, value: &str| -> Option<u32> {
            let v = value.trim();
            if v.is_empty() {
                return None;
            }
            match v.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(field, "Enter a whole number, for example 15");
                    None
                }
            }
        };
        let single = self.assessment_model == "single";
        let initial_and_core = self.assessment_model == "initial_and_core";
        let input = TimescaleInput {
            name: self.name.clone(),
            effective_from: None,
            assessment_model: self.assessment_model.clone(),
            single_assessment_working_days: if single {
                number(
                    "single_assessment_working_days",
                    &self.single_assessment_working_days,
                )
            } else {
                None
            },
            initial_assessment_working_days: if initial_and_core {
                number(
                    "initial_assessment_working_days",
                    &self.initial_assessment_working_days,
                )
            } else {
                None
            },
            core_assessment_working_days: if initial_and_core {
                number(
                    "core_assessment_working_days",
                    &self.core_assessment_working_days,
                )
            } else {
                None
            },
            icpc_working_days: number("icpc_working_days", &self.icpc_working_days),
            first_review_months: number("first_review_months", &self.first_review_months),
            review_interval_months: number("review_interval_months", &self.review_interval_months),
            core_group_working_days: number(
                "core_group_working_days",
                &self.core_group_working_days,
            ),
            cp_visit_working_days: number("cp_visit_working_days", &self.cp_visit_working_days),
            cin_visit_working_days: number("cin_visit_working_days", &self.cin_visit_working_days),
            cin_review_months: number("cin_review_months", &self.cin_review_months),
            notes: self.notes.clone(),
        };
        let effective_from =
            match parse_date_parts(&self.effective_from, "The date this version takes effect") {
                Ok(d) => d,
                Err(e) => {
                    errors.push("effective_from", e.to_string());
                    None
                }
            };
        TimescaleInput {
            effective_from,
            ..input
        }
    }
}

const FORM_ORDER: &[&str] = &[
    "name",
    "effective_from",
    "assessment_model",
    "single_assessment_working_days",
    "initial_assessment_working_days",
    "core_assessment_working_days",
    "icpc_working_days",
    "core_group_working_days",
    "first_review_months",
    "review_interval_months",
    "cp_visit_working_days",
    "cin_visit_working_days",
    "cin_review_months",
    "notes",
];

#[derive(askama::Template)]
#[template(path = "admin/timescales.html")]
pub struct TimescalesPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub today: String,
    pub versions: Vec<VersionCard>,
    pub v: VersionFormValues,
}

fn list_page(
    user: &CurrentUser,
    versions: &TimescaleVersions,
    errors: Errors,
    notice: String,
    v: VersionFormValues,
) -> TimescalesPage {
    TimescalesPage {
        layout: user.layout(format!("{}Timescales", errors.title_prefix()), "timescales"),
        errors,
        notice,
        today: format_long(versions.today),
        versions: versions
            .versions
            .iter()
            .map(|x| card(x, versions.today))
            .collect(),
        v,
    }
}

async fn versions(state: &AppState, user: &CurrentUser) -> Result<TimescaleVersions, AppError> {
    let actor = user.actor.clone();
    state.db(move |c| Ok(timescales::list(c, &actor)?)).await
}

/// `GET /admin/timescales`
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let notice = if query.get("added") == "1" {
        "The new version has been added".to_string()
    } else {
        String::new()
    };
    let all = versions(&state, &user).await?;
    let v = VersionFormValues::from_current(all.current());
    let page = list_page(&user, &all, Errors::default(), notice, v);
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /admin/timescales`: adds a version, or shows the form again with every problem.
pub async fn add(State(state): State<AppState>, form: VerifiedForm) -> Result<Response, AppError> {
    let v = VersionFormValues::from_form(&form.data);
    let mut errors = FieldErrors::new();
    let input = v.to_input(&mut errors);
    let actor = form.user.actor.clone();
    let outcome = state
        .db(move |c| {
            gate(c, &actor, Action::ManageTimescales)?;
            if errors.is_empty() {
                return answer(timescales::add_version(c, &actor, &input));
            }
            if let Err(more) = timescales::check_input(&input) {
                for e in more.iter() {
                    errors.push(e.field.clone(), e.message.clone());
                }
            }
            Ok(Answer::Invalid(errors))
        })
        .await?;
    let errors = match outcome {
        Answer::Done(_) => return Ok(Redirect::to("/admin/timescales?added=1").into_response()),
        Answer::Invalid(errors) => errors,
        Answer::Conflict(m) => {
            let mut f = FieldErrors::new();
            f.push("effective_from", m);
            f
        }
    };
    let all = versions(&state, &form.user).await?;
    let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
    let page = list_page(&form.user, &all, errors, String::new(), v);
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(askama::Template)]
#[template(path = "admin/timescales_public.html")]
pub struct TimescalesInForcePage {
    pub layout: Layout,
    pub name: String,
    pub effective_from: String,
    pub notes: String,
    pub figures: Vec<Figure>,
    pub can_manage: bool,
}

/// `GET /timescales`: what the version in force means, for every member of staff.
pub async fn in_force(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let current = state
        .db(move |c| Ok(timescales::in_force(c, &actor)?))
        .await?;
    let page = TimescalesInForcePage {
        layout: user.layout("Timescales", ""),
        name: current.profile.name.clone(),
        effective_from: format_long(current.profile.effective_from),
        notes: current.notes.clone(),
        figures: figures(&current.profile),
        can_manage: user.actor.may(Action::ManageTimescales),
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/timescales", get(list).post(add))
        .route("/timescales", get(in_force))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unused_regime_is_ignored_and_bad_numbers_are_named() {
        let v = VersionFormValues {
            assessment_model: "single".into(),
            single_assessment_working_days: "45".into(),
            initial_assessment_working_days: "nonsense".into(),
            icpc_working_days: "fifteen".into(),
            effective_from: DateParts::new("1", "4", "2030"),
            ..VersionFormValues::default()
        };
        let mut errors = FieldErrors::new();
        let input = v.to_input(&mut errors);
        assert_eq!(input.single_assessment_working_days, Some(45));
        assert_eq!(input.initial_assessment_working_days, None);
        assert_eq!(input.icpc_working_days, None);
        assert_eq!(
            input.effective_from,
            chrono::NaiveDate::from_ymd_opt(2030, 4, 1)
        );
        assert_eq!(errors.len(), 1);
        assert!(errors.for_field("icpc_working_days").is_some());
    }

    #[test]
    fn figures_read_as_words() {
        let p = TimescaleProfile {
            name: "x".into(),
            effective_from: chrono::NaiveDate::from_ymd_opt(2013, 4, 15).unwrap_or_default(),
            assessment: AssessmentModel::InitialAndCore {
                initial_working_days: 7,
                core_working_days: 35,
            },
            icpc_working_days: 15,
            first_review_months: 3,
            review_interval_months: 6,
            core_group_working_days: 10,
            cp_visit_working_days: 10,
            cin_visit_working_days: 20,
            cin_review_months: 1,
        };
        let f = figures(&p);
        assert_eq!(f.len(), 9);
        assert_eq!(f[0].value, "7 working days");
        assert_eq!(f[2].label, "Initial child protection conference");
        assert_eq!(f[8].value, "1 month");
    }
}
