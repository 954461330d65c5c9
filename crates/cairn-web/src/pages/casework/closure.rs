//! The episode page (`GET /episodes/{id}`): a child in need episode and every record in it,
//! with what is due and the buttons that start new work; and closing the episode
//! (`GET`/`POST /episodes/{id}/close`, then a manager's `POST /closures/{id}/review`).
//!
//! A refused closure lists everything still open, each linking to where it can be finished.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::ServiceError;
use cairn_core::casework::closure::{
    self, BLOCKERS_FIELD, Blocker, ClosureDecision, ClosureInput, ClosureReview,
};
use cairn_core::casework::my_work::{self, EpisodeView};
use cairn_domain::casework::{
    AssessmentKind, AssessmentStatus, ClosureStatus, ConferenceDecision, ConferenceKind,
    Section47Outcome, StrategyDecision,
};
use cairn_domain::codes::{CategoryOfAbuse, PrimaryNeed, ReasonForClosure, ReferralSource};
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::common::{load, query_of, read_date};
use super::my_work::{WorkLine, overdue_text};
use crate::admin::path_id;
use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::pages::labels::{code_options_with_codes, label_with_code};
use crate::pages::uk_time::{today_in_england, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/episodes/{id}", get(show))
        .route("/episodes/{id}/close", get(close_form).post(request))
        .route("/closures/{id}/review", post(review))
}

const SECTION: &str = "my-work";

/// One record in one of the episode page's tables.
#[derive(Clone, Debug)]
pub struct RecordRow {
    pub date: String,
    pub what: String,
    pub status: String,
    pub due: String,
    pub basis: String,
    pub overdue: String,
    pub href: String,
}

/// A table of one kind of record, e.g. "Assessments".
#[derive(Clone, Debug)]
pub struct RecordTable {
    pub id: &'static str,
    pub heading: &'static str,
    pub none: &'static str,
    /// The "Due" column's heading; empty when the table has none.
    pub due_heading: &'static str,
    pub rows: Vec<RecordRow>,
}

fn label<'a>(code: &'a str, label: Option<&'static str>) -> &'a str {
    label.unwrap_or(code)
}

fn row(date: String, what: &str, status: &str, href: String) -> RecordRow {
    RecordRow {
        date,
        what: what.to_string(),
        status: status.to_string(),
        due: String::new(),
        basis: String::new(),
        overdue: String::new(),
        href,
    }
}

fn assessments(v: &EpisodeView) -> RecordTable {
    let today = today_in_england();
    RecordTable {
        id: "assessments",
        heading: "Assessments",
        none: "No assessment has been started.",
        due_heading: "Due by",
        rows: v
            .assessments
            .iter()
            .map(|a| {
                let mut r = row(
                    format_long(a.row.started_on),
                    label(
                        &a.row.kind,
                        AssessmentKind::from_code(&a.row.kind).map(|k| k.label()),
                    ),
                    label(
                        &a.row.status,
                        AssessmentStatus::from_code(&a.row.status).map(|s| s.label()),
                    ),
                    format!("/assessments/{}", a.row.id),
                );
                if let Some(on) = a.row.authorised_on {
                    r.status = format!("{} on {}", r.status, format_long(on));
                }
                if let Some(due) = &a.due {
                    r.due = format_long(due.date);
                    r.basis = due.basis.clone();
                    r.overdue = overdue_text((today - due.date).num_days());
                }
                r
            })
            .collect(),
    }
}

fn strategy(v: &EpisodeView) -> RecordTable {
    RecordTable {
        id: "strategy-discussions",
        heading: "Strategy discussions",
        none: "No strategy discussion has been held.",
        due_heading: "",
        rows: v
            .strategy_discussions
            .iter()
            .map(|s| {
                let chair = v.staff_name(&s.chaired_by);
                let mut r = row(
                    uk_time(s.held_at),
                    "Strategy discussion",
                    label(
                        &s.decision,
                        StrategyDecision::from_code(&s.decision).map(|d| d.label()),
                    ),
                    format!("/strategy-discussions/{}", s.id),
                );
                if !chair.is_empty() {
                    r.what = format!("Strategy discussion chaired by {chair}");
                }
                r
            })
            .collect(),
    }
}

fn section47(v: &EpisodeView) -> RecordTable {
    let today = today_in_england();
    RecordTable {
        id: "section47",
        heading: "Section 47 enquiries",
        none: "No section 47 enquiry has been started.",
        due_heading: "Initial conference target",
        rows: v
            .section47
            .iter()
            .map(|s| {
                let outcome = s
                    .row
                    .outcome
                    .as_deref()
                    .map_or("Outcome not yet recorded", |o| {
                        label(o, Section47Outcome::from_code(o).map(|x| x.label()))
                    });
                let mut r = row(
                    format_long(s.row.started_on),
                    "Section 47 enquiry",
                    outcome,
                    format!("/section47/{}", s.row.id),
                );
                r.due = format_long(s.icpc_target.date);
                r.basis = s.icpc_target.basis.clone();
                if let Some(on) = s.icpc_on {
                    r.status = format!("{}; conference held {}", r.status, format_long(on));
                } else if s.icpc_not_required {
                    r.status = format!("{}; no conference needed", r.status);
                } else {
                    r.overdue = overdue_text((today - s.icpc_target.date).num_days());
                }
                r
            })
            .collect(),
    }
}

fn conferences(v: &EpisodeView) -> RecordTable {
    RecordTable {
        id: "conferences",
        heading: "Child protection conferences",
        none: "No conference has been held.",
        due_heading: "",
        rows: v
            .conferences
            .iter()
            .map(|c| {
                row(
                    format_long(c.held_on),
                    label(
                        &c.kind,
                        ConferenceKind::from_code(&c.kind).map(|k| k.label()),
                    ),
                    label(
                        &c.decision,
                        ConferenceDecision::from_code(&c.decision).map(|d| d.label()),
                    ),
                    format!("/conferences/{}", c.id),
                )
            })
            .collect(),
    }
}

fn plan_status(ended_on: Option<chrono::NaiveDate>) -> String {
    ended_on.map_or_else(|| "Open".into(), |d| format!("Ended {}", format_long(d)))
}

fn plans(v: &EpisodeView) -> RecordTable {
    let mut rows: Vec<RecordRow> = v
        .cp_plans
        .iter()
        .map(|p| {
            let category = label(
                &p.latest_category,
                CategoryOfAbuse::from_code(&p.latest_category).map(|c| c.label()),
            );
            row(
                format_long(p.started_on),
                &format!("Child protection plan ({category})"),
                &plan_status(p.ended_on),
                format!("/cp-plans/{}", p.id),
            )
        })
        .collect();
    rows.extend(v.cin_plans.iter().map(|p| {
        row(
            format_long(p.started_on),
            "Child in need plan",
            &plan_status(p.ended_on),
            format!("/cin-plans/{}", p.id),
        )
    }));
    RecordTable {
        id: "plans",
        heading: "Plans",
        none: "No child protection or child in need plan has started.",
        due_heading: "",
        rows,
    }
}

fn visits(v: &EpisodeView) -> RecordTable {
    RecordTable {
        id: "visits",
        heading: "Visits",
        none: "No visit has been recorded.",
        due_heading: "",
        rows: v
            .visits
            .iter()
            .map(|x| {
                let seen = match (x.child_seen, x.seen_alone) {
                    (true, true) => "Child seen alone",
                    (true, false) => "Child seen",
                    _ => "Child not seen",
                };
                row(
                    uk_time(x.visited_at),
                    &format!("Visit by {}", v.staff_name(&x.worker_id)),
                    seen,
                    format!("/visits/{}", x.id),
                )
            })
            .collect(),
    }
}

fn actions(v: &EpisodeView) -> RecordTable {
    let today = today_in_england();
    RecordTable {
        id: "actions",
        heading: "Open actions about the child",
        none: "No action about the child is open.",
        due_heading: "Due by",
        rows: v
            .open_actions
            .iter()
            .map(|a| {
                let mut r = row(
                    format_long(a.created_at.date()),
                    &a.description,
                    &format!("Owned by {}", a.owner_name),
                    format!("/actions/{}", a.id),
                );
                r.due = format_long(a.due_on);
                r.basis = "The date agreed for the action".into();
                r.overdue = overdue_text((today - a.due_on).num_days());
                r
            })
            .collect(),
    }
}

fn closure_requests(v: &EpisodeView) -> RecordTable {
    RecordTable {
        id: "closures",
        heading: "Requests to close the episode",
        none: "Nobody has asked to close the episode.",
        due_heading: "",
        rows: v
            .closures
            .iter()
            .map(|c| {
                let status = label(
                    &c.row.status,
                    ClosureStatus::from_code(&c.row.status).map(|s| s.label()),
                );
                let status = match &c.row.comments {
                    Some(comments) if !comments.is_empty() => format!("{status}: {comments}"),
                    _ => status.to_string(),
                };
                row(
                    uk_time(c.row.requested_at),
                    &format!(
                        "Close on {} ({}), asked by {}",
                        format_long(c.row.closed_on),
                        c.row.reason,
                        c.requested_by_name
                    ),
                    &status,
                    format!("/episodes/{}/close", c.row.referral_id),
                )
            })
            .collect(),
    }
}

/// A button that starts new work in the episode.
#[derive(Clone, Debug)]
pub struct StartButton {
    pub href: String,
    pub text: &'static str,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/episode.html")]
pub struct EpisodePage {
    pub layout: Layout,
    pub notice: String,
    pub id: String,
    pub child_id: String,
    pub child_name: String,
    pub referral_date: String,
    pub source: String,
    pub primary_need: String,
    pub team: String,
    pub worker: String,
    pub re_referral: bool,
    pub closed: String,
    pub awaiting_closure: bool,
    pub buttons: Vec<StartButton>,
    pub due: Vec<WorkLine>,
    pub tables: Vec<RecordTable>,
}

fn closed_text(v: &EpisodeView) -> String {
    match (v.referral.closed_on, &v.referral.closure_reason) {
        (Some(on), Some(reason)) => format!(
            "{} ({})",
            format_long(on),
            label_with_code::<ReasonForClosure>(reason)
        ),
        (Some(on), None) => format_long(on),
        _ => String::new(),
    }
}

fn buttons(id: &str, user: &CurrentUser, open: bool) -> Vec<StartButton> {
    if !open || !user.actor.may(Action::RecordCasework) {
        return Vec::new();
    }
    [
        ("assessments/new", "Start an assessment"),
        ("strategy-discussions/new", "Record a strategy discussion"),
        ("visits/new", "Record a visit"),
        ("cin-plans/new", "Start a child in need plan"),
        ("close", "Close the episode"),
    ]
    .into_iter()
    .map(|(path, text)| StartButton {
        href: format!("/episodes/{id}/{path}"),
        text,
    })
    .collect()
}

fn episode_page(user: &CurrentUser, v: &EpisodeView, notice: String) -> EpisodePage {
    let open = v.referral.closed_on.is_none();
    EpisodePage {
        layout: user.layout(format!("Episode: {}", v.child.display_name), SECTION),
        notice,
        id: v.referral.id.clone(),
        child_id: v.child.id.clone(),
        child_name: v.child.display_name.clone(),
        referral_date: format_long(v.referral.referral_date),
        source: label_with_code::<ReferralSource>(&v.referral.referral_source),
        primary_need: label_with_code::<PrimaryNeed>(&v.referral.primary_need),
        team: v.team_name.clone(),
        worker: v
            .worker_name
            .clone()
            .unwrap_or_else(|| "Not yet allocated".into()),
        re_referral: v.referral.re_referral,
        closed: closed_text(v),
        awaiting_closure: v.awaiting_closure().is_some(),
        buttons: buttons(&v.referral.id, user, open),
        due: if open {
            v.due
                .iter()
                .map(|i| {
                    let mut line = WorkLine::from_item(i);
                    if i.to_authorise() {
                        line.worker = "A team manager".into();
                    }
                    line
                })
                .collect()
        } else {
            Vec::new()
        },
        tables: vec![
            assessments(v),
            strategy(v),
            section47(v),
            conferences(v),
            plans(v),
            visits(v),
            actions(v),
            closure_requests(v),
        ],
    }
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let notice = match query.get("closure") {
        "requested" => "The request to close the episode has been sent to a manager.",
        "authorised" => "The closure is authorised: the episode is closed.",
        "returned" => "The closure request has been returned to the worker with your comments.",
        _ => "",
    };
    let v = load(&state, &user.actor, id, my_work::episode).await?;
    Ok(render_with(
        StatusCode::OK,
        &episode_page(&user, &v, notice.to_string()),
    ))
}

/// A returned request, to show its comments above a new one.
#[derive(Clone, Debug)]
pub struct ReturnedRequest {
    pub closed_on: String,
    pub reason: String,
    pub returned_by: String,
    pub returned_at: String,
    pub comments: String,
}

/// The request waiting for a manager.
#[derive(Clone, Debug)]
pub struct AwaitingRequest {
    pub id: String,
    pub closed_on: String,
    pub reason: String,
    pub summary: String,
    pub requested_by: String,
    pub requested_at: String,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/closure.html")]
pub struct ClosurePage {
    pub layout: Layout,
    pub errors: Errors,
    pub id: String,
    pub child_id: String,
    pub child_name: String,
    pub closed: String,
    pub blockers: Vec<Blocker>,
    pub awaiting: Option<AwaitingRequest>,
    pub returned: Vec<ReturnedRequest>,
    pub can_request: bool,
    pub can_authorise: bool,
    pub earliest: String,
    pub closed_on: DateParts,
    pub reason: String,
    pub summary: String,
    pub reasons: Vec<(String, String)>,
    pub decision: String,
    pub comments: String,
    pub decisions: Vec<(String, String)>,
    pub version: i32,
}

/// What was typed into either form, kept on a re-render.
#[derive(Clone, Debug, Default)]
struct Typed {
    closed_on: DateParts,
    reason: String,
    summary: String,
    decision: String,
    comments: String,
}

fn closure_page(user: &CurrentUser, v: &EpisodeView, errors: Errors, typed: Typed) -> ClosurePage {
    let open = v.referral.closed_on.is_none();
    let awaiting = v.awaiting_closure().map(|c| AwaitingRequest {
        id: c.row.id.clone(),
        closed_on: format_long(c.row.closed_on),
        reason: label_with_code::<ReasonForClosure>(&c.row.reason),
        summary: c.row.summary.clone(),
        requested_by: c.requested_by_name.clone(),
        requested_at: uk_time(c.row.requested_at),
    });
    let returned = v
        .closures
        .iter()
        .filter(|c| c.row.status == ClosureStatus::Returned.code())
        .map(|c| ReturnedRequest {
            closed_on: format_long(c.row.closed_on),
            reason: label_with_code::<ReasonForClosure>(&c.row.reason),
            returned_by: c.decided_by_name.clone(),
            returned_at: c.row.decided_at.map(uk_time).unwrap_or_default(),
            comments: c.row.comments.clone().unwrap_or_default(),
        })
        .collect();
    let heading = format!("Close the episode: {}", v.child.display_name);
    ClosurePage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        id: v.referral.id.clone(),
        child_id: v.child.id.clone(),
        child_name: v.child.display_name.clone(),
        closed: closed_text(v),
        blockers: v.blockers.clone(),
        can_request: open && awaiting.is_none() && user.actor.may(Action::RecordCasework),
        can_authorise: open && user.actor.may(Action::AuthoriseCasework),
        awaiting,
        returned,
        earliest: format!(
            "On or after {}, the date of the {}, and not in the future. For example, {}",
            format_long(v.earliest_closure_on),
            v.earliest_closure_basis,
            today_in_england().format("%-d %-m %Y")
        ),
        closed_on: typed.closed_on,
        reason: typed.reason,
        summary: typed.summary,
        reasons: code_options_with_codes::<ReasonForClosure>(),
        decision: typed.decision,
        comments: typed.comments,
        decisions: vec![
            ("authorise".into(), "Authorise: close the episode".into()),
            (
                "return".into(),
                "Return it to the worker with comments".into(),
            ),
        ],
        version: v.referral.version,
    }
}

/// Errors for the page: each piece of open work links to the list of what is still open.
fn page_errors(errors: &FieldErrors) -> Errors {
    let mut out = Errors::from_fields(errors);
    for (item, e) in out.items.iter_mut().zip(errors.iter()) {
        if e.field == BLOCKERS_FIELD {
            item.href = "#blockers".into();
        }
    }
    out
}

async fn close_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let v = load(&state, &user.actor, id, my_work::episode).await?;
    Ok(render_with(
        StatusCode::OK,
        &closure_page(&user, &v, Errors::default(), Typed::default()),
    ))
}

async fn request(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let typed = Typed {
        closed_on: form.data.date("closed_on"),
        reason: form.data.string("reason"),
        summary: form.data.string("summary"),
        ..Typed::default()
    };
    let mut errors = FieldErrors::new();
    let closed_on = read_date(
        &typed.closed_on,
        "closed_on",
        "The closure date",
        &mut errors,
    );
    if !errors.is_empty() {
        return rerender(&state, &form.user, &id, &errors, typed).await;
    }
    let input = ClosureInput {
        closed_on,
        reason: typed.reason.clone(),
        summary: typed.summary.clone(),
    };
    let (actor, rid) = (form.user.actor.clone(), id.clone());
    let today = today_in_england();
    let result = state
        .db(move |c| Ok(closure::request(c, &actor, &rid, &input, today)))
        .await?;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/episodes/{id}?closure=requested")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            rerender(&state, &form.user, &id, &errors, typed).await
        }
        Err(ServiceError::Conflict(message)) => {
            let mut errors = FieldErrors::new();
            errors.push("closure-status", message);
            rerender_with(
                &state,
                &form.user,
                &id,
                &errors,
                typed,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn rerender(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    errors: &FieldErrors,
    typed: Typed,
) -> Result<Response, AppError> {
    rerender_with(
        state,
        user,
        id,
        errors,
        typed,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn rerender_with(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    errors: &FieldErrors,
    typed: Typed,
    status: StatusCode,
) -> Result<Response, AppError> {
    let v = load(state, &user.actor, id.to_string(), my_work::episode).await?;
    Ok(render_with(
        status,
        &closure_page(user, &v, page_errors(errors), typed),
    ))
}

async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let closure_id = path_id(&id)?;
    let typed = Typed {
        decision: form.data.string("decision"),
        comments: form.data.string("comments"),
        ..Typed::default()
    };
    let decision = match typed.decision.as_str() {
        "authorise" => Some(ClosureDecision::Authorise),
        "return" => Some(ClosureDecision::Return),
        _ => None,
    };
    let version: i32 = form.data.get("version").trim().parse().unwrap_or(0);
    let (actor, cid) = (form.user.actor.clone(), closure_id.clone());
    let settings = state.settings.clone();
    let today = today_in_england();
    let comments = typed.comments.clone();
    let (referral_id, result) = state
        .db(move |c| {
            let row = cairn_db::casework::closures::find(c, &cid)?
                .ok_or(ServiceError::NotFound("The closure request"))?;
            let result = match decision {
                Some(decision) => closure::review(
                    c,
                    &actor,
                    &settings,
                    &cid,
                    &ClosureReview {
                        decision,
                        comments,
                        expected_version: version,
                    },
                    today,
                ),
                None => Err(ServiceError::invalid(
                    "decision",
                    "Select whether to authorise the closure or return it",
                )),
            };
            Ok((row.referral_id, result))
        })
        .await?;
    match result {
        Ok(status) => {
            let word = if status == ClosureStatus::Authorised {
                "authorised"
            } else {
                "returned"
            };
            Ok(Redirect::to(&format!("/episodes/{referral_id}?closure={word}")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            rerender(&state, &form.user, &referral_id, &errors, typed).await
        }
        Err(ServiceError::Conflict(message)) => {
            let mut errors = FieldErrors::new();
            errors.push("decision", message);
            rerender_with(
                &state,
                &form.user,
                &referral_id,
                &errors,
                typed,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
