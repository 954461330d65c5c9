//! Administering staff accounts, offices and teams.

use cairn_db::organisation::{self, OfficeRow, TeamSummary};
use cairn_db::users::{self, NewUserRow, UserProfileUpdate, UserRow};
use cairn_db::{DbConn, sessions};
use cairn_domain::caseloads::Service;
use cairn_domain::ids::{OfficeId, TeamId, UserId};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use cairn_domain::validation::{FieldErrors, clean_text};
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::actor::Actor;
use crate::audit_trail::{self, Record, diff};
use crate::auth::normalise_username;
use crate::error::{ServiceError, ServiceResult};
use crate::passwords;
use crate::tx;

/// What an administrator types to create or edit an account (all as typed).
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AccountForm {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub team_id: String,
    /// Required for inspectors: the last day their access works (YYYY-MM-DD).
    pub access_expires_on: String,
    pub active: String,
}

pub struct ValidAccount {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<String>,
    pub access_expires_on: Option<NaiveDate>,
}

impl AccountForm {
    pub fn validate(&self, conn: &mut DbConn, today: NaiveDate) -> ServiceResult<ValidAccount> {
        let mut errors = FieldErrors::default();
        let username = normalise_username(&self.username);
        if username.is_empty() {
            errors.push("username", "Enter a username");
        } else if username.len() > 64
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            errors.push(
                "username",
                "Username must be 64 characters or fewer and use only letters, numbers, dots, hyphens and underscores",
            );
        }
        let display_name = clean_text(
            "display_name",
            "Full name",
            &self.display_name,
            100,
            true,
            &mut errors,
        );
        let email = clean_text(
            "email",
            "Email address",
            &self.email,
            254,
            true,
            &mut errors,
        );
        if let Some(e) = &email
            && (!e.contains('@')
                || e.starts_with('@')
                || e.ends_with('@')
                || e.contains(char::is_whitespace))
        {
            errors.push(
                "email",
                "Enter an email address in the correct format, like name@example.gov.uk",
            );
        }
        let role = Role::from_code(self.role.trim());
        if role.is_none() {
            errors.push("role", "Select a role");
        }
        let team_id = match self.team_id.trim() {
            "" => None,
            t => match TeamId::parse(t) {
                Ok(id) if organisation::find_team(conn, &id.to_string())?.is_some() => {
                    Some(id.to_string())
                }
                _ => {
                    errors.push("team_id", "Select a team from the list");
                    None
                }
            },
        };
        let access_expires_on = match self.access_expires_on.trim() {
            "" => None,
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) if date < today => {
                    errors.push(
                        "access_expires_on",
                        "Access end date must be today or in the future",
                    );
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push(
                        "access_expires_on",
                        "Access end date must be a real date, like 2027-03-31",
                    );
                    None
                }
            },
        };
        if role == Some(Role::Inspector)
            && access_expires_on.is_none()
            && errors.for_field("access_expires_on").is_none()
        {
            errors.push(
                "access_expires_on",
                "Enter the date an inspector's access ends",
            );
        }
        match (role, display_name, email) {
            (Some(role), Some(display_name), Some(email)) if errors.is_empty() => {
                Ok(ValidAccount {
                    username,
                    display_name,
                    email,
                    role,
                    team_id,
                    access_expires_on,
                })
            }
            _ => Err(ServiceError::Invalid(errors)),
        }
    }
}

fn account_json(u: &ValidAccount, active: bool) -> Value {
    json!({
        "username": u.username, "display_name": u.display_name, "email": u.email,
        "role": u.role.code(), "team_id": u.team_id, "active": active,
        "access_expires_on": u.access_expires_on.map(|d| d.to_string()),
    })
}

fn row_json(u: &UserRow) -> Value {
    json!({
        "username": u.username, "display_name": u.display_name, "email": u.email,
        "role": u.role, "team_id": u.team_id, "active": u.active,
        "access_expires_on": u.access_expires_on.map(|d| d.to_string()),
    })
}

pub struct CreatedAccount {
    pub user_id: String,
    pub temporary_password: String,
}

/// Creates an account with a temporary password the user must change at first sign-in.
/// `password` may be given by the command line; otherwise one is generated.
pub fn create_account(
    conn: &mut DbConn,
    actor: &Actor,
    form: &AccountForm,
    password: Option<&str>,
) -> ServiceResult<CreatedAccount> {
    tx::require(conn, actor, Action::ManageUsers)?;
    let valid = form.validate(conn, cairn_db::now().date())?;
    let password = match password {
        Some(p) => {
            if let Some(problem) = passwords::policy_problem(p, &valid.username) {
                return Err(ServiceError::invalid("password", problem));
            }
            p.to_string()
        }
        None => passwords::generate_temporary(),
    };
    let hashed = passwords::hash(&password).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let id = UserId::new().to_string();
    tx::write(conn, actor, |c| {
        if users::find_by_username(c, &valid.username)?.is_some() {
            return Err(ServiceError::invalid(
                "username",
                "That username is already taken",
            ));
        }
        let now = cairn_db::now();
        users::insert(
            c,
            &NewUserRow {
                id: &id,
                username: &valid.username,
                display_name: &valid.display_name,
                email: &valid.email,
                role: valid.role.code(),
                team_id: valid.team_id.as_deref(),
                password_hash: &hashed,
                must_change_password: true,
                active: true,
                access_expires_on: valid.access_expires_on,
                failed_login_count: 0,
                password_changed_at: now,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
        let changes = diff(&json!({}), &account_json(&valid, true));
        audit_trail::write(
            c,
            actor,
            Record::ok("user.create").on("user", &id).changes(&changes),
        )?;
        Ok(())
    })?;
    Ok(CreatedAccount {
        user_id: id,
        temporary_password: password,
    })
}

pub fn update_account(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    expected_version: i32,
    form: &AccountForm,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageUsers)?;
    let valid = form.validate(conn, cairn_db::now().date())?;
    let active = form.active != "no";
    tx::write(conn, actor, |c| {
        let before = users::find(c, user_id)?.ok_or(ServiceError::NotFound("The account"))?;
        if actor.user_id_string().as_deref() == Some(user_id)
            && (!active || valid.role != Role::Administrator)
        {
            return Err(ServiceError::invalid(
                "role",
                "You cannot remove your own administrator access or disable your own account",
            ));
        }
        let saved = users::update_profile(
            c,
            user_id,
            expected_version,
            &UserProfileUpdate {
                display_name: &valid.display_name,
                email: &valid.email,
                role: valid.role.code(),
                team_id: valid.team_id.as_deref(),
                active,
                access_expires_on: valid.access_expires_on,
            },
        )?;
        if !saved {
            return Err(ServiceError::Conflict(
                "Someone else changed this account while you were editing it. Your changes have not been saved; check the account and make them again.".into(),
            ));
        }
        if !active {
            sessions::end_all_for_user(c, user_id, "account disabled")?;
        }
        let mut after = account_json(&valid, active);
        after["username"] = json!(before.username);
        let changes = diff(&row_json(&before), &after);
        audit_trail::write(
            c,
            actor,
            Record::ok("user.update")
                .on("user", user_id)
                .changes(&changes),
        )?;
        Ok(())
    })
}

pub fn set_active(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    active: bool,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageUsers)?;
    tx::write(conn, actor, |c| {
        let user = users::find_by_username(c, &normalise_username(username))?
            .ok_or(ServiceError::NotFound("The account"))?;
        // As on the edit form: nobody signed in disables their own account. The command line
        // has no user id, so the operator there may disable anyone.
        if !active && actor.user_id_string().as_deref() == Some(user.id.as_str()) {
            return Err(ServiceError::invalid(
                "username",
                "You cannot disable your own account",
            ));
        }
        users::set_active(c, &user.id, active)?;
        if !active {
            sessions::end_all_for_user(c, &user.id, "account disabled")?;
        }
        let action = if active {
            "user.enable"
        } else {
            "user.disable"
        };
        let changes = diff(&json!({"active": user.active}), &json!({"active": active}));
        audit_trail::write(
            c,
            actor,
            Record::ok(action).on("user", &user.id).changes(&changes),
        )?;
        Ok(())
    })
}

/// Sets a new temporary password (generated unless given) and ends the user's sessions.
pub fn reset_password(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    password: Option<&str>,
) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageUsers)?;
    let username = normalise_username(username);
    let password = match password {
        Some(p) => {
            if let Some(problem) = passwords::policy_problem(p, &username) {
                return Err(ServiceError::invalid("password", problem));
            }
            p.to_string()
        }
        None => passwords::generate_temporary(),
    };
    let hashed = passwords::hash(&password).map_err(|e| ServiceError::Internal(e.to_string()))?;
    tx::write(conn, actor, |c| {
        let user =
            users::find_by_username(c, &username)?.ok_or(ServiceError::NotFound("The account"))?;
        users::set_password(c, &user.id, &hashed, true)?;
        let ended = sessions::end_all_for_user(c, &user.id, "password reset")?;
        audit_trail::write(
            c,
            actor,
            Record::ok("user.password_reset")
                .on("user", &user.id)
                .detail(json!({ "sessions_ended": ended })),
        )?;
        Ok(())
    })?;
    Ok(password)
}

pub fn list_accounts(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<UserRow>> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageUsers)?;
        Ok(users::list(c)?)
    })
}

pub fn get_account(conn: &mut DbConn, actor: &Actor, user_id: &str) -> ServiceResult<UserRow> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageUsers)?;
        users::find(c, user_id)?.ok_or(ServiceError::NotFound("The account"))
    })
}

pub fn list_teams(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<TeamSummary>> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageTeams)?;
        Ok(organisation::list_teams(c)?)
    })
}

/// Teams for choosing in a form (no permission needed beyond using the form that shows them).
pub fn team_choices(conn: &mut DbConn) -> ServiceResult<Vec<TeamSummary>> {
    Ok(organisation::list_teams(conn)?)
}

pub fn list_offices(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<OfficeRow>> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageTeams)?;
        Ok(organisation::list_offices(c)?)
    })
}

pub fn create_office(conn: &mut DbConn, actor: &Actor, name: &str) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageTeams)?;
    let mut errors = FieldErrors::default();
    let name = clean_text(
        "office_name",
        "Office or service name",
        name,
        100,
        true,
        &mut errors,
    );
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let id = OfficeId::new().to_string();
    tx::write(conn, actor, |c| {
        if organisation::list_offices(c)?
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&name))
        {
            return Err(ServiceError::invalid(
                "office_name",
                "An office or service with that name already exists",
            ));
        }
        organisation::insert_office(c, &id, &name)?;
        audit_trail::write(
            c,
            actor,
            Record::ok("office.create")
                .on("office", &id)
                .detail(json!({"name": name})),
        )?;
        Ok(id.clone())
    })
}

#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TeamForm {
    pub name: String,
    pub office_id: String,
    pub active: String,
}

fn validate_team(conn: &mut DbConn, form: &TeamForm) -> ServiceResult<(String, String)> {
    let mut errors = FieldErrors::default();
    let name = clean_text("name", "Team name", &form.name, 100, true, &mut errors);
    let office = match OfficeId::parse(form.office_id.trim()) {
        Ok(id) if organisation::find_office(conn, &id.to_string())?.is_some() => {
            Some(id.to_string())
        }
        _ => {
            errors.push(
                "office_id",
                "Select the office or service the team belongs to",
            );
            None
        }
    };
    match (name, office) {
        (Some(n), Some(o)) if errors.is_empty() => Ok((n, o)),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

pub fn create_team(conn: &mut DbConn, actor: &Actor, form: &TeamForm) -> ServiceResult<String> {
    create_team_in_service(conn, actor, form, "")
}

/// The service chosen on a team form: a `Service` code; empty means the default (children in
/// need), which every team had before services were recorded.
fn team_service(service: &str) -> ServiceResult<Service> {
    let service = service.trim();
    if service.is_empty() {
        return Ok(Service::ChildrenInNeed);
    }
    Service::from_code(service)
        .ok_or_else(|| ServiceError::invalid("service", "Select the service the team belongs to"))
}

/// Both results, or every field error of either.
fn both<A, B>(a: ServiceResult<A>, b: ServiceResult<B>) -> ServiceResult<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(ServiceError::Invalid(mut errors)), Err(ServiceError::Invalid(more))) => {
            for f in more.iter() {
                errors.push(f.field.clone(), f.message.clone());
            }
            Err(ServiceError::Invalid(errors))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// Adds a team in a service (whose safe working levels apply to its workers).
pub fn create_team_in_service(
    conn: &mut DbConn,
    actor: &Actor,
    form: &TeamForm,
    service: &str,
) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageTeams)?;
    let ((name, office_id), service) = both(validate_team(conn, form), team_service(service))?;
    let id = TeamId::new().to_string();
    tx::write(conn, actor, |c| {
        organisation::insert_team(c, &id, &office_id, &name).map_err(|e| {
            if e.is_unique_violation() {
                ServiceError::invalid("name", "That office already has a team with this name")
            } else {
                e.into()
            }
        })?;
        organisation::set_team_service(c, &id, service.code())?;
        audit_trail::write(
            c,
            actor,
            Record::ok("team.create")
                .on("team", &id)
                .detail(json!({"name": name, "office_id": office_id, "service": service.code()})),
        )?;
        Ok(id.clone())
    })
}

pub fn update_team(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: &str,
    form: &TeamForm,
) -> ServiceResult<()> {
    update_team_in_service(conn, actor, team_id, form, None)
}

/// Changes a team, and its service when one is given. A new service brings other safe working
/// levels, so the team's and its workers' alerts are looked at again.
pub fn update_team_in_service(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: &str,
    form: &TeamForm,
    service: Option<&str>,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageTeams)?;
    let ((name, office_id), service) = both(
        validate_team(conn, form),
        service.map(team_service).transpose(),
    )?;
    let active = form.active != "no";
    tx::write(conn, actor, |c| {
        let before =
            organisation::find_team(c, team_id)?.ok_or(ServiceError::NotFound("The team"))?;
        organisation::update_team(c, team_id, &office_id, &name, active).map_err(|e| {
            if e.is_unique_violation() {
                ServiceError::invalid("name", "That office already has a team with this name")
            } else {
                e.into()
            }
        })?;
        let service_code = service.map_or(before.service.clone(), |s| s.code().to_string());
        if service_code != before.service {
            organisation::set_team_service(c, team_id, &service_code)?;
        }
        let changes = diff(
            &json!({"name": before.name, "office_id": before.office_id, "active": before.active, "service": before.service}),
            &json!({"name": name, "office_id": office_id, "active": active, "service": service_code}),
        );
        audit_trail::write(
            c,
            actor,
            Record::ok("team.update")
                .on("team", team_id)
                .changes(&changes),
        )?;
        if service_code != before.service {
            let members: Vec<String> = cairn_db::caseloads::load::workers(
                c,
                cairn_db::caseloads::load::Workers::Team(team_id),
            )?
            .into_iter()
            .map(|w| w.user_id)
            .collect();
            crate::caseloads::alerts::reevaluate(
                c,
                actor,
                &crate::caseloads::alerts::Affected {
                    workers: members,
                    teams: vec![team_id.to_string()],
                },
                "service changed",
                crate::casework::today(),
            )?;
        }
        Ok(())
    })
}

pub fn get_team(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: &str,
) -> ServiceResult<cairn_db::organisation::TeamRow> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageTeams)?;
        organisation::find_team(c, team_id)?.ok_or(ServiceError::NotFound("The team"))
    })
}
