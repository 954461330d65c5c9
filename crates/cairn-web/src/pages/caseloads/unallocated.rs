//! Unallocated work per team, with waiting time and risk, allocating from the list
//! (`GET /unallocated?team=`).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use cairn_core::caseloads::unallocated::{self, WaitingChild};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;

use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::casework::common::query_of;
use crate::pages::uk_time::today_in_england;
use crate::session::{CurrentUser, render_with};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/unallocated", get(list))
}

/// One child waiting, as the list shows them.
#[derive(Clone, Debug)]
pub struct WaitingRow {
    pub child_id: String,
    pub child_name: String,
    pub team: String,
    pub referral_date: String,
    pub waiting_since: String,
    pub working_days: i64,
    pub risk: String,
    pub risk_class: &'static str,
    pub escalated: bool,
    pub allocate_href: String,
}

fn risk_class(rag: Option<&str>) -> &'static str {
    match rag {
        Some("red") => "govuk-tag--red",
        Some("amber") => "govuk-tag--yellow",
        Some("green") => "govuk-tag--green",
        _ => "govuk-tag--grey",
    }
}

fn row(w: &WaitingChild) -> WaitingRow {
    WaitingRow {
        child_id: w.child.id.clone(),
        child_name: w.child.display_name.clone(),
        team: w.team_name.clone(),
        referral_date: format_long(w.referral_date),
        waiting_since: format_long(w.waiting_since),
        working_days: w.working_days,
        risk: w.risk.clone(),
        risk_class: risk_class(w.rag.as_deref()),
        escalated: w.escalated,
        allocate_href: format!(
            "/people/{}/allocate?work=case&team={}",
            w.child.id, w.team_id
        ),
    }
}

#[derive(askama::Template)]
#[template(path = "pages/caseloads/unallocated/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub team: String,
    pub team_name: String,
    pub teams: Vec<(String, String)>,
    pub rows: Vec<WaitingRow>,
    pub escalate_after: u32,
    pub can_allocate: bool,
}

/// `GET /unallocated`: the children waiting for a worker, oldest first.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = query_of(q);
    let team = query.string("team");
    let (actor, t) = (user.actor.clone(), team.clone());
    let today = today_in_england();
    let list = state
        .db(move |c| {
            Ok(unallocated::list(
                c,
                &actor,
                Some(t.as_str()).filter(|t| !t.is_empty()),
                today,
            )?)
        })
        .await?;
    let page = ListPage {
        layout: user.layout("Unallocated work", "unallocated"),
        team: list.team_id.clone().unwrap_or_default(),
        team_name: list
            .team_name
            .clone()
            .unwrap_or_else(|| "Every team".into()),
        teams: list.teams.clone(),
        rows: list.children.iter().map(row).collect(),
        escalate_after: list.escalate_after_working_days,
        can_allocate: user.actor.may(Action::AllocateWork),
    };
    Ok(render_with(StatusCode::OK, &page))
}
