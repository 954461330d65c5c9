//! Staff accounts: list, add (with a temporary password shown once), change, reset password.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::accounts::{self, AccountForm};
use cairn_db::organisation::TeamSummary;
use cairn_db::users::UserRow;
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;

use super::{Answer, Tag, answer, date_time, gate, path_id, short_date, yes_no};
use crate::error::AppError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{CurrentUser, VerifiedForm, render_with};
use crate::state::AppState;

pub struct UserListRow {
    pub id: String,
    pub name: String,
    pub username: String,
    pub role: String,
    pub team: String,
    pub tags: Vec<Tag>,
    pub last_sign_in: String,
}

#[derive(askama::Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub rows: Vec<UserListRow>,
    /// Set after an account was saved: "The account for … has been saved."
    pub notice: String,
}

fn role_label(code: &str) -> String {
    Role::from_code(code)
        .map(|r| r.label().to_string())
        .unwrap_or_else(|| code.to_string())
}

fn team_name(teams: &[TeamSummary], id: Option<&str>) -> String {
    id.and_then(|id| teams.iter().find(|t| t.team.id == id))
        .map(|t| format!("{} ({})", t.team.name, t.office_name))
        .unwrap_or_default()
}

/// Active or disabled, locked, access end date, temporary password.
pub fn status_tags(u: &UserRow, now: chrono::NaiveDateTime) -> Vec<Tag> {
    let mut tags = Vec::new();
    if u.active {
        tags.push(Tag::new("Active", "govuk-tag--green"));
    } else {
        tags.push(Tag::new("Disabled", "govuk-tag--grey"));
    }
    if let Some(until) = u.locked_until.filter(|t| *t > now) {
        tags.push(Tag::new(
            format!("Locked until {}", until.format("%H:%M")),
            "govuk-tag--red",
        ));
    }
    if let Some(d) = u.access_expires_on {
        if d < now.date() {
            tags.push(Tag::new(
                format!("Access ended {}", short_date(Some(d))),
                "govuk-tag--red",
            ));
        } else {
            tags.push(Tag::new(
                format!("Access ends {}", short_date(Some(d))),
                "govuk-tag--yellow",
            ));
        }
    }
    if u.must_change_password {
        tags.push(Tag::new("Temporary password", "govuk-tag--blue"));
    }
    tags
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let actor = user.actor.clone();
    let (accounts, teams) = state
        .db(move |c| {
            let accounts = accounts::list_accounts(c, &actor)?;
            let teams = accounts::team_choices(c)?;
            Ok((accounts, teams))
        })
        .await?;
    let now = cairn_db::now();
    let saved = query.get("saved");
    let notice = accounts
        .iter()
        .find(|u| !saved.is_empty() && u.id == saved)
        .map(|u| format!("The account for {} has been saved.", u.display_name))
        .unwrap_or_default();
    let rows = accounts
        .iter()
        .map(|u| UserListRow {
            id: u.id.clone(),
            name: u.display_name.clone(),
            username: u.username.clone(),
            role: role_label(&u.role),
            team: team_name(&teams, u.team_id.as_deref()),
            tags: status_tags(u, now),
            last_sign_in: u
                .last_login_at
                .map(date_time)
                .unwrap_or_else(|| "Never".into()),
        })
        .collect();
    let page = UsersPage {
        layout: user.layout("Users", "users"),
        rows,
        notice,
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// The account being changed, for the edit form.
pub struct Editing {
    pub id: String,
    pub username: String,
    pub version: i32,
    pub last_sign_in: String,
    pub tags: Vec<Tag>,
}

#[derive(askama::Template)]
#[template(path = "admin/user_form.html")]
pub struct UserFormPage {
    pub layout: Layout,
    pub errors: Errors,
    pub form: AccountForm,
    pub roles: Vec<(String, String)>,
    pub teams: Vec<(String, String)>,
    pub active_options: Vec<(String, String)>,
    pub editing: Option<Editing>,
    /// Someone else saved the account first: what happened, and what is saved now.
    pub conflict: String,
    pub saved_now: Vec<(String, String)>,
}

impl UserFormPage {
    fn new(
        user: &CurrentUser,
        title: &str,
        errors: Errors,
        form: AccountForm,
        teams: &[TeamSummary],
    ) -> UserFormPage {
        UserFormPage {
            layout: user.layout(format!("{}{title}", errors.title_prefix()), "users"),
            errors,
            form,
            roles: Role::ALL
                .iter()
                .map(|r| (r.code().to_string(), r.label().to_string()))
                .collect(),
            teams: team_options(teams),
            active_options: yes_no(),
            editing: None,
            conflict: String::new(),
            saved_now: Vec::new(),
        }
    }

    pub fn action(&self) -> String {
        match &self.editing {
            Some(e) => format!("/admin/users/{}", e.id),
            None => "/admin/users/new".into(),
        }
    }
}

fn team_options(teams: &[TeamSummary]) -> Vec<(String, String)> {
    teams
        .iter()
        .filter(|t| t.team.active)
        .map(|t| {
            (
                t.team.id.clone(),
                format!("{} ({})", t.team.name, t.office_name),
            )
        })
        .collect()
}

fn form_from(data: &FormData) -> AccountForm {
    AccountForm {
        username: data.string("username"),
        display_name: data.string("display_name"),
        email: data.string("email"),
        role: data.string("role"),
        team_id: data.string("team_id"),
        access_expires_on: data.string("access_expires_on"),
        active: data.string("active"),
    }
}

fn form_of(u: &UserRow) -> AccountForm {
    AccountForm {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        email: u.email.clone(),
        role: u.role.clone(),
        team_id: u.team_id.clone().unwrap_or_default(),
        access_expires_on: u
            .access_expires_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        active: if u.active { "yes" } else { "no" }.into(),
    }
}

fn editing(u: &UserRow) -> Editing {
    Editing {
        id: u.id.clone(),
        username: u.username.clone(),
        version: u.version,
        last_sign_in: u
            .last_login_at
            .map(date_time)
            .unwrap_or_else(|| "Never".into()),
        tags: status_tags(u, cairn_db::now()),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    let teams = state
        .db(move |c| {
            gate(c, &actor, Action::ManageUsers)?;
            Ok(accounts::team_choices(c)?)
        })
        .await?;
    let page = UserFormPage::new(
        &user,
        "Add a user",
        Errors::default(),
        AccountForm::default(),
        &teams,
    );
    Ok(render_with(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "admin/password_shown.html")]
pub struct PasswordShownPage {
    pub layout: Layout,
    pub heading: String,
    pub user_id: String,
    pub display_name: String,
    pub username: String,
    pub password: String,
}

pub async fn create(
    State(state): State<AppState>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let actor = form.user.actor.clone();
    let typed = form_from(&form.data);
    let submitted = typed.clone();
    let (result, teams) = state
        .db(move |c| {
            gate(c, &actor, Action::ManageUsers)?;
            let result = answer(accounts::create_account(c, &actor, &submitted, None))?;
            Ok((result, accounts::team_choices(c)?))
        })
        .await?;
    match result {
        Answer::Done(created) => {
            let page = PasswordShownPage {
                layout: form.user.layout("User added", "users"),
                heading: "User added".into(),
                user_id: created.user_id,
                display_name: typed.display_name.trim().to_string(),
                username: cairn_core::auth::normalise_username(&typed.username),
                password: created.temporary_password,
            };
            Ok(render_with(StatusCode::OK, &page))
        }
        Answer::Invalid(errors) => {
            let page = UserFormPage::new(
                &form.user,
                "Add a user",
                Errors::from_fields(&errors),
                typed,
                &teams,
            );
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(message) => {
            let mut page =
                UserFormPage::new(&form.user, "Add a user", Errors::default(), typed, &teams);
            page.conflict = message;
            Ok(render_with(StatusCode::CONFLICT, &page))
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = user.actor.clone();
    let (account, teams) = state
        .db(move |c| {
            let account = accounts::get_account(c, &actor, &id)?;
            Ok((account, accounts::team_choices(c)?))
        })
        .await?;
    let title = format!("Change {}", account.username);
    let mut page = UserFormPage::new(&user, &title, Errors::default(), form_of(&account), &teams);
    page.editing = Some(editing(&account));
    Ok(render_with(StatusCode::OK, &page))
}

fn saved_values(u: &UserRow, teams: &[TeamSummary]) -> Vec<(String, String)> {
    vec![
        ("Full name".into(), u.display_name.clone()),
        ("Email address".into(), u.email.clone()),
        ("Role".into(), role_label(&u.role)),
        ("Team".into(), team_name(teams, u.team_id.as_deref())),
        (
            "Access end date".into(),
            u.access_expires_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("Active".into(), if u.active { "Yes" } else { "No" }.into()),
    ]
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let Ok(version) = form.data.get("version").trim().parse::<i32>() else {
        return Err(AppError::BadRequest("The form was missing the account's version. Open the account again and make your changes.".into()));
    };
    let actor = form.user.actor.clone();
    let mut typed = form_from(&form.data);
    let user_id = id.clone();
    let (before, result, teams, typed) = state
        .db(move |c| {
            let before = accounts::get_account(c, &actor, &user_id)?;
            // Usernames do not change: the form does not offer it.
            typed.username = before.username.clone();
            let result = answer(accounts::update_account(
                c, &actor, &user_id, version, &typed,
            ))?;
            Ok((before, result, accounts::team_choices(c)?, typed))
        })
        .await?;
    let title = format!("Change {}", before.username);
    match result {
        Answer::Done(()) => Ok(Redirect::to(&format!("/admin/users?saved={id}")).into_response()),
        Answer::Invalid(errors) => {
            let mut page = UserFormPage::new(
                &form.user,
                &title,
                Errors::from_fields(&errors),
                typed,
                &teams,
            );
            let mut e = editing(&before);
            // Keep the version the user started from, so a save still detects other changes.
            e.version = version;
            page.editing = Some(e);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Answer::Conflict(message) => {
            let mut page = UserFormPage::new(&form.user, &title, Errors::default(), typed, &teams);
            page.layout.title = format!("Error: {title}");
            page.conflict = message;
            page.saved_now = saved_values(&before, &teams);
            // The form now carries the latest version: saving again overwrites on purpose.
            page.editing = Some(editing(&before));
            Ok(render_with(StatusCode::CONFLICT, &page))
        }
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let actor = form.user.actor.clone();
    let (account, password) = state
        .db(move |c| {
            let account = accounts::get_account(c, &actor, &id)?;
            let password = accounts::reset_password(c, &actor, &account.username, None)?;
            Ok((account, password))
        })
        .await?;
    let page = PasswordShownPage {
        layout: form.user.layout("Password reset", "users"),
        heading: "Password reset".into(),
        user_id: account.id,
        display_name: account.display_name,
        username: account.username,
        password,
    };
    Ok(render_with(StatusCode::OK, &page))
}

/// Label for a role code, for pages that list accounts.
pub fn role_label_of(code: &str) -> String {
    role_label(code)
}

/// user id → "Name (username)", for pages that show who owns something.
pub fn names_by_id(users: &[UserRow]) -> HashMap<String, String> {
    users
        .iter()
        .map(|u| (u.id.clone(), format!("{} ({})", u.display_name, u.username)))
        .collect()
}
