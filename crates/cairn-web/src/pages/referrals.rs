//! Referrals to children's social care, for the receiving team: the new ones to give a named
//! worker, recent ones, and one referral's summary.
//!
//! `GET /referrals?team=ID` (the user's own team by default) lists them; each unassigned
//! referral has its own small "Assign" form posting to `/referrals/{id}/assign` with the
//! version it was shown at, so two managers assigning the same referral at once cannot
//! silently overwrite each other: the second is shown the conflict.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::ServiceError;
use cairn_core::accounts;
use cairn_core::front_door::referrals::{self, ReferralListRow, TeamReferrals};
use cairn_domain::codes::{PrimaryNeed, ReferralSource};
use cairn_domain::dates::format_long;
use cairn_domain::validation::FieldErrors;

use super::labels::{age_text, label_with_code};
use super::uk_time::{today_in_england, uk_time};
use crate::admin::path_id;
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

const SECTION: &str = "referrals";

pub struct ReferralLine {
    pub id: String,
    pub version: i32,
    pub child_id: String,
    pub child_name: String,
    pub child_age: String,
    pub referral_date: String,
    pub source: String,
    pub primary_need: String,
    pub re_referral: bool,
    pub contact_id: String,
    pub contact_reference: String,
    pub worker: String,
    /// The id of this row's worker select (and its error anchor).
    pub select_id: String,
    /// The worker chosen when the form comes back with a problem.
    pub selected: String,
    pub error: String,
}

fn line(r: &ReferralListRow) -> ReferralLine {
    let today = today_in_england();
    ReferralLine {
        id: r.referral.id.clone(),
        version: r.referral.version,
        child_id: r.child.id.clone(),
        child_name: r.child.display_name.clone(),
        child_age: age_text(&r.child, today),
        referral_date: format_long(r.referral.referral_date),
        source: label_with_code::<ReferralSource>(&r.referral.referral_source),
        primary_need: label_with_code::<PrimaryNeed>(&r.referral.primary_need),
        re_referral: r.referral.re_referral,
        contact_id: r.referral.contact_id.clone().unwrap_or_default(),
        contact_reference: r.contact_reference.clone().unwrap_or_default(),
        worker: r.worker.clone().unwrap_or_default(),
        select_id: format!("worker-{}", r.referral.id),
        selected: String::new(),
        error: String::new(),
    }
}

#[derive(askama::Template)]
#[template(path = "pages/referrals.html")]
pub struct ReferralsPage {
    pub layout: Layout,
    pub errors: Errors,
    pub notice: String,
    pub teams: Vec<(String, String)>,
    pub team_id: String,
    pub team_name: String,
    pub unassigned: Vec<ReferralLine>,
    pub recent: Vec<ReferralLine>,
    pub workers: Vec<(String, String)>,
    pub can_assign: bool,
}

/// A problem with one row's assign form, to show against that row.
struct RowProblem {
    referral_id: String,
    worker: String,
    message: String,
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    team: String,
    problem: Option<RowProblem>,
    notice: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let own_team = actor.team_id.map(|t| t.to_string()).unwrap_or_default();
    let chosen = if team.is_empty() { own_team } else { team };
    let (teams, listing) = state
        .db(move |c| {
            let teams: Vec<(String, String)> = accounts::team_choices(c)?
                .into_iter()
                .filter(|t| t.team.active)
                .map(|t| (t.team.id, format!("{} ({})", t.team.name, t.office_name)))
                .collect();
            let listing: Option<TeamReferrals> = if chosen.is_empty() {
                None
            } else {
                Some(referrals::for_team(c, &actor, &chosen)?)
            };
            Ok((teams, listing))
        })
        .await?;
    let mut errors = Errors::default();
    let (team_id, team_name, mut unassigned, recent, workers) = match listing {
        Some(l) => (
            l.team_id,
            l.team_name,
            l.unassigned.iter().map(line).collect::<Vec<_>>(),
            l.recent.iter().map(line).collect::<Vec<_>>(),
            l.workers,
        ),
        None => (
            String::new(),
            String::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    if let Some(p) = problem {
        let mut f = FieldErrors::new();
        f.push(format!("worker-{}", p.referral_id), p.message.clone());
        errors = Errors::from_fields(&f);
        if let Some(row) = unassigned.iter_mut().find(|r| r.id == p.referral_id) {
            row.selected = p.worker;
            row.error = p.message;
        }
    }
    let heading = if team_name.is_empty() {
        "Referrals".to_string()
    } else {
        format!("Referrals for {team_name}")
    };
    let page = ReferralsPage {
        layout: user.layout(format!("{}{heading}", errors.title_prefix()), SECTION),
        errors,
        notice,
        teams,
        team_id,
        team_name,
        unassigned,
        recent,
        workers,
        can_assign: user.actor.may(cairn_domain::policy::Action::AssignReferral),
    };
    Ok(render_with(status, &page))
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let team = path_id(query.get("team")).unwrap_or_default();
    let notice = if query.get("assigned") == "1" {
        "The referral has been assigned.".to_string()
    } else {
        String::new()
    };
    render_list(&state, &user, team, None, notice, StatusCode::OK).await
}

pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let team = path_id(form.data.get("team")).unwrap_or_default();
    let worker = form.data.string("worker");
    let Ok(version) = form.data.get("version").trim().parse::<i32>() else {
        return Err(AppError::BadRequest(
            "The form was missing the referral's version: open the list again".into(),
        ));
    };
    let actor = form.user.actor.clone();
    let (rid, tid, wid) = (id.clone(), team.clone(), worker.clone());
    let result = state
        .db(move |c| Ok(referrals::assign(c, &actor, &rid, &tid, &wid, version)))
        .await?;
    let (message, status) = match result {
        Ok(()) => {
            let back = if team.is_empty() {
                "/referrals?assigned=1".to_string()
            } else {
                format!("/referrals?team={team}&assigned=1")
            };
            return Ok(Redirect::to(&back).into_response());
        }
        Err(ServiceError::Conflict(m)) => (m, StatusCode::CONFLICT),
        Err(ServiceError::Invalid(e)) => (
            e.iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join(". "),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    let problem = RowProblem {
        referral_id: id,
        worker,
        message,
    };
    render_list(
        &state,
        &form.user,
        team,
        Some(problem),
        String::new(),
        status,
    )
    .await
}

#[derive(askama::Template)]
#[template(path = "pages/referral.html")]
pub struct ReferralPage {
    pub layout: Layout,
    pub r: ReferralLine,
    pub team_id: String,
    pub team_name: String,
    pub assigned_at: String,
    pub decision_id: String,
    pub previous_referral_id: String,
    pub closed: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let (row, team_name) = state
        .db(move |c| {
            let row = referrals::view(c, &actor, &id)?;
            let team = cairn_db::organisation::find_team(c, &row.referral.team_id)?
                .map(|t| t.name)
                .unwrap_or_default();
            Ok((row, team))
        })
        .await?;
    let r = &row.referral;
    let page = ReferralPage {
        layout: user.layout(format!("Referral of {}", row.child.display_name), SECTION),
        team_id: r.team_id.clone(),
        team_name,
        assigned_at: r.assigned_at.map(uk_time).unwrap_or_default(),
        decision_id: r.decision_id.clone().unwrap_or_default(),
        previous_referral_id: r.previous_referral_id.clone().unwrap_or_default(),
        closed: match (r.closed_on, &r.closure_reason) {
            (Some(d), Some(reason)) => format!("{} ({reason})", format_long(d)),
            (Some(d), None) => format_long(d),
            _ => String::new(),
        },
        r: line(&row),
    };
    Ok(render_with(StatusCode::OK, &page))
}
