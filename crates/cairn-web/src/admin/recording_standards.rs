//! The recording standards: every version, and a form to add the next
//! (`GET/POST /admin/recording-standards`, for those who manage them); and what the version in
//! force means, for all staff (`GET /recording-standards`). Versions are never edited: a new
//! one takes effect from its date.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::recording::standards::{self, StandardsInput, StandardsVersion, StandardsVersions};
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::policy::Action;
use cairn_domain::recording::standards::{REQUIRABLE_POINTS, RecordingStandards};
use cairn_domain::validation::FieldErrors;

use super::{Answer, answer, gate};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::casework::actions::in_page_order;
use crate::pages::uk_time::uk_time;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// One standard of a version, in words: what it is, its figure and what it means.
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

fn points(s: &RecordingStandards) -> String {
    if s.oversight_points.is_empty() {
        "None".into()
    } else {
        s.oversight_points
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every figure of a version, in the order recording meets them.
pub fn figures(s: &RecordingStandards) -> Vec<Figure> {
    vec![
        Figure {
            label: "Case notes",
            value: plural(s.note_delay_working_days, "working day", "working days"),
            meaning: "A note is recorded within this many working days of the event it records (0: the same working day).",
        },
        Figure {
            label: "Management oversight",
            value: plural(
                s.oversight_interval_working_days,
                "working day",
                "working days",
            ),
            meaning: "A child with an open episode has a management decision at least this often, counted from the last decision (or the referral).",
        },
        Figure {
            label: "Decisions required at",
            value: points(s),
            meaning: "A management decision is recorded on or after each of these points in a child's episode.",
        },
        Figure {
            label: "Newly qualified: weekly supervision",
            value: plural(s.newly_qualified_weekly_weeks, "week", "weeks"),
            meaning: "A newly qualified social worker is supervised weekly for this long from the day they start as newly qualified.",
        },
        Figure {
            label: "Newly qualified: fortnightly supervision",
            value: plural(s.newly_qualified_fortnightly_months, "month", "months"),
            meaning: "Then fortnightly until this many months after that day.",
        },
        Figure {
            label: "Supervision",
            value: plural(s.supervision_interval_days, "day", "days"),
            meaning: "Every other worker is supervised at least this often, counted from their last session.",
        },
        Figure {
            label: "Length of a session",
            value: plural(s.supervision_minimum_minutes, "minute", "minutes"),
            meaning: "A shorter session is recorded with a warning.",
        },
    ]
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

fn card(v: &StandardsVersion, today: chrono::NaiveDate) -> VersionCard {
    VersionCard {
        name: v.standards.name.clone(),
        effective_from: format_long(v.standards.effective_from),
        in_force: v.in_force,
        future: v.standards.effective_from > today,
        figures: figures(&v.standards),
        notes: v.notes.clone(),
        added: format!("{}, by {}", uk_time(v.created_at), v.created_by_name),
    }
}

/// The "add a version" form as typed; every number is kept as text so a mistake is shown back
/// exactly.
#[derive(Clone, Debug, Default)]
pub struct StandardsFormValues {
    pub name: String,
    pub effective_from: DateParts,
    pub note_delay_working_days: String,
    pub oversight_interval_working_days: String,
    pub oversight_points: Vec<String>,
    pub newly_qualified_weekly_weeks: String,
    pub newly_qualified_fortnightly_months: String,
    pub supervision_interval_days: String,
    pub supervision_minimum_minutes: String,
    pub notes: String,
}

fn text(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl StandardsFormValues {
    /// Prefilled from the version in force, to be changed into the next.
    fn from_current(current: Option<&StandardsVersion>) -> StandardsFormValues {
        let Some(current) = current else {
            return StandardsFormValues::default();
        };
        let i = StandardsInput::from_standards(&current.standards);
        StandardsFormValues {
            name: String::new(),
            effective_from: DateParts::default(),
            note_delay_working_days: text(i.note_delay_working_days),
            oversight_interval_working_days: text(i.oversight_interval_working_days),
            oversight_points: i.oversight_points,
            newly_qualified_weekly_weeks: text(i.newly_qualified_weekly_weeks),
            newly_qualified_fortnightly_months: text(i.newly_qualified_fortnightly_months),
            supervision_interval_days: text(i.supervision_interval_days),
            supervision_minimum_minutes: text(i.supervision_minimum_minutes),
            notes: String::new(),
        }
    }

    fn from_form(f: &FormData) -> StandardsFormValues {
        StandardsFormValues {
            name: f.string("name"),
            effective_from: f.date("effective_from"),
            note_delay_working_days: f.string("note_delay_working_days"),
            oversight_interval_working_days: f.string("oversight_interval_working_days"),
            oversight_points: f.all("oversight_points"),
            newly_qualified_weekly_weeks: f.string("newly_qualified_weekly_weeks"),
            newly_qualified_fortnightly_months: f.string("newly_qualified_fortnightly_months"),
            supervision_interval_days: f.string("supervision_interval_days"),
            supervision_minimum_minutes: f.string("supervision_minimum_minutes"),
            notes: f.string("notes"),
        }
    }

    /// The typed form as the service takes it, with the problems only the form can see (a
    /// number or date it cannot read, a negative number).
    fn to_input(&self, errors: &mut FieldErrors) -> StandardsInput {
        let mut number = |field: &str, value: &str| -> Option<u32> {
            let v = value.trim();
            if v.is_empty() {
                return None;
            }
            match v.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) if v.parse::<i64>().is_ok() => {
                    errors.push(field, "Enter a number that is 0 or more");
                    None
                }
                Err(_) => {
                    errors.push(field, "Enter a whole number, for example 20");
                    None
                }
            }
        };
        let input = StandardsInput {
            name: self.name.clone(),
            effective_from: None,
            note_delay_working_days: number(
                "note_delay_working_days",
                &self.note_delay_working_days,
            ),
            oversight_interval_working_days: number(
                "oversight_interval_working_days",
                &self.oversight_interval_working_days,
            ),
            oversight_points: self.oversight_points.clone(),
            newly_qualified_weekly_weeks: number(
                "newly_qualified_weekly_weeks",
                &self.newly_qualified_weekly_weeks,
            ),
            newly_qualified_fortnightly_months: number(
                "newly_qualified_fortnightly_months",
                &self.newly_qualified_fortnightly_months,
            ),
            supervision_interval_days: number(
                "supervision_interval_days",
                &self.supervision_interval_days,
            ),
            supervision_minimum_minutes: number(
                "supervision_minimum_minutes",
                &self.supervision_minimum_minutes,
            ),
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
        StandardsInput {
            effective_from,
            ..input
        }
    }
}

const FORM_ORDER: &[&str] = &[
    "name",
    "effective_from",
    "note_delay_working_days",
    "oversight_interval_working_days",
    "oversight_points",
    "newly_qualified_weekly_weeks",
    "newly_qualified_fortnightly_months",
    "supervision_interval_days",
    "supervision_minimum_minutes",
    "notes",
];

#[derive(askama::Template)]
#[template(path = "admin/recording_standards.html")]
pub struct StandardsPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub today: String,
    pub versions: Vec<VersionCard>,
    pub v: StandardsFormValues,
    pub point_options: Vec<(String, String)>,
}

fn list_page(
    user: &CurrentUser,
    versions: &StandardsVersions,
    errors: Errors,
    notice: String,
    v: StandardsFormValues,
) -> StandardsPage {
    StandardsPage {
        layout: user.layout(
            format!("{}Recording standards", errors.title_prefix()),
            "recording-standards",
        ),
        errors,
        notice,
        today: format_long(versions.today),
        versions: versions
            .versions
            .iter()
            .map(|x| card(x, versions.today))
            .collect(),
        v,
        point_options: REQUIRABLE_POINTS
            .iter()
            .map(|p| (p.code().to_string(), p.label().to_string()))
            .collect(),
    }
}

async fn versions(state: &AppState, user: &CurrentUser) -> Result<StandardsVersions, AppError> {
    let actor = user.actor.clone();
    state.db(move |c| Ok(standards::list(c, &actor)?)).await
}

/// `GET /admin/recording-standards`
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
    let v = StandardsFormValues::from_current(all.current());
    let page = list_page(&user, &all, Errors::default(), notice, v);
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /admin/recording-standards`: adds a version, or shows the form again with every
/// problem.
pub async fn add(State(state): State<AppState>, form: VerifiedForm) -> Result<Response, AppError> {
    let v = StandardsFormValues::from_form(&form.data);
    let mut errors = FieldErrors::new();
    let input = v.to_input(&mut errors);
    let actor = form.user.actor.clone();
    let outcome = state
        .db(move |c| {
            gate(c, &actor, Action::ManageRecordingStandards)?;
            if errors.is_empty() {
                return answer(standards::add_version(c, &actor, &input));
            }
            if let Err(more) = standards::check_input(&input) {
                for e in more.iter() {
                    // A number the form could not read is reported once, by the form.
                    if errors.for_field(&e.field).is_none() {
                        errors.push(e.field.clone(), e.message.clone());
                    }
                }
            }
            Ok(Answer::Invalid(errors))
        })
        .await?;
    let errors = match outcome {
        Answer::Done(_) => {
            return Ok(Redirect::to("/admin/recording-standards?added=1").into_response());
        }
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
#[template(path = "admin/recording_standards_public.html")]
pub struct StandardsInForcePage {
    pub layout: Layout,
    pub name: String,
    pub effective_from: String,
    pub notes: String,
    pub figures: Vec<Figure>,
    pub can_manage: bool,
}

/// `GET /recording-standards`: what the version in force means, for every member of staff.
pub async fn in_force(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let current = state
        .db(move |c| Ok(standards::current(c, &actor)?))
        .await?;
    let page = StandardsInForcePage {
        layout: user.layout("Recording standards", ""),
        name: current.standards.name.clone(),
        effective_from: format_long(current.standards.effective_from),
        notes: current.notes.clone(),
        figures: figures(&current.standards),
        can_manage: user.actor.may(Action::ManageRecordingStandards),
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/recording-standards", get(list).post(add))
        .route("/recording-standards", get(in_force))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_unreadable_numbers_are_named() {
        let v = StandardsFormValues {
            note_delay_working_days: "-1".into(),
            oversight_interval_working_days: "twenty".into(),
            supervision_interval_days: "31".into(),
            effective_from: DateParts::new("1", "4", "2030"),
            ..StandardsFormValues::default()
        };
        let mut errors = FieldErrors::new();
        let input = v.to_input(&mut errors);
        assert_eq!(input.supervision_interval_days, Some(31));
        assert_eq!(input.note_delay_working_days, None);
        assert_eq!(
            errors.for_field("note_delay_working_days"),
            Some("Enter a number that is 0 or more")
        );
        assert!(
            errors
                .for_field("oversight_interval_working_days")
                .is_some()
        );
        assert_eq!(
            input.effective_from,
            chrono::NaiveDate::from_ymd_opt(2030, 4, 1)
        );
    }

    #[test]
    fn figures_read_as_words() {
        let f = figures(&RecordingStandards::defaults());
        assert_eq!(f.len(), 7);
        assert_eq!(f[1].value, "20 working days");
        assert!(f[2].value.starts_with("Allocation"));
    }
}
