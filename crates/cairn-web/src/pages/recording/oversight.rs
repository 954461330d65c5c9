//! Management oversight pages and the missing-oversight report: the child's "Oversight and
//! supervision" tab (`GET /people/{id}/oversight`), the decision form
//! (`GET/POST /people/{id}/oversight/new`, prefilled from `?point=` when a gate links to it),
//! a decision's own address (`GET /oversight/{id}`, which goes to its place on the tab), the
//! pinned decision on the child's summary page, and the report of children whose oversight is
//! missing or overdue (`GET /reports/oversight`, and `.csv`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cairn_core::recording::oversight::{
    self, DecisionView, GapKind, OversightDue, OversightForm, OversightInput, OversightReport,
    PinnedDecision,
};
use cairn_core::recording::supervision::DiscussionView;
use cairn_db::casework::actions::CaseActionRow;
use cairn_domain::casework::ActionStatus;
use cairn_domain::dates::{DateParts, format_long};
use cairn_domain::policy::Action;
use cairn_domain::recording::OversightPoint;
use cairn_domain::roles::Role;
use cairn_domain::validation::FieldErrors;

use super::tabs::{RecordTab, RecordTabs};
use crate::admin::{answer, path_id};
use crate::error::AppError;
use crate::layout::{Errors, Layout};
use crate::pages::casework::actions::{
    ActionRowValues, action_date_errors, action_row_values, blank_action_rows, in_page_order,
    lines, parse_action_rows,
};
use crate::pages::casework::common::{query_of, recorded, with_recorder};
use crate::pages::labels::code_options;
use crate::pages::uk_time::{now_fields, parse_uk_time, today_in_england, uk_time};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/oversight", get(tab))
        .route("/people/{id}/oversight/new", get(new_form).post(create))
        .route("/oversight/{id}", get(show))
        .route("/reports/oversight", get(report))
        .route("/reports/oversight.csv", get(report_csv))
}

// ---- shared pieces ----

/// One action as the oversight pages list it, with the anchor my-work links to.
#[derive(Clone, Debug)]
pub struct ActionItem {
    pub id: String,
    pub description: String,
    pub owner: String,
    pub due: String,
    pub status: String,
    pub status_class: &'static str,
    pub overdue: bool,
}

pub fn action_items(rows: &[CaseActionRow]) -> Vec<ActionItem> {
    let today = today_in_england();
    rows.iter()
        .map(|a| {
            let status = ActionStatus::from_code(&a.status).unwrap_or(ActionStatus::Open);
            ActionItem {
                id: a.id.clone(),
                description: a.description.clone(),
                owner: a.owner_name.clone(),
                due: format_long(a.due_on),
                status: status.label().to_string(),
                status_class: match status {
                    ActionStatus::Open => "govuk-tag--blue",
                    ActionStatus::Done => "govuk-tag--green",
                    ActionStatus::Cancelled => "govuk-tag--grey",
                },
                overdue: status == ActionStatus::Open && a.due_on < today,
            }
        })
        .collect()
}

/// One management decision as the tab shows it.
#[derive(Clone, Debug)]
pub struct DecisionCard {
    pub id: String,
    pub when: String,
    pub point: String,
    pub manager: String,
    pub decision: Vec<String>,
    pub rationale: Vec<String>,
    pub actions: Vec<ActionItem>,
    pub caption: String,
}

impl DecisionCard {
    fn of(d: &DecisionView) -> DecisionCard {
        DecisionCard {
            id: d.record.id.clone(),
            when: uk_time(d.record.decided_at),
            point: d.point.label().to_string(),
            manager: d.manager_name.clone(),
            decision: lines(&d.record.decision),
            rationale: lines(&d.record.rationale),
            actions: action_items(&d.actions),
            caption: format!("Actions agreed on {}", uk_time(d.record.decided_at)),
        }
    }
}

/// One supervision discussion of the child as the tab shows it.
#[derive(Clone, Debug)]
pub struct DiscussionCard {
    pub id: String,
    pub held_on: String,
    pub worker: String,
    pub supervisor: String,
    pub discussion: Vec<String>,
    pub decisions: Vec<String>,
    pub actions: Vec<ActionItem>,
    pub caption: String,
}

impl DiscussionCard {
    pub fn of(d: &DiscussionView) -> DiscussionCard {
        DiscussionCard {
            id: d.discussion.id.clone(),
            held_on: format_long(d.held_on),
            worker: d.worker_name.clone(),
            supervisor: d.supervisor_name.clone(),
            discussion: lines(&d.discussion.discussion),
            decisions: lines(&d.discussion.decisions),
            actions: action_items(&d.actions),
            caption: format!(
                "Actions agreed in supervision on {}",
                format_long(d.held_on)
            ),
        }
    }
}

/// When an open case's next decision is due, in words.
#[derive(Clone, Debug, Default)]
pub struct DueLine {
    pub due: String,
    pub basis: String,
    pub overdue: String,
}

fn due_line(d: &OversightDue) -> DueLine {
    DueLine {
        due: format_long(d.due.date),
        basis: d.due.basis.clone(),
        overdue: crate::pages::casework::my_work::overdue_text(d.days_overdue),
    }
}

// ---- the pinned decision on the child's page ----

/// The panel at the top of a child's summary page (`pages/recording/oversight/pinned.html`).
#[derive(Clone, Debug, Default)]
pub struct PinnedView {
    pub person_id: String,
    pub has_decision: bool,
    pub heading: String,
    pub rationale: Vec<String>,
    pub point: String,
    pub due: Option<DueLine>,
    pub can_record: bool,
}

/// The first line of a decision, cut at a word near `max` characters, for a heading.
fn headline(text: &str, max: usize) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if first.chars().count() <= max {
        return first.to_string();
    }
    let cut: String = first.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

impl PinnedView {
    pub fn of(person_id: &str, p: &PinnedDecision, can_record: bool) -> PinnedView {
        let mut v = PinnedView {
            person_id: person_id.to_string(),
            due: p.due.as_ref().map(due_line),
            can_record,
            ..PinnedView::default()
        };
        let supervision_is_newer = match (&p.supervision, &p.latest) {
            (Some(s), Some(d)) => s.discussion.created_at > d.record.decided_at,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if let (true, Some(s)) = (supervision_is_newer, &p.supervision) {
            v.has_decision = true;
            v.heading = format!(
                "{}, {} in supervision: {}",
                format_long(s.held_on),
                s.supervisor_name,
                headline(&s.discussion.decisions, 200)
            );
            v.rationale = lines(&s.discussion.discussion);
            v.point = "Supervision decision".to_string();
        } else if let Some(d) = &p.latest {
            v.has_decision = true;
            v.heading = format!(
                "{}, {}: {}",
                uk_time(d.record.decided_at),
                d.manager_name,
                headline(&d.record.decision, 200)
            );
            v.rationale = lines(&d.record.rationale);
            v.point = d.point.label().to_string();
        }
        v
    }
}

// ---- the tab ----

#[derive(askama::Template)]
#[template(path = "pages/recording/oversight/tab.html")]
pub struct OversightTabPage {
    pub layout: Layout,
    pub tabs: RecordTabs,
    pub notice: String,
    pub child_id: String,
    pub child_name: String,
    pub due: Option<DueLine>,
    pub can_record: bool,
    pub decisions: Vec<DecisionCard>,
    pub discussions: Vec<DiscussionCard>,
}

/// `GET /people/{id}/oversight`: every management decision and supervision discussion about
/// the child, newest first.
pub async fn tab(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let notice = if query.get("recorded") == "1" {
        "The management decision has been recorded.".to_string()
    } else {
        String::new()
    };
    let (actor, pid) = (user.actor.clone(), id.clone());
    let today = today_in_england();
    let t = state
        .db(move |c| Ok(oversight::tab(c, &actor, &pid, today)?))
        .await?;
    let page = OversightTabPage {
        layout: user.layout(
            format!("Oversight and supervision: {}", t.child.display_name),
            "people",
        ),
        tabs: RecordTabs::new(id.clone(), RecordTab::Oversight),
        notice,
        child_name: t.child.display_name.clone(),
        child_id: id,
        due: t.due.as_ref().map(due_line),
        can_record: user.actor.may(Action::RecordOversight),
        decisions: t.decisions.iter().map(DecisionCard::of).collect(),
        discussions: t.discussions.iter().map(DiscussionCard::of).collect(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `GET /oversight/{id}`: a decision's place on its child's tab (action pages link here).
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let (actor, did) = (user.actor.clone(), id.clone());
    let view = state
        .db(move |c| Ok(oversight::view(c, &actor, &did)?))
        .await?;
    Ok(Redirect::to(&format!(
        "/people/{}/oversight#decision-{id}",
        view.record.person_id
    ))
    .into_response())
}

// ---- the form ----

/// Everything on the decision form, as typed.
#[derive(Clone, Debug, Default)]
pub struct DecisionFormValues {
    pub point: String,
    pub decision: String,
    pub rationale: String,
    pub decided: DateParts,
    pub decided_time: String,
}

const FORM_ORDER: &[&str] = &[
    "point",
    "decision",
    "rationale",
    "decided",
    "decided_time",
    "actions",
    "actions-",
];

#[derive(askama::Template)]
#[template(path = "pages/recording/oversight/form.html")]
pub struct DecisionFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub child_id: String,
    pub child_name: String,
    pub v: DecisionFormValues,
    pub points: Vec<(String, String)>,
    pub action_rows: Vec<ActionRowValues>,
    pub action_owners: Vec<(String, String)>,
}

fn form_page(
    user: &CurrentUser,
    ctx: &OversightForm,
    errors: Errors,
    v: DecisionFormValues,
    action_rows: Vec<ActionRowValues>,
) -> DecisionFormPage {
    DecisionFormPage {
        layout: user.layout(
            format!("{}Record a management decision", errors.title_prefix()),
            "people",
        ),
        errors,
        child_id: ctx.child.id.clone(),
        child_name: ctx.child.display_name.clone(),
        v,
        points: code_options::<OversightPoint>(),
        action_rows,
        action_owners: with_recorder(ctx.owners.clone(), &user.actor),
    }
}

async fn load_form(
    state: &AppState,
    user: &CurrentUser,
    person_id: &str,
) -> Result<OversightForm, AppError> {
    let (actor, pid) = (user.actor.clone(), person_id.to_string());
    state
        .db(move |c| Ok(oversight::form(c, &actor, &pid)?))
        .await
}

/// `GET /people/{id}/oversight/new`: the form, with the point chosen when `?point=` names one.
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let query = query_of(q);
    let ctx = load_form(&state, &user, &id).await?;
    let (decided, decided_time) = now_fields();
    let v = DecisionFormValues {
        point: OversightPoint::from_code(query.get("point"))
            .map(|p| p.code().to_string())
            .unwrap_or_default(),
        decided,
        decided_time,
        ..DecisionFormValues::default()
    };
    let page = form_page(&user, &ctx, Errors::default(), v, blank_action_rows());
    Ok(render_with(StatusCode::OK, &page))
}

/// `POST /people/{id}/oversight/new`: records the decision, or shows the form again with every
/// problem and everything typed.
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let f = &form.data;
    let v = DecisionFormValues {
        point: f.string("point"),
        decision: f.string("decision"),
        rationale: f.string("rationale"),
        decided: f.date("decided"),
        decided_time: f.string("decided_time"),
    };
    let mut page_errors = FieldErrors::new();
    let decided_at = parse_uk_time(
        &v.decided,
        &v.decided_time,
        "decided",
        "the decision was made",
        &mut page_errors,
    );
    action_date_errors(&f.0, &mut page_errors);
    let input = OversightInput {
        point: v.point.clone(),
        decision: v.decision.clone(),
        rationale: v.rationale.clone(),
        decided_at,
        actions: parse_action_rows(&f.0),
    };
    let actor = form.user.actor.clone();
    let (pid, checked_only) = (id.clone(), !page_errors.is_empty());
    let outcome = state
        .db(move |c| {
            if checked_only {
                return answer(oversight::check(c, &actor, &pid, &input).map(|()| None));
            }
            answer(oversight::record(c, &actor, &pid, &input).map(Some))
        })
        .await?;
    let errors = match recorded(outcome, page_errors, None, "decision-form") {
        Ok(Some(_)) => {
            return Ok(Redirect::to(&format!("/people/{id}/oversight?recorded=1")).into_response());
        }
        Ok(None) => (FieldErrors::new(), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => e,
    };
    let ctx = load_form(&state, &form.user, &id).await?;
    let (errors, status) = errors;
    let errors = Errors::from_fields(&in_page_order(&errors, FORM_ORDER));
    let page = form_page(&form.user, &ctx, errors, v, action_row_values(&f.0));
    Ok(render_with(status, &page))
}

// ---- the report ----

/// One child's gap as the report lists it.
#[derive(Clone, Debug)]
pub struct GapLine {
    pub child_id: String,
    pub child_name: String,
    pub what: String,
    pub overdue_tag: bool,
    pub due: String,
    pub days: String,
    pub basis: String,
    pub worker: String,
    pub team: String,
    pub managers: String,
    pub latest: String,
    pub record_href: String,
}

#[derive(Clone, Debug)]
pub struct CountLine {
    pub name: String,
    pub children: usize,
    pub overdue: usize,
    pub missing: usize,
}

#[derive(askama::Template)]
#[template(path = "pages/recording/oversight/report.html")]
pub struct ReportPage {
    pub layout: Layout,
    pub today: String,
    pub standards_name: String,
    pub interval: u32,
    pub open_episodes: usize,
    /// Teams to choose from (everyone but team managers).
    pub teams: Vec<(String, String)>,
    pub team: String,
    pub csv_href: String,
    pub by_team: Vec<CountLine>,
    pub by_manager: Vec<CountLine>,
    pub gaps: Vec<GapLine>,
    pub can_record: bool,
}

fn point_param(g: &oversight::OversightGap) -> &'static str {
    match (g.kind, g.point) {
        (GapKind::Missing, Some(p)) => p.code(),
        _ => OversightPoint::Periodic.code(),
    }
}

fn gap_lines(r: &OversightReport) -> Vec<GapLine> {
    r.gaps
        .iter()
        .map(|g| GapLine {
            child_id: g.person_id.clone(),
            child_name: g.child_name.clone(),
            what: g.describe(),
            overdue_tag: g.kind == GapKind::Overdue,
            due: format_long(g.due_on),
            days: crate::pages::casework::my_work::overdue_text(g.days_overdue),
            basis: g.basis.clone(),
            worker: g.worker_name.clone(),
            team: g.team_name.clone(),
            managers: g.managers.clone(),
            latest: g
                .latest_decision
                .map(format_long)
                .unwrap_or_else(|| "None".into()),
            record_href: format!(
                "/people/{}/oversight/new?point={}",
                g.person_id,
                point_param(g)
            ),
        })
        .collect()
}

fn count_lines(counts: &[oversight::GapCount]) -> Vec<CountLine> {
    counts
        .iter()
        .map(|c| CountLine {
            name: c.name.clone(),
            children: c.children,
            overdue: c.overdue,
            missing: c.missing,
        })
        .collect()
}

async fn load_report(
    state: &AppState,
    user: &CurrentUser,
    team: Option<String>,
) -> Result<(OversightReport, Vec<(String, String)>), AppError> {
    let actor = user.actor.clone();
    let chooses = actor.role != Role::TeamManager;
    let today = today_in_england();
    state
        .db(move |c| {
            let report = oversight::report(c, &actor, team.as_deref(), today)?;
            let teams = if chooses {
                cairn_core::accounts::team_choices(c)?
                    .into_iter()
                    .filter(|t| t.team.active)
                    .map(|t| (t.team.id, format!("{} ({})", t.team.name, t.office_name)))
                    .collect()
            } else {
                Vec::new()
            };
            Ok((report, teams))
        })
        .await
}

fn team_param(q: Option<String>) -> Option<String> {
    path_id(query_of(q).get("team")).ok()
}

/// `GET /reports/oversight`: children whose management oversight is overdue or missing at a
/// required point, counted by team and by manager, then listed.
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let team = team_param(q);
    let (r, teams) = load_report(&state, &user, team).await?;
    let team = r.team_id.clone().unwrap_or_default();
    let page = ReportPage {
        layout: user.layout("Management oversight", "oversight-report"),
        today: format_long(r.today),
        standards_name: r.standards.name.clone(),
        interval: r.standards.oversight_interval_working_days,
        open_episodes: r.open_episodes,
        teams,
        csv_href: if team.is_empty() {
            "/reports/oversight.csv".into()
        } else {
            format!("/reports/oversight.csv?team={team}")
        },
        team,
        by_team: count_lines(&r.by_team),
        by_manager: count_lines(&r.by_manager),
        gaps: gap_lines(&r),
        can_record: user.actor.may(Action::RecordOversight),
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// `GET /reports/oversight.csv`: the same list as the page, one row per gap.
pub async fn report_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let team = team_param(q);
    let (r, _) = load_report(&state, &user, team).await?;
    let mut body = String::new();
    let csv_line = cairn_core::front_door::performance::csv_line;
    csv_line(
        &mut body,
        &[
            "child_id",
            "child",
            "gap",
            "point",
            "due_on",
            "days_overdue",
            "latest_decision",
            "worker",
            "team",
            "managers",
            "basis",
        ],
    );
    for g in &r.gaps {
        let latest = g.latest_decision.map(|d| d.to_string()).unwrap_or_default();
        csv_line(
            &mut body,
            &[
                &g.person_id,
                &g.child_name,
                match g.kind {
                    GapKind::Overdue => "overdue",
                    GapKind::Missing => "missing",
                },
                g.point.map(|p| p.code()).unwrap_or_default(),
                &g.due_on.to_string(),
                &g.days_overdue.to_string(),
                &latest,
                &g.worker_name,
                &g.team_name,
                &g.managers,
                &g.basis,
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
        HeaderValue::from_static("attachment; filename=\"management-oversight.csv\""),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_decision_is_cut_at_a_word_for_the_heading() {
        assert_eq!(
            headline("Keep the plan.\nMore detail", 200),
            "Keep the plan."
        );
        let long = "word ".repeat(60);
        let h = headline(&long, 20);
        assert!(h.ends_with('…') && h.chars().count() <= 21, "{h}");
        assert_eq!(headline("", 10), "");
    }
}
