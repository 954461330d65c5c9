//! Child protection plans (`GET /cp-plans/{id}` with the forms to add to the core group,
//! record a core group meeting, add actions and end the plan) and child in need plans
//! (`GET/POST /episodes/{referral_id}/cin-plans/new`, `GET /cin-plans/{id}` with the forms to
//! record a review, add actions and end the plan).
//!
//! Each plan page is one page with several small forms. A form with a problem shows the whole
//! page again with that form's values and errors; its fields are named with the form's prefix
//! (`member-`, `meeting-`, `review-`, `end-`) so one error summary can point at any of them.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_core::casework::actions::ActionInput;
use cairn_core::casework::conferences::{PersonInRole, Timeliness};
use cairn_core::casework::plans::{
    self, CinPlanForm, CinPlanInput, CinPlanView, CinReviewInput, CpPlanView, EndInput,
    MeetingInput,
};
use cairn_core::casework::statutory_calendar;
use cairn_core::{Actor, ServiceResult};
use cairn_db::DbConn;
use cairn_domain::casework::timescales::Due;
use cairn_domain::casework::{CinPlanEndReason, CinPlanReviewDecision, CpPlanEndReason};
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;

use super::actions::{
    ActionLine, ActionRowValues, action_date_errors, action_lines, action_row_values,
    blank_action_rows, in_page_order, lines, parse_action_rows,
};
use super::common::{
    load_with_owners, merged, query_of, read_date, recorded, version_of as version_named,
};
use super::conferences::{
    AttendeeLine, DueLine, agency_label, category_label, decision_label, due_line,
};
use crate::admin::{Answer, answer, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::code_options;
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// A due date that is still to be met, with whether it has passed.
fn open_due(due: &Due) -> DueLine {
    let t = Timeliness::of(&statutory_calendar(), due.date, None, today_in_england());
    due_line(due, Some(t))
}

/// Service errors renamed to the page's fields for one form.
fn prefixed(errors: FieldErrors, prefix: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors {
        out.push(format!("{prefix}{}", e.field), e.message);
    }
    out
}

/// What one posted form came to, for the page to show.
enum Posted {
    Done(&'static str),
    Problem(FieldErrors, StatusCode),
}

fn posted<T>(outcome: Answer<T>, prefix: &str, form_id: &str, done: &'static str) -> Posted {
    match outcome {
        Answer::Done(_) => Posted::Done(done),
        Answer::Invalid(e) => {
            Posted::Problem(prefixed(e, prefix), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Answer::Conflict(m) => {
            let mut e = FieldErrors::new();
            e.push(form_id, m);
            Posted::Problem(e, StatusCode::CONFLICT)
        }
    }
}

fn version_of(form: &FormData) -> Result<i32, AppError> {
    version_named(form, "plan")
}

/// A form's problems with the page's own (an unreadable date) first.
fn with_page_errors(result: Posted, page_errors: FieldErrors) -> Posted {
    match result {
        Posted::Problem(e, status) => Posted::Problem(merged(page_errors, e), status),
        done => done,
    }
}

/// What differs between a child protection plan's page and a child in need plan's: the
/// handlers that show a plan and take the forms both pages have (actions, ending the plan)
/// serve either.
trait PlanKind: 'static {
    type View: Send + 'static;
    type Forms: Default + Send;
    type Page: askama::Template;
    /// Where the plans' pages are: `/{PATH}/{id}`.
    const PATH: &'static str;
    /// The page's fields in order, for the error summary.
    const ORDER: &'static [&'static str];
    fn view(c: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<Self::View>;
    fn referral_id(view: &Self::View) -> &str;
    fn notice(done: &str) -> String;
    fn page(
        user: &CurrentUser,
        view: Self::View,
        owners: Vec<(String, String)>,
        errors: Errors,
        notice: String,
        f: Self::Forms,
        action_rows: Vec<ActionRowValues>,
    ) -> Self::Page;
    fn add_actions(
        c: &mut DbConn,
        actor: &Actor,
        id: &str,
        rows: &[ActionInput],
    ) -> ServiceResult<Vec<String>>;
    fn end(c: &mut DbConn, actor: &Actor, id: &str, input: &EndInput) -> ServiceResult<()>;
    /// The page's forms with the end form as typed.
    fn ending(ended_on: DateParts, reason: String, version: i32) -> Self::Forms;
}

/// A plan and the people who may own its actions.
async fn load_plan<K: PlanKind>(
    state: &AppState,
    actor: &Actor,
    id: String,
) -> Result<(K::View, Vec<(String, String)>), AppError> {
    load_with_owners(state, actor, id, K::view, K::referral_id).await
}

/// `GET /cp-plans/{id}`, `GET /cin-plans/{id}`
async fn show<K: PlanKind>(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let (view, owners) = load_plan::<K>(&state, &user.actor, id).await?;
    let page = K::page(
        &user,
        view,
        owners,
        Errors::default(),
        K::notice(query.get("done")),
        K::Forms::default(),
        blank_action_rows(),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// Shows what a posted form on a plan page came to: back to the page, or the page again
/// with the problem.
async fn after_post<K: PlanKind>(
    state: &AppState,
    form: &VerifiedForm,
    id: String,
    result: Posted,
    f: K::Forms,
) -> Result<Response, AppError> {
    let (errors, status) = match result {
        Posted::Done(done) => {
            let to = format!("/{}/{id}?done={done}", K::PATH);
            return Ok(Redirect::to(&to).into_response());
        }
        Posted::Problem(e, status) => (e, status),
    };
    let (view, owners) = load_plan::<K>(state, &form.user.actor, id).await?;
    let errors = Errors::from_fields(&in_page_order(&errors, K::ORDER));
    let page = K::page(
        &form.user,
        view,
        owners,
        errors,
        String::new(),
        f,
        action_row_values(&form.data.0),
    );
    Ok(render_with(status, &page))
}

/// Reads the action rows; the page's errors when a due date cannot be read, so nothing is
/// sent to be recorded.
fn action_rows_or_errors(form: &FormData) -> Result<Vec<ActionInput>, FieldErrors> {
    let mut errors = FieldErrors::new();
    action_date_errors(&form.0, &mut errors);
    errors.into_result(parse_action_rows(&form.0))
}

/// `POST /cp-plans/{id}/actions`, `POST /cin-plans/{id}/actions`
async fn add_actions<K: PlanKind>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let result = match action_rows_or_errors(&form.data) {
        Err(e) => Posted::Problem(e, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(rows) => {
            let actor = form.user.actor.clone();
            let plan = id.clone();
            let outcome = state
                .db(move |c| answer(K::add_actions(c, &actor, &plan, &rows)))
                .await?;
            posted(outcome, "", "actions-form", "actions")
        }
    };
    after_post::<K>(&state, &form, id, result, K::Forms::default()).await
}

/// `POST /cp-plans/{id}/end`, `POST /cin-plans/{id}/end`
async fn end<K: PlanKind>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data)?;
    let ended = form.data.date("end-ended_on");
    let reason = form.data.string("end-reason");
    let mut page_errors = FieldErrors::new();
    let ended_on = read_date(&ended, "end-ended_on", "The end date", &mut page_errors);
    let input = EndInput {
        ended_on,
        reason: reason.clone(),
        version,
    };
    let actor = form.user.actor.clone();
    let plan = id.clone();
    let outcome = state
        .db(move |c| answer(K::end(c, &actor, &plan, &input)))
        .await?;
    let result = with_page_errors(posted(outcome, "end-", "end-form", "ended"), page_errors);
    after_post::<K>(&state, &form, id, result, K::ending(ended, reason, version)).await
}

fn status_text(
    ended_on: Option<chrono::NaiveDate>,
    reason: Option<&str>,
    label: impl Fn(&str) -> String,
) -> String {
    match ended_on {
        Some(d) => match reason {
            Some(r) => format!("Ended on {}: {}", format_long(d), label(r)),
            None => format!("Ended on {}", format_long(d)),
        },
        None => "Open".to_string(),
    }
}

// ---- child protection plans ----

/// The values of the plan page's own forms, as typed.
#[derive(Clone, Debug, Default)]
pub struct CpPlanForms {
    pub member_name: String,
    pub member_agency: String,
    pub member_role: String,
    pub meeting_held_on: DateParts,
    pub meeting_summary: String,
    pub end_ended_on: DateParts,
    pub end_reason: String,
    /// The version the end form was based on.
    pub version: Option<i32>,
}

pub struct MeetingLine {
    pub held_on: String,
    pub summary: Vec<String>,
}

pub struct ReviewRow {
    pub id: String,
    pub held_on: String,
    pub decision: String,
    pub category: String,
    pub due: DueLine,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/cp_plan.html")]
pub struct CpPlanPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub id: String,
    pub version: i32,
    pub child_id: String,
    pub child_name: String,
    pub referral_id: String,
    pub started_on: String,
    pub icpc_id: String,
    pub initial_category: String,
    pub latest_category: String,
    pub status: String,
    pub open: bool,
    pub timescales: String,
    pub first_core_group: DueLine,
    pub first_meeting: String,
    pub next_review: Option<DueLine>,
    pub next_visit: Option<DueLine>,
    pub latest_visit: String,
    pub members: Vec<AttendeeLine>,
    pub meetings: Vec<MeetingLine>,
    pub actions: Vec<ActionLine>,
    pub reviews: Vec<ReviewRow>,
    pub can_record: bool,
    pub f: CpPlanForms,
    pub agencies: Vec<(String, String)>,
    pub end_reasons: Vec<(String, String)>,
    pub action_rows: Vec<ActionRowValues>,
    pub action_owners: Vec<(String, String)>,
}

const CP_ORDER: &[&str] = &["member-", "meeting-", "actions-form", "actions-", "end-"];

fn cp_notice(done: &str) -> String {
    match done {
        "started" => "Conference recorded and child protection plan started",
        "member" => "Core group member added",
        "meeting" => "Core group meeting recorded",
        "actions" => "Actions added",
        "reviewed" => "Review conference recorded",
        "ended" => "Plan ended",
        _ => "",
    }
    .to_string()
}

fn cp_page(
    user: &CurrentUser,
    view: CpPlanView,
    owners: Vec<(String, String)>,
    errors: Errors,
    notice: String,
    f: CpPlanForms,
    action_rows: Vec<ActionRowValues>,
) -> CpPlanPage {
    let p = &view.plan;
    let open = p.ended_on.is_none();
    CpPlanPage {
        layout: user.layout(
            format!(
                "{}Child protection plan for {}",
                errors.title_prefix(),
                view.child.display_name
            ),
            "",
        ),
        errors,
        notice,
        id: p.id.clone(),
        version: f.version.unwrap_or(p.version),
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        referral_id: p.referral_id.clone(),
        started_on: format_long(p.started_on),
        icpc_id: view
            .initial_conference
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_default(),
        initial_category: category_label(&p.initial_category),
        latest_category: category_label(&p.latest_category),
        status: status_text(p.ended_on, p.end_reason.as_deref(), |r| {
            CpPlanEndReason::from_code(r).map_or_else(|| r.to_string(), |x| x.label().to_string())
        }),
        open,
        timescales: view.timescales.clone(),
        first_core_group: due_line(&view.first_core_group_due, Some(view.first_core_group)),
        first_meeting: view
            .meetings
            .first()
            .map(|m| format_long(m.held_on))
            .unwrap_or_default(),
        next_review: view.next_review.as_ref().map(open_due),
        next_visit: view.next_visit.as_ref().map(open_due),
        latest_visit: view.latest_seen_visit.map(format_long).unwrap_or_default(),
        members: view
            .core_group
            .iter()
            .map(|m| AttendeeLine {
                name: m.name.clone(),
                agency: agency_label(&m.agency),
                role: m.role.clone(),
            })
            .collect(),
        meetings: view
            .meetings
            .iter()
            .map(|m| MeetingLine {
                held_on: format_long(m.held_on),
                summary: lines(&m.summary),
            })
            .collect(),
        actions: action_lines(&view.actions),
        reviews: view
            .reviews
            .iter()
            .map(|r| ReviewRow {
                id: r.conference.id.clone(),
                held_on: format_long(r.conference.held_on),
                decision: decision_label(&r.conference.decision),
                category: r
                    .conference
                    .category
                    .as_deref()
                    .map(category_label)
                    .unwrap_or_default(),
                due: due_line(&r.due, Some(r.timeliness)),
            })
            .collect(),
        can_record: open && user.actor.may(Action::RecordCasework),
        f,
        agencies: code_options::<cairn_domain::casework::Agency>(),
        end_reasons: code_options::<CpPlanEndReason>(),
        action_rows,
        action_owners: owners,
    }
}

/// `POST /cp-plans/{id}/core-group`
pub async fn add_member(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let f = CpPlanForms {
        member_name: form.data.string("member-name"),
        member_agency: form.data.string("member-agency"),
        member_role: form.data.string("member-role"),
        ..CpPlanForms::default()
    };
    let input = PersonInRole {
        name: f.member_name.clone(),
        agency: f.member_agency.clone(),
        role: f.member_role.clone(),
    };
    let actor = form.user.actor.clone();
    let plan = id.clone();
    let outcome = state
        .db(move |c| answer(plans::add_core_group_member(c, &actor, &plan, &input)))
        .await?;
    let result = posted(outcome, "member-", "member-form", "member");
    after_post::<Cp>(&state, &form, id, result, f).await
}

/// `POST /cp-plans/{id}/core-group-meetings`
pub async fn add_meeting(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let f = CpPlanForms {
        meeting_held_on: form.data.date("meeting-held_on"),
        meeting_summary: form.data.string("meeting-summary"),
        ..CpPlanForms::default()
    };
    let mut page_errors = FieldErrors::new();
    let held_on = read_date(
        &f.meeting_held_on,
        "meeting-held_on",
        "The date of the meeting",
        &mut page_errors,
    );
    let input = MeetingInput {
        held_on,
        summary: f.meeting_summary.clone(),
    };
    let actor = form.user.actor.clone();
    let plan = id.clone();
    // An unreadable date reaches the service as missing, which it always refuses.
    let outcome = state
        .db(move |c| answer(plans::record_core_group_meeting(c, &actor, &plan, &input)))
        .await?;
    let result = with_page_errors(
        posted(outcome, "meeting-", "meeting-form", "meeting"),
        page_errors,
    );
    after_post::<Cp>(&state, &form, id, result, f).await
}

// ---- starting a child in need plan ----

#[derive(askama::Template)]
#[template(path = "pages/casework/cin_plan_form.html")]
pub struct CinPlanFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub referral_id: String,
    pub child_id: String,
    pub child_name: String,
    pub referral_date: String,
    pub episode_closed: String,
    pub open_cp_plan_id: String,
    pub open_cp_plan_started: String,
    pub open_cin_plan_id: String,
    pub started_on: DateParts,
    pub action_rows: Vec<ActionRowValues>,
    pub action_owners: Vec<(String, String)>,
}

const CIN_NEW_ORDER: &[&str] = &["cin-form", "started_on", "actions-"];

fn cin_form_page(
    user: &CurrentUser,
    ctx: &CinPlanForm,
    owners: Vec<(String, String)>,
    errors: Errors,
    started_on: DateParts,
    action_rows: Vec<ActionRowValues>,
) -> CinPlanFormPage {
    CinPlanFormPage {
        layout: user.layout(
            format!("{}Start a child in need plan", errors.title_prefix()),
            "",
        ),
        errors,
        referral_id: ctx.referral.id.clone(),
        child_id: ctx.child.id.clone(),
        child_name: ctx.child.display_name.clone(),
        referral_date: format_long(ctx.referral.referral_date),
        episode_closed: ctx.referral.closed_on.map(format_long).unwrap_or_default(),
        open_cp_plan_id: ctx
            .open_cp_plan
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_default(),
        open_cp_plan_started: ctx
            .open_cp_plan
            .as_ref()
            .map(|p| format_long(p.started_on))
            .unwrap_or_default(),
        open_cin_plan_id: ctx
            .open_cin_plan
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_default(),
        started_on,
        action_rows,
        action_owners: owners,
    }
}

async fn cin_context(
    state: &AppState,
    actor: &Actor,
    referral_id: String,
) -> Result<(CinPlanForm, Vec<(String, String)>), AppError> {
    load_with_owners(state, actor, referral_id, plans::cin_plan_form, |ctx| {
        &ctx.referral.id
    })
    .await
}

/// `GET /episodes/{referral_id}/cin-plans/new`
pub async fn new_cin(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(referral_id): Path<String>,
) -> Result<Response, AppError> {
    let referral_id = path_id(&referral_id)?;
    let (ctx, owners) = cin_context(&state, &user.actor, referral_id).await?;
    let page = cin_form_page(
        &user,
        &ctx,
        owners,
        Errors::default(),
        DateParts::default(),
        blank_action_rows(),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /episodes/{referral_id}/cin-plans/new`
pub async fn create_cin(
    State(state): State<AppState>,
    Path(referral_id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let referral_id = path_id(&referral_id)?;
    let started = form.data.date("started_on");
    let mut page_errors = FieldErrors::new();
    let started_on = read_date(&started, "started_on", "The start date", &mut page_errors);
    action_date_errors(&form.data.0, &mut page_errors);
    // With a problem of the page's own, the service is sent no start date, which it always
    // refuses: every other problem is listed and nothing is recorded.
    let page_ok = page_errors.is_empty();
    let input = CinPlanInput {
        started_on: started_on.filter(|_| page_ok),
        actions: parse_action_rows(&form.data.0),
    };
    let actor = form.user.actor.clone();
    let rid = referral_id.clone();
    let outcome = state
        .db(move |c| answer(plans::start_cin_plan(c, &actor, &rid, &input)))
        .await?;
    let withheld = started_on.is_some().then_some("started_on");
    let (errors, status) = match recorded(outcome, page_errors, withheld, "cin-form") {
        Ok(id) => {
            return Ok(Redirect::to(&format!("/cin-plans/{id}?done=started")).into_response());
        }
        Err(problem) => problem,
    };
    let (ctx, owners) = cin_context(&state, &form.user.actor, referral_id).await?;
    let errors = Errors::from_fields(&in_page_order(&errors, CIN_NEW_ORDER));
    let page = cin_form_page(
        &form.user,
        &ctx,
        owners,
        errors,
        started,
        action_row_values(&form.data.0),
    );
    Ok(render_with(status, &page))
}

// ---- a child in need plan ----

#[derive(Clone, Debug, Default)]
pub struct CinPlanForms {
    pub review_held_on: DateParts,
    pub review_decision: String,
    pub review_summary: String,
    pub end_ended_on: DateParts,
    pub end_reason: String,
    pub version: Option<i32>,
}

pub struct CinReviewRow {
    pub held_on: String,
    pub decision: String,
    pub summary: Vec<String>,
    pub due: DueLine,
}

#[derive(askama::Template)]
#[template(path = "pages/casework/cin_plan.html")]
pub struct CinPlanPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub id: String,
    pub version: i32,
    pub child_id: String,
    pub child_name: String,
    pub referral_id: String,
    pub started_on: String,
    pub status: String,
    pub open: bool,
    pub timescales: String,
    pub next_review: Option<DueLine>,
    pub next_visit: Option<DueLine>,
    pub latest_visit: String,
    pub actions: Vec<ActionLine>,
    pub reviews: Vec<CinReviewRow>,
    pub can_record: bool,
    pub f: CinPlanForms,
    pub review_decisions: Vec<(String, String)>,
    pub end_reasons: Vec<(String, String)>,
    pub action_rows: Vec<ActionRowValues>,
    pub action_owners: Vec<(String, String)>,
}

const CIN_ORDER: &[&str] = &["review-", "actions-form", "actions-", "end-"];

fn cin_notice(done: &str) -> String {
    match done {
        "started" => "Child in need plan started",
        "reviewed" => "Review recorded",
        "actions" => "Actions added",
        "ended" => "Plan ended",
        _ => "",
    }
    .to_string()
}

fn cin_page(
    user: &CurrentUser,
    view: CinPlanView,
    owners: Vec<(String, String)>,
    errors: Errors,
    notice: String,
    f: CinPlanForms,
    action_rows: Vec<ActionRowValues>,
) -> CinPlanPage {
    let p = &view.plan;
    let open = p.ended_on.is_none();
    CinPlanPage {
        layout: user.layout(
            format!(
                "{}Child in need plan for {}",
                errors.title_prefix(),
                view.child.display_name
            ),
            "",
        ),
        errors,
        notice,
        id: p.id.clone(),
        version: f.version.unwrap_or(p.version),
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        referral_id: p.referral_id.clone(),
        started_on: format_long(p.started_on),
        status: status_text(p.ended_on, p.end_reason.as_deref(), |r| {
            CinPlanEndReason::from_code(r).map_or_else(|| r.to_string(), |x| x.label().to_string())
        }),
        open,
        timescales: view.timescales.clone(),
        next_review: view.next_review.as_ref().map(open_due),
        next_visit: view.next_visit.as_ref().map(open_due),
        latest_visit: view.latest_seen_visit.map(format_long).unwrap_or_default(),
        actions: action_lines(&view.actions),
        reviews: view
            .reviews
            .iter()
            .map(|r| CinReviewRow {
                held_on: format_long(r.review.held_on),
                decision: CinPlanReviewDecision::from_code(&r.review.decision)
                    .map_or_else(|| r.review.decision.clone(), |d| d.label().to_string()),
                summary: lines(&r.review.summary),
                due: due_line(&r.due, Some(r.timeliness)),
            })
            .collect(),
        can_record: open && user.actor.may(Action::RecordCasework),
        f,
        review_decisions: code_options::<CinPlanReviewDecision>(),
        end_reasons: code_options::<CinPlanEndReason>(),
        action_rows,
        action_owners: owners,
    }
}

/// `POST /cin-plans/{id}/reviews`
pub async fn review_cin(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let version = version_of(&form.data)?;
    let f = CinPlanForms {
        review_held_on: form.data.date("review-held_on"),
        review_decision: form.data.string("review-decision"),
        review_summary: form.data.string("review-summary"),
        version: Some(version),
        ..CinPlanForms::default()
    };
    let mut page_errors = FieldErrors::new();
    let held_on = read_date(
        &f.review_held_on,
        "review-held_on",
        "The date of the review",
        &mut page_errors,
    );
    let input = CinReviewInput {
        held_on,
        decision: f.review_decision.clone(),
        summary: f.review_summary.clone(),
        version,
    };
    let actor = form.user.actor.clone();
    let plan = id.clone();
    let outcome = state
        .db(move |c| answer(plans::record_cin_review(c, &actor, &plan, &input)))
        .await?;
    let result = with_page_errors(
        posted(outcome, "review-", "review-form", "reviewed"),
        page_errors,
    );
    after_post::<Cin>(&state, &form, id, result, f).await
}

struct Cp;

impl PlanKind for Cp {
    type View = CpPlanView;
    type Forms = CpPlanForms;
    type Page = CpPlanPage;
    const PATH: &'static str = "cp-plans";
    const ORDER: &'static [&'static str] = CP_ORDER;
    fn view(c: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<CpPlanView> {
        plans::view_cp_plan(c, actor, id)
    }
    fn referral_id(view: &CpPlanView) -> &str {
        &view.plan.referral_id
    }
    fn notice(done: &str) -> String {
        cp_notice(done)
    }
    fn page(
        user: &CurrentUser,
        view: CpPlanView,
        owners: Vec<(String, String)>,
        errors: Errors,
        notice: String,
        f: CpPlanForms,
        action_rows: Vec<ActionRowValues>,
    ) -> CpPlanPage {
        cp_page(user, view, owners, errors, notice, f, action_rows)
    }
    fn add_actions(
        c: &mut DbConn,
        actor: &Actor,
        id: &str,
        rows: &[ActionInput],
    ) -> ServiceResult<Vec<String>> {
        plans::add_cp_actions(c, actor, id, rows)
    }
    fn end(c: &mut DbConn, actor: &Actor, id: &str, input: &EndInput) -> ServiceResult<()> {
        plans::end_cp_plan(c, actor, id, input)
    }
    fn ending(ended_on: DateParts, reason: String, version: i32) -> CpPlanForms {
        CpPlanForms {
            end_ended_on: ended_on,
            end_reason: reason,
            version: Some(version),
            ..CpPlanForms::default()
        }
    }
}

struct Cin;

impl PlanKind for Cin {
    type View = CinPlanView;
    type Forms = CinPlanForms;
    type Page = CinPlanPage;
    const PATH: &'static str = "cin-plans";
    const ORDER: &'static [&'static str] = CIN_ORDER;
    fn view(c: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<CinPlanView> {
        plans::view_cin_plan(c, actor, id)
    }
    fn referral_id(view: &CinPlanView) -> &str {
        &view.plan.referral_id
    }
    fn notice(done: &str) -> String {
        cin_notice(done)
    }
    fn page(
        user: &CurrentUser,
        view: CinPlanView,
        owners: Vec<(String, String)>,
        errors: Errors,
        notice: String,
        f: CinPlanForms,
        action_rows: Vec<ActionRowValues>,
    ) -> CinPlanPage {
        cin_page(user, view, owners, errors, notice, f, action_rows)
    }
    fn add_actions(
        c: &mut DbConn,
        actor: &Actor,
        id: &str,
        rows: &[ActionInput],
    ) -> ServiceResult<Vec<String>> {
        plans::add_cin_actions(c, actor, id, rows)
    }
    fn end(c: &mut DbConn, actor: &Actor, id: &str, input: &EndInput) -> ServiceResult<()> {
        plans::end_cin_plan(c, actor, id, input)
    }
    fn ending(ended_on: DateParts, reason: String, version: i32) -> CinPlanForms {
        CinPlanForms {
            end_ended_on: ended_on,
            end_reason: reason,
            version: Some(version),
            ..CinPlanForms::default()
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cp-plans/{id}", get(show::<Cp>))
        .route("/cp-plans/{id}/core-group", post(add_member))
        .route("/cp-plans/{id}/core-group-meetings", post(add_meeting))
        .route("/cp-plans/{id}/actions", post(add_actions::<Cp>))
        .route("/cp-plans/{id}/end", post(end::<Cp>))
        .route(
            "/episodes/{referral_id}/cin-plans/new",
            get(new_cin).post(create_cin),
        )
        .route("/cin-plans/{id}", get(show::<Cin>))
        .route("/cin-plans/{id}/reviews", post(review_cin))
        .route("/cin-plans/{id}/actions", post(add_actions::<Cin>))
        .route("/cin-plans/{id}/end", post(end::<Cin>))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_s_errors_take_its_prefix() {
        let mut e = FieldErrors::new();
        e.push("held_on", "Enter the date");
        e.push("summary", "Enter a summary");
        let fields: Vec<String> = prefixed(e, "meeting-")
            .iter()
            .map(|x| x.field.clone())
            .collect();
        assert_eq!(fields, ["meeting-held_on", "meeting-summary"]);
    }
}
