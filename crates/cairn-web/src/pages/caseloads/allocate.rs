//! The allocation screen: candidates with their loads, the result of this allocation, the
//! override. `GET/POST /people/{id}/allocate?work=case|assessment:<id>|section47:<id>&team=`,
//! the child's allocation history (`GET /people/{id}/allocations`), ending an allocation
//! (`GET/POST /people/{id}/allocations/{allocation}/end`), and the report of
//! allocations made over the red level (`GET /caseloads/overrides`, and `.csv`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::caseloads::allocation::{
    self, AllocationInput, AllocationScreen, Candidate, EndInput, HistoryLine, OverrideLine,
};
use cairn_domain::caseloads::Rating;
use cairn_domain::caseloads::load::Load;
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::policy::Action;
use cairn_domain::validation::FieldErrors;
use chrono::{Datelike, Duration, NaiveDate};

use crate::admin::{Answer, answer, path_id};
use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::pages::casework::common::{query_of, read_date};
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/allocate", get(screen).post(allocate))
        .route("/people/{id}/allocations", get(history))
        .route(
            "/people/{id}/allocations/{allocation}/end",
            get(end_form).post(end_allocation),
        )
        .route("/caseloads/overrides", get(overrides))
        .route("/caseloads/overrides.csv", get(overrides_csv))
}

/// The GOV.UK tag class for a rating.
pub fn tag_class(rating: Rating) -> &'static str {
    match rating {
        Rating::Green => "govuk-tag--green",
        Rating::Amber => "govuk-tag--yellow",
        Rating::Red => "govuk-tag--red",
    }
}

/// "Green", "Amber", "Red".
pub fn tag_text(rating: Rating) -> &'static str {
    match rating {
        Rating::Green => "Green",
        Rating::Amber => "Amber",
        Rating::Red => "Red",
    }
}

fn percent(load: &Load) -> String {
    load.percent
        .map_or_else(|| "No capacity".to_string(), |p| format!("{p}%"))
}

/// One worker as the screen's table shows them.
#[derive(Clone, Debug)]
pub struct CandidateRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub cases: u32,
    pub pieces: u32,
    pub weighted: String,
    pub capacity: String,
    pub percent: String,
    pub result_weighted: String,
    pub result_percent: String,
    pub result_text: &'static str,
    pub result_class: &'static str,
    pub now_text: &'static str,
    pub now_class: &'static str,
    pub overdue: String,
    pub unavailable: String,
    pub selectable: bool,
    pub holds_this: bool,
}

impl CandidateRow {
    fn of(c: &Candidate) -> CandidateRow {
        CandidateRow {
            id: c.worker.user_id.clone(),
            name: c.worker.display_name.clone(),
            role: c.worker.role.label().to_string(),
            cases: c.load.cases,
            pieces: c.load.pieces_of_work,
            weighted: c.load.weighted.to_string(),
            capacity: c.load.capacity.to_string(),
            percent: percent(&c.load),
            result_weighted: c.result.weighted.to_string(),
            result_percent: percent(&c.result),
            result_text: tag_text(c.result.rating),
            result_class: tag_class(c.result.rating),
            now_text: tag_text(c.load.rating),
            now_class: tag_class(c.load.rating),
            overdue: c
                .overdue
                .map_or_else(|| "Not shown".to_string(), |n| n.to_string()),
            unavailable: c.unavailable.clone().unwrap_or_default(),
            selectable: c.unavailable.is_none() && !c.holds_this,
            holds_this: c.holds_this,
        }
    }
}

/// A sibling offered on the form.
#[derive(Clone, Debug)]
pub struct SiblingRow {
    pub id: String,
    pub name: String,
    pub holder: String,
    pub weight: String,
}

/// Everything typed on the form.
#[derive(Clone, Debug, Default)]
pub struct AllocateValues {
    pub worker: String,
    pub started_on: DateParts,
    pub reason: String,
    pub override_reason: String,
    pub siblings: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/allocate/screen.html")]
pub struct ScreenPage {
    pub layout: Layout,
    pub errors: Errors,
    pub child_id: String,
    pub child_name: String,
    pub work: String,
    pub work_label: String,
    pub team_id: String,
    pub team_name: String,
    pub teams: Vec<(String, String)>,
    pub model_name: String,
    pub adds: String,
    pub adds_as: String,
    pub current: String,
    pub candidates: Vec<CandidateRow>,
    pub siblings: Vec<SiblingRow>,
    pub expected_version: i32,
    pub v: AllocateValues,
    pub can_override: bool,
    pub reallocation: bool,
}

fn screen_page(
    user: &CurrentUser,
    s: &AllocationScreen,
    errors: Errors,
    v: AllocateValues,
) -> ScreenPage {
    let work_label = match s.work_kind {
        cairn_domain::caseloads::AllocatedWork::Case => "Case".to_string(),
        other => other.label().to_string(),
    };
    ScreenPage {
        layout: user.layout(
            format!(
                "{}Allocate: {}",
                errors.title_prefix(),
                s.child.display_name
            ),
            "caseloads",
        ),
        errors,
        child_id: s.child.id.clone(),
        child_name: s.child.display_name.clone(),
        work: s.work.clone(),
        work_label,
        team_id: s.team_id.clone(),
        team_name: s.team_name.clone(),
        teams: s.teams.clone(),
        model_name: s.model_name.clone(),
        adds: s.adds.weight.to_string(),
        adds_as: s.adds.counts_as.label().to_string(),
        current: s
            .current
            .as_ref()
            .map(|h| {
                format!(
                    "{} ({}), since {}",
                    h.worker_name,
                    h.team_name,
                    format_long(h.allocation.starts_on)
                )
            })
            .unwrap_or_default(),
        candidates: s.candidates.iter().map(CandidateRow::of).collect(),
        siblings: s
            .siblings
            .iter()
            .map(|o| SiblingRow {
                id: o.person_id.clone(),
                name: o.name.clone(),
                holder: o
                    .holder_name
                    .clone()
                    .unwrap_or_else(|| "Unallocated".to_string()),
                weight: o.weight.weight.to_string(),
            })
            .collect(),
        expected_version: s.expected_version,
        v,
        can_override: user.actor.may(Action::OverrideWorkloadLimit),
        reallocation: s.current.is_some(),
    }
}

fn date_parts(d: NaiveDate) -> DateParts {
    DateParts::new(
        d.day().to_string(),
        d.month().to_string(),
        d.year().to_string(),
    )
}

async fn load_screen(
    state: &AppState,
    user: &CurrentUser,
    person_id: &str,
    work: &str,
    team: &str,
) -> Result<AllocationScreen, AppError> {
    let (actor, pid, work, team) = (
        user.actor.clone(),
        person_id.to_string(),
        work.to_string(),
        team.to_string(),
    );
    let today = today_in_england();
    state
        .db(move |c| {
            Ok(allocation::screen(
                c,
                &actor,
                &pid,
                &work,
                Some(team.as_str()).filter(|t| !t.is_empty()),
                today,
            )?)
        })
        .await
}

/// `GET /people/{id}/allocate`: the team's workers with their loads and what this allocation
/// would make of each.
pub async fn screen(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let s = load_screen(&state, &user, &id, query.get("work"), query.get("team")).await?;
    let v = AllocateValues {
        started_on: date_parts(s.today),
        siblings: s.siblings.iter().map(|o| o.person_id.clone()).collect(),
        ..AllocateValues::default()
    };
    let page = screen_page(&user, &s, Errors::default(), v);
    Ok(render_with(StatusCode::OK, &page))
}

const FORM_ORDER: &[&str] = &[
    "worker",
    "started_on",
    "reason",
    "override_reason",
    "siblings",
];

fn in_order(errors: &FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for name in FORM_ORDER {
        for e in errors.iter().filter(|e| e.field == *name) {
            out.push(e.field.clone(), e.message.clone());
        }
    }
    for e in errors
        .iter()
        .filter(|e| !FORM_ORDER.contains(&e.field.as_str()))
    {
        out.push(e.field.clone(), e.message.clone());
    }
    out
}

/// `POST /people/{id}/allocate`: allocates, or shows the screen again (with fresh loads) with
/// every problem and everything typed. A manager who lost a race is told who holds it now.
pub async fn allocate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let f = &form.data;
    let v = AllocateValues {
        worker: f.string("worker"),
        started_on: f.date("started_on"),
        reason: f.string("reason"),
        override_reason: f.string("override_reason"),
        siblings: f.all("siblings"),
    };
    let (work, team) = (f.string("work"), f.string("team"));
    let mut page_errors = FieldErrors::new();
    let starts_on = read_date(
        &v.started_on,
        "started_on",
        "The start date",
        &mut page_errors,
    );
    let expected_version = f.get("expected_version").trim().parse::<i32>().ok();
    let input = AllocationInput {
        work: work.clone(),
        team_id: team.clone(),
        worker_id: v.worker.clone(),
        starts_on,
        reason: v.reason.clone(),
        override_reason: v.override_reason.clone(),
        expected_version,
        siblings: v.siblings.clone(),
    };
    let errors = if page_errors.is_empty() {
        let (actor, pid) = (form.user.actor.clone(), id.clone());
        let today = today_in_england();
        let outcome = state
            .db(move |c| answer(allocation::allocate(c, &actor, &pid, &input, today)))
            .await?;
        match outcome {
            Answer::Done(_) => {
                return Ok(
                    Redirect::to(&format!("/people/{id}/allocations?allocated=1")).into_response(),
                );
            }
            Answer::Invalid(e) => (
                Errors::from_fields(&in_order(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Answer::Conflict(message) => (Errors::one("worker", &message), StatusCode::CONFLICT),
        }
    } else {
        (
            Errors::from_fields(&in_order(&page_errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let s = load_screen(&state, &form.user, &id, &work, &team).await?;
    let (errors, status) = errors;
    let page = screen_page(&form.user, &s, errors, v);
    Ok(render_with(status, &page))
}

/// One allocation in the history table.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub id: String,
    /// Still held: it can be ended.
    pub open: bool,
    pub work: String,
    pub worker: String,
    pub team: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub end_reason: String,
    pub load: String,
    pub rating_text: &'static str,
    pub rating_class: &'static str,
    pub override_reason: String,
    pub back_dated: bool,
    pub by: String,
}

fn history_row(h: &HistoryLine) -> HistoryRow {
    let r = &h.row;
    let rating = r.rating.as_deref().and_then(Rating::from_code);
    HistoryRow {
        id: r.id.clone(),
        open: r.ends_on.is_none(),
        work: cairn_domain::caseloads::AllocatedWork::from_code(&r.work_kind)
            .map(|w| w.label().to_string())
            .unwrap_or_else(|| r.work_kind.clone()),
        worker: h.worker_name.clone(),
        team: h.team_name.clone(),
        from: format_long(r.starts_on),
        to: r.ends_on.map(format_long).unwrap_or_else(|| "Now".into()),
        reason: r.reason.clone(),
        end_reason: r.end_reason.clone().unwrap_or_default(),
        load: match (r.load_after_centi, r.capacity_centi) {
            (Some(after), Some(cap)) => format!(
                "{} of {}",
                cairn_domain::caseloads::points::Points::from_centi(i64::from(after)),
                cairn_domain::caseloads::points::Points::from_centi(i64::from(cap))
            ),
            _ => "Not recorded".into(),
        },
        rating_text: rating.map(tag_text).unwrap_or(""),
        rating_class: rating.map(tag_class).unwrap_or(""),
        override_reason: r.override_reason.clone().unwrap_or_default(),
        back_dated: r.back_dated,
        by: h.created_by_name.clone(),
    }
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/allocate/history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub notice: String,
    pub child_id: String,
    pub child_name: String,
    pub rows: Vec<HistoryRow>,
    pub can_allocate: bool,
}

/// `GET /people/{id}/allocations`: who has held the child's case and work, newest first.
pub async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let (actor, pid) = (user.actor.clone(), id.clone());
    let (child, lines) = state
        .db(move |c| Ok(allocation::history(c, &actor, &pid)?))
        .await?;
    let page = HistoryPage {
        layout: user.layout(format!("Allocations: {}", child.display_name), "people"),
        notice: match (query.get("allocated"), query.get("ended")) {
            ("1", _) => "The allocation has been recorded and the worker notified.".into(),
            (_, "1") => "The allocation has been ended.".into(),
            _ => String::new(),
        },
        child_id: id,
        child_name: child.display_name,
        rows: lines.iter().map(history_row).collect(),
        can_allocate: user.actor.may(Action::AllocateWork),
    };
    Ok(render_with(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/allocate/end.html")]
pub struct EndPage {
    pub layout: Layout,
    pub errors: Errors,
    pub child_id: String,
    pub child_name: String,
    pub allocation_id: String,
    pub version: i32,
    pub row: HistoryRow,
    pub is_case: bool,
    pub ended_on: DateParts,
    pub reason: String,
}

async fn end_page(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    allocation_id: &str,
    errors: Errors,
    values: Option<(DateParts, String)>,
) -> Result<EndPage, AppError> {
    let (actor, pid, aid) = (
        user.actor.clone(),
        id.to_string(),
        allocation_id.to_string(),
    );
    let (child, line) = state
        .db(move |c| Ok(allocation::open_allocation(c, &actor, &pid, &aid)?))
        .await?;
    let (ended_on, reason) =
        values.unwrap_or_else(|| (date_parts(today_in_england()), String::new()));
    Ok(EndPage {
        layout: user.layout(
            format!("End an allocation: {}", child.display_name),
            "people",
        ),
        errors,
        child_id: id.to_string(),
        child_name: child.display_name,
        allocation_id: allocation_id.to_string(),
        version: line.row.version,
        is_case: line.row.work_kind == cairn_domain::caseloads::AllocatedWork::Case.code(),
        row: history_row(&line),
        ended_on,
        reason,
    })
}

/// `GET /people/{id}/allocations/{allocation}/end`: the allocation and a form for the date
/// and the reason.
pub async fn end_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, allocation_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (id, allocation_id) = (path_id(&id)?, path_id(&allocation_id)?);
    let page = end_page(&state, &user, &id, &allocation_id, Errors::default(), None).await?;
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /people/{id}/allocations/{allocation}/end`: ends it, or shows the form again with
/// every problem and what was typed.
pub async fn end_allocation(
    State(state): State<AppState>,
    Path((id, allocation_id)): Path<(String, String)>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let (id, allocation_id) = (path_id(&id)?, path_id(&allocation_id)?);
    let f = &form.data;
    let (ended_on, reason) = (f.date("ended_on"), f.string("reason"));
    let mut date_errors = FieldErrors::new();
    let ends_on = read_date(&ended_on, "ended_on", "The end date", &mut date_errors);
    let (errors, status) = if date_errors.is_empty() {
        let input = EndInput {
            ends_on,
            reason: reason.clone(),
            expected_version: f.get("expected_version").trim().parse::<i32>().ok(),
            person_id: Some(id.clone()),
        };
        let (actor, aid) = (form.user.actor.clone(), allocation_id.clone());
        let today = today_in_england();
        match state
            .db(move |c| answer(allocation::end(c, &actor, &aid, &input, today)))
            .await?
        {
            Answer::Done(()) => {
                return Ok(
                    Redirect::to(&format!("/people/{id}/allocations?ended=1")).into_response()
                );
            }
            Answer::Invalid(e) => (Errors::from_fields(&e), StatusCode::UNPROCESSABLE_ENTITY),
            Answer::Conflict(message) => (Errors::one("reason", &message), StatusCode::CONFLICT),
        }
    } else {
        (
            Errors::from_fields(&date_errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let page = end_page(
        &state,
        &form.user,
        &id,
        &allocation_id,
        errors,
        Some((ended_on, reason)),
    )
    .await?;
    Ok(render_with(status, &page))
}

/// One override in the report.
#[derive(Clone, Debug)]
pub struct OverrideRow {
    pub child_id: String,
    pub child: String,
    pub worker: String,
    pub team: String,
    pub manager: String,
    pub from: String,
    pub load: String,
    pub reason: String,
    pub current: bool,
}

/// Overrides counted by team or by manager.
#[derive(Clone, Debug)]
pub struct CountRow {
    pub name: String,
    pub count: usize,
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/allocate/overrides.html")]
pub struct OverridesPage {
    pub layout: Layout,
    pub from: String,
    pub to: String,
    pub team: String,
    pub teams: Vec<(String, String)>,
    pub csv_href: String,
    pub by_team: Vec<CountRow>,
    pub by_manager: Vec<CountRow>,
    pub rows: Vec<OverrideRow>,
}

fn counts(values: impl Iterator<Item = String>) -> Vec<CountRow> {
    let mut map: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for v in values {
        *map.entry(v).or_default() += 1;
    }
    let mut out: Vec<CountRow> = map
        .into_iter()
        .map(|(name, count)| CountRow { name, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    out
}

async fn load_overrides(
    state: &AppState,
    user: &CurrentUser,
    q: Option<String>,
) -> Result<
    (
        Vec<OverrideLine>,
        Vec<(String, String)>,
        String,
        NaiveDate,
        NaiveDate,
    ),
    AppError,
> {
    let query = query_of(q);
    let to = today_in_england();
    let from = to - Duration::days(365);
    let team = query.string("team");
    let (actor, t) = (user.actor.clone(), team.clone());
    let (lines, teams) = state
        .db(move |c| {
            let lines = allocation::overrides(c, &actor, Some(t.as_str()), from, to)?;
            let teams = cairn_db::organisation::list_teams(c)?
                .into_iter()
                .filter(|t| t.team.active)
                .map(|t| (t.team.id, t.team.name))
                .collect();
            Ok((lines, teams))
        })
        .await?;
    Ok((lines, teams, team, from, to))
}

/// `GET /caseloads/overrides`: allocations made over the red level in the last year, by team
/// and manager.
pub async fn overrides(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (lines, teams, team, from, to) = load_overrides(&state, &user, q).await?;
    let page = OverridesPage {
        layout: user.layout("Allocations over the red level", "caseloads"),
        from: format_long(from),
        to: format_long(to),
        csv_href: if team.is_empty() {
            "/caseloads/overrides.csv".into()
        } else {
            format!("/caseloads/overrides.csv?team={team}")
        },
        team,
        teams,
        by_team: counts(lines.iter().map(|l| l.line.team_name.clone())),
        by_manager: counts(lines.iter().map(|l| l.overridden_by_name.clone())),
        rows: lines
            .iter()
            .map(|l| OverrideRow {
                child_id: l.line.row.person_id.clone(),
                child: l.child_name.clone(),
                worker: l.line.worker_name.clone(),
                team: l.line.team_name.clone(),
                manager: l.overridden_by_name.clone(),
                from: format_long(l.line.row.starts_on),
                load: history_row(&l.line).load,
                reason: l.line.row.override_reason.clone().unwrap_or_default(),
                current: l.line.row.ends_on.is_none(),
            })
            .collect(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `GET /caseloads/overrides.csv`: the same list as the page.
pub async fn overrides_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (lines, _, _, _, _) = load_overrides(&state, &user, q).await?;
    let csv_line = cairn_core::front_door::performance::csv_line;
    let mut body = String::new();
    csv_line(
        &mut body,
        &[
            "allocation_id",
            "child_id",
            "child",
            "worker",
            "team",
            "overridden_by",
            "starts_on",
            "ends_on",
            "load_after",
            "capacity",
            "rating",
            "reason",
        ],
    );
    let points = |c: Option<i32>| {
        c.map(|c| cairn_domain::caseloads::points::Points::from_centi(i64::from(c)).to_string())
            .unwrap_or_default()
    };
    for l in &lines {
        let r = &l.line.row;
        csv_line(
            &mut body,
            &[
                &r.id,
                &r.person_id,
                &l.child_name,
                &l.line.worker_name,
                &l.line.team_name,
                &l.overridden_by_name,
                &r.starts_on.to_string(),
                &r.ends_on.map(|d| d.to_string()).unwrap_or_default(),
                &points(r.load_after_centi),
                &points(r.capacity_centi),
                r.rating.as_deref().unwrap_or_default(),
                r.override_reason.as_deref().unwrap_or_default(),
            ],
        );
    }
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"allocation-overrides.csv\""),
    );
    Ok(response)
}

/// The "Allocation" block on a child's summary page
/// (`pages/caseloads/allocate/summary.html`).
#[derive(Clone, Debug, Default)]
pub struct AllocationBlock {
    pub person_id: String,
    pub open_episode: bool,
    pub holder: String,
    pub since: String,
    pub factors: Vec<String>,
    pub can_allocate: bool,
}

impl AllocationBlock {
    pub fn of(
        person_id: &str,
        s: &allocation::AllocationSummary,
        can_allocate: bool,
    ) -> AllocationBlock {
        AllocationBlock {
            person_id: person_id.to_string(),
            open_episode: s.open_episode,
            holder: s
                .holder
                .as_ref()
                .map(|h| format!("{} ({})", h.worker_name, h.team_name))
                .unwrap_or_default(),
            since: s
                .holder
                .as_ref()
                .map(|h| format_long(h.allocation.starts_on))
                .unwrap_or_default(),
            factors: s.factors.iter().map(|f| f.label().to_string()).collect(),
            can_allocate,
        }
    }
}
