//! Offices (or services) and the teams in them.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::accounts::{self, TeamForm};
use cairn_db::organisation::{OfficeRow, TeamSummary};
use cairn_domain::caseloads::Service;
use cairn_domain::policy::Action;

use super::{Answer, answer, gate, path_id, yes_no};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

/// A team as the list shows it, with its service in words.
pub struct TeamLine {
    pub summary: TeamSummary,
    pub service: String,
}

pub struct OfficeLine {
    pub name: String,
    pub teams: usize,
}

#[derive(askama::Template)]
#[template(path = "admin/teams.html")]
pub struct TeamsPage {
    pub layout: Layout,
    pub errors: Errors,
    pub teams: Vec<TeamLine>,
    pub offices: Vec<OfficeLine>,
    pub office_options: Vec<(String, String)>,
    pub service_options: Vec<(String, String)>,
    /// What was typed into the "add a team" and "add an office" forms.
    pub team_name: String,
    pub team_office: String,
    pub team_service: String,
    pub office_name: String,
    pub notice: String,
}

impl TeamsPage {
    fn new(
        user: &CurrentUser,
        errors: Errors,
        teams: Vec<TeamSummary>,
        offices: &[OfficeRow],
    ) -> TeamsPage {
        let lines = offices
            .iter()
            .map(|o| OfficeLine {
                name: o.name.clone(),
                teams: teams.iter().filter(|t| t.team.office_id == o.id).count(),
            })
            .collect();
        TeamsPage {
            layout: user.layout(format!("{}Teams", errors.title_prefix()), "teams"),
            errors,
            teams: teams
                .into_iter()
                .map(|summary| TeamLine {
                    service: service_name(&summary.team.service),
                    summary,
                })
                .collect(),
            offices: lines,
            office_options: office_options(offices),
            service_options: service_options(),
            team_name: String::new(),
            team_office: String::new(),
            team_service: Service::ChildrenInNeed.code().to_string(),
            office_name: String::new(),
            notice: String::new(),
        }
    }
}

fn office_options(offices: &[OfficeRow]) -> Vec<(String, String)> {
    offices
        .iter()
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect()
}

/// Every service a team can belong to, for the select.
fn service_options() -> Vec<(String, String)> {
    Service::ALL
        .iter()
        .map(|s| (s.code().to_string(), s.label().to_string()))
        .collect()
}

/// A stored service code in words (the code itself if it is not one Cairn knows).
fn service_name(code: &str) -> String {
    Service::from_code(code).map_or_else(|| code.to_string(), |s| s.label().to_string())
}

fn notice_for(query: &FormData) -> String {
    match query.get("done") {
        "team" => "The team has been added.".into(),
        "office" => "The office or service has been added.".into(),
        "saved" => "The team has been saved.".into(),
        _ => String::new(),
    }
}

async fn load(
    state: &AppState,
    user: &CurrentUser,
) -> Result<(Vec<TeamSummary>, Vec<OfficeRow>), AppError> {
    let actor = user.actor.clone();
    state
        .db(move |c| {
            let teams = accounts::list_teams(c, &actor)?;
            let offices = accounts::list_offices(c, &actor)?;
            Ok((teams, offices))
        })
        .await
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let (teams, offices) = load(&state, &user).await?;
    let mut page = TeamsPage::new(&user, Errors::default(), teams, &offices);
    page.notice = notice_for(&query);
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn create_team(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    let typed = TeamForm {
        name: form.data.string("name"),
        office_id: form.data.string("office_id"),
        active: String::new(),
    };
    let service = form.data.string("service");
    let submitted = typed.clone();
    let submitted_service = service.clone();
    let result = state
        .db(move |c| {
            gate(c, &actor, Action::ManageTeams)?;
            answer(accounts::create_team_in_service(
                c,
                &actor,
                &submitted,
                &submitted_service,
            ))
        })
        .await?;
    let errors = match result {
        Answer::Done(_) => return Ok(Redirect::to("/admin/teams?done=team").into_response()),
        Answer::Invalid(e) => Errors::from_fields(&e),
        Answer::Conflict(m) => Errors::one("name", &m),
    };
    let (teams, offices) = load(&state, &form.user).await?;
    let mut page = TeamsPage::new(&form.user, errors, teams, &offices);
    page.team_name = typed.name;
    page.team_office = typed.office_id;
    page.team_service = service;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn create_office(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    let name = form.data.string("office_name");
    let submitted = name.clone();
    let result = state
        .db(move |c| {
            gate(c, &actor, Action::ManageTeams)?;
            answer(accounts::create_office(c, &actor, &submitted))
        })
        .await?;
    let errors = match result {
        Answer::Done(_) => return Ok(Redirect::to("/admin/teams?done=office").into_response()),
        Answer::Invalid(e) => Errors::from_fields(&e),
        Answer::Conflict(m) => Errors::one("office_name", &m),
    };
    let (teams, offices) = load(&state, &form.user).await?;
    let mut page = TeamsPage::new(&form.user, errors, teams, &offices);
    page.office_name = name;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(askama::Template)]
#[template(path = "admin/team_form.html")]
pub struct TeamFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub id: String,
    pub heading: String,
    pub form: TeamForm,
    pub service: String,
    pub offices: Vec<(String, String)>,
    pub service_options: Vec<(String, String)>,
    pub active_options: Vec<(String, String)>,
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let (team, offices) = state
        .db(move |c| {
            let team = accounts::get_team(c, &actor, &id)?;
            Ok((team, accounts::list_offices(c, &actor)?))
        })
        .await?;
    let page = TeamFormPage {
        layout: user.layout(format!("Change {}", team.name), "teams"),
        errors: Errors::default(),
        heading: team.name.clone(),
        form: TeamForm {
            name: team.name.clone(),
            office_id: team.office_id.clone(),
            active: if team.active { "yes" } else { "no" }.into(),
        },
        service: team.service.clone(),
        id: team.id,
        offices: office_options(&offices),
        service_options: service_options(),
        active_options: yes_no(),
    };
    Ok(render_with(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    let typed = TeamForm {
        name: form.data.string("name"),
        office_id: form.data.string("office_id"),
        active: form.data.string("active"),
    };
    let service = form.data.string("service");
    let submitted = typed.clone();
    let submitted_service = service.clone();
    let team_id = id.clone();
    let (team, result, offices) = state
        .db(move |c| {
            let team = accounts::get_team(c, &actor, &team_id)?;
            let result = answer(accounts::update_team_in_service(
                c,
                &actor,
                &team_id,
                &submitted,
                Some(&submitted_service),
            ))?;
            Ok((team, result, accounts::list_offices(c, &actor)?))
        })
        .await?;
    let errors = match result {
        Answer::Done(()) => return Ok(Redirect::to("/admin/teams?done=saved").into_response()),
        Answer::Invalid(e) => Errors::from_fields(&e),
        Answer::Conflict(m) => Errors::one("name", &m),
    };
    let page = TeamFormPage {
        layout: form.user.layout(
            format!("{}Change {}", errors.title_prefix(), team.name),
            "teams",
        ),
        errors,
        id,
        heading: team.name,
        form: typed,
        service,
        offices: office_options(&offices),
        service_options: service_options(),
        active_options: yes_no(),
    };
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
