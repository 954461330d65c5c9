//! Child protection conferences: recording the initial conference after a section 47 enquiry
//! (`GET/POST /section47/{id}/icpc/new`), a conference's record (`GET /conferences/{id}`), and
//! recording a review conference of a plan (`GET/POST /cp-plans/{id}/reviews/new`).
//!
//! The ICPC form shows the conference's target date and how it was worked out before anything
//! is typed; the record then says whether it was held in time.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::casework::conferences::{
    self, ConferenceView, IcpcContext, IcpcInput, IcpcRecorded, PersonInRole, ReviewInput,
    Timeliness,
};
use cairn_core::casework::plans::{self, CpPlanView};
use cairn_domain::casework::timescales::Due;
use cairn_domain::casework::{Agency, ConferenceDecision, ConferenceKind};
use cairn_domain::codes::CategoryOfAbuse;
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::validation::FieldErrors;

use super::actions::{
    ActionLine, ActionRowValues, action_date_errors, action_lines, action_row_values,
    blank_action_rows, in_page_order, lines, parse_action_rows,
};
use super::common::{load, load_with_owners, query_of, read_date, recorded, version_of};
use crate::admin::{answer, path_id};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::pages::labels::code_options;
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// Bounds how many rows of people a posted form can make us read.
pub const MAX_PEOPLE_ROWS: usize = 40;
const ATTENDEE_ROWS: usize = 6;
const CORE_GROUP_ROWS: usize = 4;

/// One person's row (attendee or core group member) as typed, with its field names.
#[derive(Clone, Debug, Default)]
pub struct PersonRow {
    pub legend: String,
    pub f_name: String,
    pub f_agency: String,
    pub f_role: String,
    pub name: String,
    pub agency: String,
    pub role: String,
}

impl PersonRow {
    fn read(prefix: &str, label: &str, n: usize, form: &FormData) -> PersonRow {
        let f = |part: &str| format!("{prefix}-{n}-{part}");
        PersonRow {
            legend: format!("{label} {n}"),
            name: form.string(&f("name")),
            agency: form.string(&f("agency")),
            role: form.string(&f("role")),
            f_name: f("name"),
            f_agency: f("agency"),
            f_role: f("role"),
        }
    }
}

/// The posted rows named `{prefix}-{n}-…` (at least `blank` of them, for the form).
pub fn person_rows(form: &FormData, prefix: &str, label: &str, blank: usize) -> Vec<PersonRow> {
    let posted = (1..=MAX_PEOPLE_ROWS)
        .filter(|n| {
            let start = format!("{prefix}-{n}-");
            form.0.iter().any(|(k, _)| k.starts_with(&start))
        })
        .max()
        .unwrap_or(0);
    (1..=posted.max(blank))
        .map(|n| PersonRow::read(prefix, label, n, form))
        .collect()
}

pub fn person_inputs(rows: &[PersonRow]) -> Vec<PersonInRole> {
    rows.iter()
        .map(|r| PersonInRole {
            name: r.name.clone(),
            agency: r.agency.clone(),
            role: r.role.clone(),
        })
        .collect()
}

/// A due date as shown: the date, whether it was met, and how it was worked out.
#[derive(Clone, Debug, Default)]
pub struct DueLine {
    pub date: String,
    pub basis: String,
    pub status: String,
    pub tag_class: &'static str,
}

pub fn due_line(due: &Due, timeliness: Option<Timeliness>) -> DueLine {
    let (status, tag_class) = match timeliness {
        Some(t) => (t.describe(), tag_class(t)),
        None => (String::new(), ""),
    };
    DueLine {
        date: format_long(due.date),
        basis: due.basis.clone(),
        status,
        tag_class,
    }
}

pub fn tag_class(t: Timeliness) -> &'static str {
    match t {
        Timeliness::WithinTarget => "govuk-tag--green",
        Timeliness::NotYetDue => "govuk-tag--grey",
        Timeliness::Late(_) | Timeliness::Overdue(_) => "govuk-tag--red",
    }
}

fn agencies() -> Vec<(String, String)> {
    code_options::<Agency>()
}

fn decisions(kind: ConferenceKind) -> Vec<(String, String)> {
    ConferenceDecision::ALL
        .iter()
        .filter(|d| d.fits(kind))
        .map(|d| (d.code().to_string(), d.label().to_string()))
        .collect()
}

fn categories() -> Vec<(String, String)> {
    CategoryOfAbuse::ALL
        .iter()
        .map(|c| {
            let label = if *c == CategoryOfAbuse::Multiple {
                "Multiple (not recommended: choose the main category if you can)".to_string()
            } else {
                c.label().to_string()
            };
            (c.code().to_string(), label)
        })
        .collect()
}

pub fn category_label(code: &str) -> String {
    CategoryOfAbuse::from_code(code).map_or_else(|| code.to_string(), |c| c.label().to_string())
}

pub fn decision_label(code: &str) -> String {
    ConferenceDecision::from_code(code).map_or_else(|| code.to_string(), |d| d.label().to_string())
}

// ---- the initial conference form ----

/// Everything on the ICPC form, as typed.
#[derive(Clone, Debug, Default)]
pub struct IcpcValues {
    pub held_on: DateParts,
    pub chair: String,
    pub attendees: Vec<PersonRow>,
    pub decision: String,
    pub category: String,
    pub summary: String,
    pub core_group: Vec<PersonRow>,
}

impl IcpcValues {
    fn from_form(f: &FormData) -> IcpcValues {
        IcpcValues {
            held_on: f.date("held_on"),
            chair: f.string("chair"),
            attendees: person_rows(f, "attendees", "Attendee", ATTENDEE_ROWS),
            decision: f.string("decision"),
            category: f.string("category"),
            summary: f.string("summary"),
            core_group: person_rows(f, "core_group", "Core group member", CORE_GROUP_ROWS),
        }
    }
}

const ICPC_ORDER: &[&str] = &[
    "conference-form",
    "held_on",
    "chair",
    "attendees-",
    "decision",
    "category",
    "summary",
    "core_group-",
    "actions-",
];

#[derive(askama::Template)]
#[template(path = "pages/casework/conference_icpc_form.html")]
pub struct IcpcFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub s47_id: String,
    pub child_id: String,
    pub child_name: String,
    pub s47_started: String,
    pub target: DueLine,
    pub existing_id: String,
    pub refused: String,
    pub open_cp_plan_id: String,
    pub open_cin_plan_id: String,
    pub v: IcpcValues,
    pub agencies: Vec<(String, String)>,
    pub decisions: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub action_rows: Vec<ActionRowValues>,
    pub action_owners: Vec<(String, String)>,
}

fn icpc_page(
    user: &CurrentUser,
    ctx: &IcpcContext,
    owners: Vec<(String, String)>,
    errors: Errors,
    v: IcpcValues,
    action_rows: Vec<ActionRowValues>,
) -> IcpcFormPage {
    IcpcFormPage {
        layout: user.layout(
            format!(
                "{}Record an initial child protection conference",
                errors.title_prefix()
            ),
            "",
        ),
        errors,
        s47_id: ctx.section47.id.clone(),
        child_id: ctx.child.id.clone(),
        child_name: ctx.child.display_name.clone(),
        s47_started: format_long(ctx.section47.started_on),
        target: due_line(&ctx.target, None),
        existing_id: ctx.existing_conference_id.clone().unwrap_or_default(),
        refused: ctx.refused.clone().unwrap_or_default(),
        open_cp_plan_id: ctx.open_cp_plan_id.clone().unwrap_or_default(),
        open_cin_plan_id: ctx.open_cin_plan_id.clone().unwrap_or_default(),
        v,
        agencies: agencies(),
        decisions: decisions(ConferenceKind::Initial),
        categories: categories(),
        action_rows,
        action_owners: owners,
    }
}

async fn icpc_context(
    state: &AppState,
    actor: &cairn_core::Actor,
    s47_id: String,
) -> Result<(IcpcContext, Vec<(String, String)>), AppError> {
    load_with_owners(state, actor, s47_id, conferences::icpc_context, |ctx| {
        &ctx.section47.referral_id
    })
    .await
}

/// `GET /section47/{id}/icpc/new`
pub async fn new_icpc(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let (ctx, owners) = icpc_context(&state, &user.actor, id).await?;
    let v = IcpcValues::from_form(&FormData::default());
    let page = icpc_page(
        &user,
        &ctx,
        owners,
        Errors::default(),
        v,
        blank_action_rows(),
    );
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /section47/{id}/icpc/new`: records the conference (and the plan it starts), or
/// shows the form again with every problem and everything typed.
pub async fn create_icpc(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let v = IcpcValues::from_form(&form.data);
    let mut page_errors = FieldErrors::new();
    let held_on = read_date(
        &v.held_on,
        "held_on",
        "The date of the conference",
        &mut page_errors,
    );
    action_date_errors(&form.data.0, &mut page_errors);
    // When the page could not read something, nothing may be recorded, but every other
    // problem should still be listed: the service is sent no date, which it always refuses.
    let page_ok = page_errors.is_empty();
    let input = IcpcInput {
        held_on: held_on.filter(|_| page_ok),
        chair: v.chair.clone(),
        attendees: person_inputs(&v.attendees),
        decision: v.decision.clone(),
        category: v.category.clone(),
        summary: v.summary.clone(),
        core_group: person_inputs(&v.core_group),
        actions: parse_action_rows(&form.data.0),
    };
    let actor = form.user.actor.clone();
    let s47 = id.clone();
    let outcome = state
        .db(move |c| answer(conferences::record_icpc(c, &actor, &s47, &input)))
        .await?;
    let withheld = held_on.is_some().then_some("held_on");
    let (errors, status) = match recorded(outcome, page_errors, withheld, "conference-form") {
        Ok(IcpcRecorded {
            cp_plan_id: Some(plan),
            ..
        }) => {
            return Ok(Redirect::to(&format!("/cp-plans/{plan}?done=started")).into_response());
        }
        Ok(recorded) => {
            return Ok(Redirect::to(&format!(
                "/conferences/{}?recorded=1",
                recorded.conference_id
            ))
            .into_response());
        }
        Err(problem) => problem,
    };
    let (ctx, owners) = icpc_context(&state, &form.user.actor, id).await?;
    let errors = Errors::from_fields(&in_page_order(&errors, ICPC_ORDER));
    let page = icpc_page(
        &form.user,
        &ctx,
        owners,
        errors,
        v,
        action_row_values(&form.data.0),
    );
    Ok(render_with(status, &page))
}

// ---- a conference's record ----

pub struct AttendeeLine {
    pub name: String,
    pub agency: String,
    pub role: String,
}

pub fn agency_label(code: &str) -> String {
    Agency::from_code(code).map_or_else(|| code.to_string(), |a| a.label().to_string())
}

#[derive(askama::Template)]
#[template(path = "pages/casework/conference.html")]
pub struct ConferencePage {
    pub layout: Layout,
    pub notice: String,
    pub id: String,
    pub child_id: String,
    pub child_name: String,
    pub heading: String,
    pub held_on: String,
    pub target: Option<DueLine>,
    pub chair: String,
    pub decision: String,
    pub category: String,
    pub summary: Vec<String>,
    pub attendees: Vec<AttendeeLine>,
    pub actions: Vec<ActionLine>,
    pub cp_plan_id: String,
    pub is_review: bool,
    /// For a decision of a child in need plan with none started yet: where to start one.
    pub start_cin_href: String,
    pub open_cin_plan_id: String,
}

fn conference_page(user: &CurrentUser, view: ConferenceView, notice: String) -> ConferencePage {
    let c = &view.conference;
    let kind = ConferenceKind::from_code(&c.kind).unwrap_or(ConferenceKind::Initial);
    let wants_cin = c.decision == ConferenceDecision::NoPlanCin.code();
    let may_record = user.actor.may(cairn_domain::policy::Action::RecordCasework);
    ConferencePage {
        layout: user.layout(
            format!("{} about {}", kind.label(), view.child.display_name),
            "",
        ),
        notice,
        id: c.id.clone(),
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        heading: kind.label().to_string(),
        held_on: format_long(c.held_on),
        target: view.target.as_ref().map(|t| due_line(t, view.timeliness)),
        chair: c.chair.clone(),
        decision: decision_label(&c.decision),
        category: c
            .category
            .as_deref()
            .map(category_label)
            .unwrap_or_default(),
        summary: lines(&c.summary),
        attendees: view
            .attendees
            .iter()
            .map(|a| AttendeeLine {
                name: a.name.clone(),
                agency: agency_label(&a.agency),
                role: a.role.clone(),
            })
            .collect(),
        actions: action_lines(&view.actions),
        cp_plan_id: c.cp_plan_id.clone().unwrap_or_default(),
        is_review: kind == ConferenceKind::Review,
        start_cin_href: if wants_cin
            && view.episode_open
            && view.open_cin_plan_id.is_none()
            && may_record
        {
            format!("/episodes/{}/cin-plans/new", c.referral_id)
        } else {
            String::new()
        },
        open_cin_plan_id: if wants_cin {
            view.open_cin_plan_id.clone().unwrap_or_default()
        } else {
            String::new()
        },
    }
}

/// `GET /conferences/{id}`
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let view = load(&state, &user.actor, id, conferences::view).await?;
    let notice = if query.get("recorded") == "1" {
        "Conference recorded".to_string()
    } else {
        String::new()
    };
    Ok(render_with(
        StatusCode::OK,
        &conference_page(&user, view, notice),
    ))
}

// ---- review conferences ----

#[derive(Clone, Debug, Default)]
pub struct ReviewValues {
    pub held_on: DateParts,
    pub chair: String,
    pub attendees: Vec<PersonRow>,
    pub decision: String,
    pub category: String,
    pub summary: String,
}

impl ReviewValues {
    fn from_form(f: &FormData) -> ReviewValues {
        ReviewValues {
            held_on: f.date("held_on"),
            chair: f.string("chair"),
            attendees: person_rows(f, "attendees", "Attendee", ATTENDEE_ROWS),
            decision: f.string("decision"),
            category: f.string("category"),
            summary: f.string("summary"),
        }
    }
}

const REVIEW_ORDER: &[&str] = &[
    "conference-form",
    "held_on",
    "chair",
    "attendees-",
    "decision",
    "category",
    "summary",
];

#[derive(askama::Template)]
#[template(path = "pages/casework/conference_review_form.html")]
pub struct ReviewFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub plan_id: String,
    pub version: i32,
    pub child_id: String,
    pub child_name: String,
    pub started_on: String,
    pub latest_category: String,
    pub ended: String,
    pub next_review: Option<DueLine>,
    pub v: ReviewValues,
    pub agencies: Vec<(String, String)>,
    pub decisions: Vec<(String, String)>,
    /// The categories, with "no change" first.
    pub categories: Vec<(String, String)>,
}

fn review_page(
    user: &CurrentUser,
    view: &CpPlanView,
    version: i32,
    errors: Errors,
    v: ReviewValues,
) -> ReviewFormPage {
    let latest = category_label(&view.plan.latest_category);
    let mut choices = vec![(String::new(), format!("No change ({latest})"))];
    choices.extend(categories());
    let today = today_in_england();
    ReviewFormPage {
        layout: user.layout(
            format!("{}Record a review conference", errors.title_prefix()),
            "",
        ),
        errors,
        plan_id: view.plan.id.clone(),
        version,
        child_id: view.child.id.clone(),
        child_name: view.child.display_name.clone(),
        started_on: format_long(view.plan.started_on),
        latest_category: latest,
        ended: view.plan.ended_on.map(format_long).unwrap_or_default(),
        next_review: view.next_review.as_ref().map(|d| {
            let calendar = cairn_core::casework::statutory_calendar();
            due_line(d, Some(Timeliness::of(&calendar, d.date, None, today)))
        }),
        v,
        agencies: agencies(),
        decisions: decisions(ConferenceKind::Review),
        categories: choices,
    }
}

/// `GET /cp-plans/{id}/reviews/new`
pub async fn new_review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let view = load(&state, &user.actor, id, plans::view_cp_plan).await?;
    let v = ReviewValues::from_form(&FormData::default());
    let page = review_page(&user, &view, view.plan.version, Errors::default(), v);
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /cp-plans/{id}/reviews/new`
pub async fn create_review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let v = ReviewValues::from_form(&form.data);
    let version = version_of(&form.data, "plan")?;
    let mut page_errors = FieldErrors::new();
    let held_on = read_date(
        &v.held_on,
        "held_on",
        "The date of the review conference",
        &mut page_errors,
    );
    let input = ReviewInput {
        held_on,
        chair: v.chair.clone(),
        attendees: person_inputs(&v.attendees),
        decision: v.decision.clone(),
        category: v.category.clone(),
        summary: v.summary.clone(),
        version,
    };
    let actor = form.user.actor.clone();
    let plan = id.clone();
    let outcome = state
        .db(move |c| answer(conferences::record_review(c, &actor, &plan, &input)))
        .await?;
    let (errors, status) = match recorded(outcome, page_errors, None, "conference-form") {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/cp-plans/{id}?done=reviewed")).into_response());
        }
        Err(problem) => problem,
    };
    let view = load(&state, &form.user.actor, id, plans::view_cp_plan).await?;
    let errors = Errors::from_fields(&in_page_order(&errors, REVIEW_ORDER));
    // A stale form keeps what was typed but carries the version it was based on, so sending
    // it again is refused again until the page is reloaded.
    let page = review_page(&form.user, &view, version, errors, v);
    Ok(render_with(status, &page))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/section47/{id}/icpc/new", get(new_icpc).post(create_icpc))
        .route("/conferences/{id}", get(show))
        .route(
            "/cp-plans/{id}/reviews/new",
            get(new_review).post(create_review),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_rows_keep_what_was_typed_and_offer_blank_rows() {
        let form = FormData(vec![
            ("attendees-2-name".into(), "DC Jones".into()),
            ("attendees-2-agency".into(), "police".into()),
            ("attendees-8-role".into(), "Mother".into()),
        ]);
        let rows = person_rows(&form, "attendees", "Attendee", ATTENDEE_ROWS);
        assert_eq!(rows.len(), 8, "every posted row is kept");
        assert_eq!(rows[1].name, "DC Jones");
        assert_eq!(rows[1].f_agency, "attendees-2-agency");
        assert_eq!(rows[7].legend, "Attendee 8");
        assert_eq!(
            person_rows(
                &FormData::default(),
                "core_group",
                "Member",
                CORE_GROUP_ROWS
            )
            .len(),
            CORE_GROUP_ROWS
        );
    }
}
