//! Supervision pages: the supervisor's page (`GET /supervision`: supervisees and when each is
//! next due, a team manager's overdue supervision, the sessions the user was in), the session
//! form (`GET /supervision/new?worker=`, `POST /supervision/new`), a session
//! (`GET /supervision/{id}`, its private part only for the people in it and their line
//! management), a case discussion's place on the child's record
//! (`GET /supervision/discussions/{id}`) and a worker's profile
//! (`GET/POST /supervision/workers/{user_id}`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::casework::actions::ActionInput;
use cairn_core::recording::supervision::{
    self, DiscussionInput, ProfileInput, SessionForm, SessionInput, SupervisionDue,
    WorkerProfileView,
};
use cairn_domain::dates::{DateParts, format_long, parse_date_parts};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use cairn_domain::validation::FieldErrors;

use super::oversight::DiscussionCard;
use crate::admin::{answer, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::casework::actions::{ActionRowValues, lines};
use crate::pages::casework::common::{query_of, read_date, recorded, version_of};
use crate::pages::casework::my_work::overdue_text;
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(dashboard))
        .route("/supervision/new", get(new_form).post(create))
        .route("/supervision/{id}", get(show))
        .route("/supervision/discussions/{id}", get(discussion))
        .route(
            "/supervision/workers/{id}",
            get(profile_form).post(save_profile),
        )
}

/// Case blocks on a new session form; a posted form keeps however many it had.
const CASE_BLOCKS: usize = 2;
/// Action rows in each case block.
const ACTION_ROWS: usize = 2;
/// Bounds how many action rows one case block can make us read.
const MAX_ACTION_ROWS: usize = 20;

// ---- the dashboard ----

/// One worker's supervision as the tables show it.
#[derive(Clone, Debug)]
pub struct DueLine {
    pub worker_id: String,
    pub worker: String,
    pub team: String,
    pub supervisor: String,
    pub frequency: String,
    pub last: String,
    pub due: String,
    pub basis: String,
    pub overdue: String,
}

impl DueLine {
    fn of(s: &SupervisionDue) -> DueLine {
        DueLine {
            worker_id: s.worker_id.clone(),
            worker: s.worker_name.clone(),
            team: s.team_name.clone(),
            supervisor: s.supervisor_name.clone(),
            frequency: s.due.frequency.label().to_string(),
            last: s
                .last_session
                .map(format_long)
                .unwrap_or_else(|| "None recorded".into()),
            due: format_long(s.due.date),
            basis: s.due.basis.clone(),
            overdue: overdue_text(s.days_overdue),
        }
    }
}

/// One session in the user's list.
#[derive(Clone, Debug)]
pub struct SessionLine {
    pub id: String,
    pub held_on: String,
    pub worker: String,
    pub supervisor: String,
    pub minutes: i32,
}

#[derive(askama::Template)]
#[template(path = "pages/recording/supervision/dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub can_record: bool,
    pub manages_profiles: bool,
    pub workers: Vec<(String, String)>,
    pub supervisees: Vec<DueLine>,
    pub team_overdue: Option<Vec<DueLine>>,
    pub team: Vec<DueLine>,
    pub sessions: Vec<SessionLine>,
    pub minimum_minutes: u32,
    pub interval_days: u32,
    pub weekly_weeks: u32,
    pub fortnightly_months: u32,
    pub sees_report: bool,
}

/// `GET /supervision`
pub async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let today = today_in_england();
    let can_record = actor.may(Action::RecordSupervision);
    let (d, workers) = state
        .db(move |c| {
            let d = supervision::dashboard(c, &actor, today)?;
            let workers = if can_record {
                supervision::worker_choices(c, &actor)?
            } else {
                Vec::new()
            };
            Ok((d, workers))
        })
        .await?;
    let page = DashboardPage {
        layout: user.layout("Supervision", "supervision"),
        can_record,
        manages_profiles: matches!(user.actor.role, Role::TeamManager | Role::ServiceManager),
        workers,
        supervisees: d.supervisees.iter().map(DueLine::of).collect(),
        team_overdue: d
            .team_overdue
            .as_ref()
            .map(|list| list.iter().map(DueLine::of).collect()),
        team: d
            .team
            .as_ref()
            .map(|list| list.iter().map(DueLine::of).collect())
            .unwrap_or_default(),
        sessions: d
            .sessions
            .iter()
            .map(|s| SessionLine {
                id: s.id.clone(),
                held_on: format_long(s.held_on),
                worker: s.worker_name.clone(),
                supervisor: s.supervisor_name.clone(),
                minutes: s.duration_minutes,
            })
            .collect(),
        minimum_minutes: d.standards.supervision_minimum_minutes,
        interval_days: d.standards.supervision_interval_days,
        weekly_weeks: d.standards.newly_qualified_weekly_weeks,
        fortnightly_months: d.standards.newly_qualified_fortnightly_months,
        sees_report: user.actor.may(Action::ViewTeamWork)
            || user.actor.may(Action::ViewRecordingQuality),
    };
    Ok(render_with(StatusCode::OK, &page))
}

// ---- the session form ----

/// One case block as typed, with its field names.
#[derive(Clone, Debug, Default)]
pub struct CaseBlock {
    pub legend: String,
    pub f_person: String,
    pub f_discussion: String,
    pub f_decisions: String,
    pub person: String,
    pub discussion: String,
    pub decisions: String,
    pub actions: Vec<ActionRowValues>,
}

fn case_field(n: usize, part: &str) -> String {
    format!("cases-{n}-{part}")
}

fn action_field(n: usize, m: usize, part: &str) -> String {
    format!("cases-{n}-actions-{m}-{part}")
}

fn posted_count(f: &FormData, prefix: impl Fn(usize) -> String, max: usize) -> usize {
    (1..=max)
        .filter(|n| {
            let p = prefix(*n);
            f.0.iter().any(|(k, _)| k.starts_with(&p))
        })
        .max()
        .unwrap_or(0)
}

impl CaseBlock {
    fn read(n: usize, f: &FormData) -> CaseBlock {
        let rows = posted_count(f, |m| format!("cases-{n}-actions-{m}-"), MAX_ACTION_ROWS)
            .max(ACTION_ROWS);
        CaseBlock {
            legend: format!("Case {n}"),
            f_person: case_field(n, "person"),
            f_discussion: case_field(n, "discussion"),
            f_decisions: case_field(n, "decisions"),
            person: f.string(&case_field(n, "person")),
            discussion: f.string(&case_field(n, "discussion")),
            decisions: f.string(&case_field(n, "decisions")),
            actions: (1..=rows)
                .map(|m| {
                    let field = |part: &str| action_field(n, m, part);
                    ActionRowValues {
                        legend: format!("Case {n}, action {m}"),
                        f_description: field("description"),
                        f_owner: field("owner"),
                        f_owner_name: field("owner-name"),
                        f_due: field("due"),
                        description: f.string(&field("description")),
                        owner: f.string(&field("owner")),
                        owner_name: f.string(&field("owner-name")),
                        due: f.date(&field("due")),
                    }
                })
                .collect(),
        }
    }

    fn input(&self, errors: &mut FieldErrors) -> DiscussionInput {
        DiscussionInput {
            person_id: self.person.clone(),
            discussion: self.discussion.clone(),
            decisions: self.decisions.clone(),
            actions: self
                .actions
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let due_on =
                        match parse_date_parts(&a.due, &format!("Action {}'s due date", i + 1)) {
                            Ok(d) => d,
                            Err(e) => {
                                errors.push(a.f_due.clone(), e.to_string());
                                None
                            }
                        };
                    let owner = a.owner.trim();
                    ActionInput {
                        description: a.description.clone(),
                        owner_user_id: (!owner.is_empty()).then(|| owner.to_string()),
                        owner_name: a.owner_name.clone(),
                        due_on,
                    }
                })
                .collect(),
        }
    }
}

/// Everything on the session form, as typed.
#[derive(Clone, Debug, Default)]
pub struct SessionValues {
    pub worker: String,
    pub held_on: DateParts,
    pub duration_minutes: String,
    pub reflective_discussion: String,
    pub wellbeing: String,
    pub workload: String,
    pub learning: String,
    pub cases: Vec<CaseBlock>,
}

impl SessionValues {
    fn blank(worker: &str) -> SessionValues {
        let empty = FormData::default();
        SessionValues {
            worker: worker.to_string(),
            held_on: DateParts::from_date(today_in_england()),
            cases: (1..=CASE_BLOCKS)
                .map(|n| CaseBlock::read(n, &empty))
                .collect(),
            ..SessionValues::default()
        }
    }

    fn from_form(f: &FormData, extra_case: bool) -> SessionValues {
        let posted = posted_count(f, |n| format!("cases-{n}-"), supervision::MAX_DISCUSSIONS);
        let blocks = posted.max(CASE_BLOCKS) + usize::from(extra_case);
        SessionValues {
            worker: f.string("worker"),
            held_on: f.date("held_on"),
            duration_minutes: f.string("duration_minutes"),
            reflective_discussion: f.string("reflective_discussion"),
            wellbeing: f.string("wellbeing"),
            workload: f.string("workload"),
            learning: f.string("learning"),
            cases: (1..=blocks.min(supervision::MAX_DISCUSSIONS))
                .map(|n| CaseBlock::read(n, f))
                .collect(),
        }
    }

    /// The form as the service takes it, with the problems only the form can see.
    fn input(&self, errors: &mut FieldErrors) -> SessionInput {
        let held_on = read_date(&self.held_on, "held_on", "The date of the session", errors);
        let minutes = self.duration_minutes.trim();
        let duration_minutes = if minutes.is_empty() {
            None
        } else {
            match minutes.parse::<u32>() {
                Ok(m) => Some(m),
                Err(_) => {
                    errors.push(
                        "duration_minutes",
                        "Enter the length in minutes, for example 90",
                    );
                    None
                }
            }
        };
        SessionInput {
            worker_user_id: self.worker.clone(),
            held_on,
            duration_minutes,
            reflective_discussion: self.reflective_discussion.clone(),
            wellbeing: self.wellbeing.clone(),
            workload: self.workload.clone(),
            learning: self.learning.clone(),
            discussions: self.cases.iter().map(|c| c.input(errors)).collect(),
        }
    }
}

const FORM_ORDER: &[&str] = &[
    "worker",
    "held_on",
    "duration_minutes",
    "reflective_discussion",
    "wellbeing",
    "workload",
    "learning",
    "cases",
    "cases-",
];

#[derive(askama::Template)]
#[template(path = "pages/recording/supervision/form.html")]
pub struct SessionFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub worker_name: String,
    pub v: SessionValues,
    pub open_cases: Vec<(String, String)>,
    pub owners: Vec<(String, String)>,
    pub duration_hint: String,
    pub due: DueLine,
}

fn form_page(
    user: &CurrentUser,
    ctx: &SessionForm,
    errors: Errors,
    v: SessionValues,
) -> SessionFormPage {
    SessionFormPage {
        layout: user.layout(
            format!(
                "{}Record supervision with {}",
                errors.title_prefix(),
                ctx.worker_name
            ),
            "supervision",
        ),
        errors,
        worker_name: ctx.worker_name.clone(),
        v,
        open_cases: ctx.open_cases.clone(),
        owners: ctx.owners.clone(),
        duration_hint: format!("The standard is at least {} minutes", ctx.minimum_minutes),
        due: DueLine::of(&ctx.status),
    }
}

async fn load_form(
    state: &AppState,
    user: &CurrentUser,
    worker: String,
) -> Result<SessionForm, AppError> {
    let actor = user.actor.clone();
    let today = today_in_england();
    state
        .db(move |c| Ok(supervision::session_form(c, &actor, &worker, today)?))
        .await
}

/// `GET /supervision/new?worker=`: the session form for one worker.
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let Ok(worker) = path_id(query_of(q).get("worker")) else {
        return Ok(Redirect::to("/supervision").into_response());
    };
    let ctx = load_form(&state, &user, worker.clone()).await?;
    let page = form_page(
        &user,
        &ctx,
        Errors::default(),
        SessionValues::blank(&worker),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /supervision/new`: records the session (or adds a case block when asked), or shows
/// the form again with every problem and everything typed.
pub async fn create(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let worker = path_id(form.data.get("worker"))
        .map_err(|_| AppError::BadRequest("Choose a worker from the supervision page".into()))?;
    let more = form.data.get("more") == "case";
    let v = SessionValues::from_form(&form.data, more);
    if more {
        let ctx = load_form(&state, &form.user, worker).await?;
        let page = form_page(&form.user, &ctx, Errors::default(), v);
        return Ok(render_with(StatusCode::OK, &page));
    }
    let mut page_errors = FieldErrors::new();
    let input = v.input(&mut page_errors);
    let actor = form.user.actor.clone();
    let checked_only = !page_errors.is_empty();
    let outcome = state
        .db(move |c| {
            if checked_only {
                return answer(supervision::check_session(c, &actor, &input).map(|()| None));
            }
            answer(supervision::record_session(c, &actor, &input).map(Some))
        })
        .await?;
    let (errors, status) = match recorded(outcome, page_errors, None, "session-form") {
        Ok(Some(done)) => {
            let short = if done.warning.is_some() {
                "&short=1"
            } else {
                ""
            };
            return Ok(
                Redirect::to(&format!("/supervision/{}?recorded=1{short}", done.id))
                    .into_response(),
            );
        }
        Ok(None) => (FieldErrors::new(), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => e,
    };
    let ctx = load_form(&state, &form.user, worker).await?;
    let errors = Errors::from_fields(&crate::pages::casework::actions::in_page_order(
        &errors, FORM_ORDER,
    ));
    let page = form_page(&form.user, &ctx, errors, v);
    Ok(render_with(status, &page))
}

// ---- a session ----

#[derive(askama::Template)]
#[template(path = "pages/recording/supervision/session.html")]
pub struct SessionPage {
    pub layout: Layout,
    pub notice: String,
    pub warning: String,
    pub held_on: String,
    pub worker: String,
    pub supervisor: String,
    pub minutes: i32,
    pub reflective_discussion: Vec<String>,
    pub wellbeing: Vec<String>,
    pub workload: Vec<String>,
    pub learning: Vec<String>,
    pub cases: Vec<(String, String, DiscussionCard)>,
}

/// `GET /supervision/{id}`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let actor = user.actor.clone();
    let view = state
        .db(move |c| Ok(supervision::view_session(c, &actor, &id)?))
        .await?;
    let s = &view.session;
    let page = SessionPage {
        layout: user.layout(
            format!(
                "Supervision of {} on {}",
                view.worker_name,
                format_long(s.held_on)
            ),
            "supervision",
        ),
        notice: if query.get("recorded") == "1" {
            "The supervision session has been recorded.".into()
        } else {
            String::new()
        },
        warning: view.warning.clone().unwrap_or_default(),
        held_on: format_long(s.held_on),
        worker: view.worker_name.clone(),
        supervisor: view.supervisor_name.clone(),
        minutes: s.duration_minutes,
        reflective_discussion: lines(&s.reflective_discussion),
        wellbeing: lines(&s.wellbeing),
        workload: lines(&s.workload),
        learning: lines(&s.learning),
        cases: view
            .discussions
            .iter()
            .map(|d| {
                (
                    d.discussion.person_id.clone(),
                    d.child_name.clone(),
                    DiscussionCard::of(d),
                )
            })
            .collect(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `GET /supervision/discussions/{id}`: a case discussion's place on its child's record.
pub async fn discussion(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let (actor, did) = (user.actor.clone(), id.clone());
    let person = state
        .db(move |c| Ok(supervision::discussion_person(c, &actor, &did)?))
        .await?;
    Ok(Redirect::to(&format!("/people/{person}/oversight#discussion-{id}")).into_response())
}

// ---- a worker's profile ----

/// The profile form as typed.
#[derive(Clone, Debug, Default)]
pub struct ProfileValues {
    pub supervisor: String,
    pub employment_started_on: DateParts,
    pub newly_qualified_from: DateParts,
}

#[derive(askama::Template)]
#[template(path = "pages/recording/supervision/worker.html")]
pub struct ProfilePage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub worker_id: String,
    pub worker: String,
    pub role: String,
    pub team: String,
    pub version: String,
    pub v: ProfileValues,
    pub supervisors: Vec<(String, String)>,
    pub due: DueLine,
}

fn profile_page(
    user: &CurrentUser,
    p: &WorkerProfileView,
    errors: Errors,
    notice: String,
    v: ProfileValues,
) -> ProfilePage {
    ProfilePage {
        layout: user.layout(
            format!(
                "{}Supervision profile: {}",
                errors.title_prefix(),
                p.worker.display_name
            ),
            "supervision",
        ),
        errors,
        notice,
        worker_id: p.worker.id.clone(),
        worker: p.worker.display_name.clone(),
        role: Role::from_code(&p.worker.role)
            .map(|r| r.label().to_string())
            .unwrap_or_default(),
        team: if p.team_name.is_empty() {
            "No team".into()
        } else {
            p.team_name.clone()
        },
        version: p
            .profile
            .as_ref()
            .map(|x| x.version.to_string())
            .unwrap_or_default(),
        v,
        supervisors: p
            .supervisors
            .iter()
            .map(|(id, name, role)| (id.clone(), format!("{name} ({role})")))
            .collect(),
        due: DueLine::of(&p.status),
    }
}

async fn load_profile(
    state: &AppState,
    user: &CurrentUser,
    worker: String,
) -> Result<WorkerProfileView, AppError> {
    let actor = user.actor.clone();
    let today = today_in_england();
    state
        .db(move |c| Ok(supervision::worker_profile(c, &actor, &worker, today)?))
        .await
}

/// `GET /supervision/workers/{id}`
pub async fn profile_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let notice = if query_of(q).get("saved") == "1" {
        "The profile has been saved.".to_string()
    } else {
        String::new()
    };
    let p = load_profile(&state, &user, id).await?;
    let v = ProfileValues {
        supervisor: p
            .profile
            .as_ref()
            .and_then(|x| x.supervisor_user_id.clone())
            .unwrap_or_default(),
        employment_started_on: p
            .profile
            .as_ref()
            .and_then(|x| x.employment_started_on)
            .map(DateParts::from_date)
            .unwrap_or_default(),
        newly_qualified_from: p
            .profile
            .as_ref()
            .and_then(|x| x.newly_qualified_from)
            .map(DateParts::from_date)
            .unwrap_or_default(),
    };
    let page = profile_page(&user, &p, Errors::default(), notice, v);
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /supervision/workers/{id}`
pub async fn save_profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let f = &form.data;
    let v = ProfileValues {
        supervisor: f.string("supervisor"),
        employment_started_on: f.date("employment_started_on"),
        newly_qualified_from: f.date("newly_qualified_from"),
    };
    let mut page_errors = FieldErrors::new();
    let version = if f.get("version").trim().is_empty() {
        None
    } else {
        Some(version_of(f, "profile")?)
    };
    let input = ProfileInput {
        supervisor_user_id: Some(v.supervisor.clone()).filter(|s| !s.trim().is_empty()),
        employment_started_on: read_date(
            &v.employment_started_on,
            "employment_started_on",
            "The date they started",
            &mut page_errors,
        ),
        newly_qualified_from: read_date(
            &v.newly_qualified_from,
            "newly_qualified_from",
            "The date they started as a newly qualified social worker",
            &mut page_errors,
        ),
        version,
    };
    let actor = form.user.actor.clone();
    let (wid, page_ok) = (id.clone(), page_errors.is_empty());
    let outcome = state
        .db(move |c| {
            if !page_ok {
                // Still check the permission, so a refusal is a refusal whatever was typed.
                supervision::worker_profile(c, &actor, &wid, today_in_england())?;
                return answer(Ok(()));
            }
            answer(supervision::set_worker_profile(c, &actor, &wid, &input))
        })
        .await?;
    let (errors, status) = match recorded(outcome, page_errors, None, "profile-form") {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/supervision/workers/{id}?saved=1")).into_response());
        }
        Err(e) => e,
    };
    let p = load_profile(&state, &form.user, id).await?;
    let page = profile_page(
        &form.user,
        &p,
        Errors::from_fields(&errors),
        String::new(),
        v,
    );
    Ok(render_with(status, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_blocks_and_their_actions_are_read_by_number() {
        let f = FormData(vec![
            ("worker".into(), "w".into()),
            ("cases-1-person".into(), "p1".into()),
            ("cases-1-discussion".into(), "Talked".into()),
            ("cases-1-actions-3-description".into(), "Visit".into()),
            ("cases-1-actions-3-due-day".into(), "31".into()),
            ("cases-1-actions-3-due-month".into(), "2".into()),
            ("cases-1-actions-3-due-year".into(), "2026".into()),
            ("cases-3-person".into(), "p3".into()),
        ]);
        let v = SessionValues::from_form(&f, false);
        assert_eq!(v.cases.len(), 3);
        assert_eq!(v.cases[0].actions.len(), 3);
        assert_eq!(v.cases[2].person, "p3");
        let mut errors = FieldErrors::new();
        let input = v.input(&mut errors);
        assert_eq!(input.discussions[0].actions[2].description, "Visit");
        assert!(errors.for_field("cases-1-actions-3-due").is_some());
        assert_eq!(SessionValues::from_form(&f, true).cases.len(), 4);
    }
}
