//! API tokens for partner systems and scripts: hashed, scoped, expiring.

use cairn_db::tokens::{self, ApiTokenRow, NewApiTokenRow};
use cairn_db::{DbConn, users};
use cairn_domain::ids::{ApiTokenId, TeamId, UserId};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use cairn_domain::validation::{FieldErrors, clean_text};
use chrono::Duration;
use serde_json::json;

use crate::actor::{Actor, Channel};
use crate::audit_trail::{self, Record};
use crate::auth::{hash_secret, random_token};
use crate::error::{ServiceError, ServiceResult};
use crate::tx;

pub const SCOPES: &[(&str, &str)] = &[
    ("people:read", "Search and read people's records"),
    ("people:write", "Create and change people's records"),
    (
        "contacts:read",
        "Read contacts, the screening queue and referrals",
    ),
    (
        "contacts:write",
        "Record contacts, claim and screen them, and record decisions",
    ),
    (
        "casework:read",
        "Read assessments, enquiries, conferences, plans, visits, closures and work due",
    ),
    (
        "casework:write",
        "Record and authorise assessments, enquiries, conferences, plans, visits and closures",
    ),
    (
        "workload:read",
        "Read allocations, workers' loads, unallocated work and the caseload figures",
    ),
    ("workload:write", "Allocate and reallocate work"),
];

/// Tokens start with this so that a leaked one is easy to recognise in logs and scanners.
pub const TOKEN_PREFIX: &str = "cairn_";

#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub days: String,
}

pub struct CreatedToken {
    pub id: String,
    /// Shown once; only its hash is kept.
    pub secret: String,
}

pub fn create(conn: &mut DbConn, actor: &Actor, form: &TokenForm) -> ServiceResult<CreatedToken> {
    tx::require(conn, actor, Action::ManageApiTokens)?;
    let mut errors = FieldErrors::default();
    let name = clean_text("name", "Token name", &form.name, 100, true, &mut errors);
    let user = match UserId::parse(form.user_id.trim()) {
        Ok(id) => users::find(conn, &id.to_string())?.filter(|u| u.active),
        Err(_) => None,
    };
    if user.is_none() {
        errors.push("user_id", "Select the active account the token acts as");
    } else if user.as_ref().is_some_and(|u| {
        !Role::from_code(&u.role).is_some_and(|r| cairn_domain::policy::permits(r, Action::UseApi))
    }) {
        errors.push("user_id", "That account's role may not use the API");
    }
    if form.scopes.is_empty()
        || !form
            .scopes
            .iter()
            .all(|s| SCOPES.iter().any(|(k, _)| k == s))
    {
        errors.push("scopes", "Select at least one permission");
    }
    let days: i64 = match form.days.trim().parse() {
        Ok(d) if (1..=365).contains(&d) => d,
        _ => {
            errors.push("days", "Enter how many days the token lasts, from 1 to 365");
            0
        }
    };
    let (Some(name), Some(user)) = (name, user) else {
        return Err(ServiceError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let id = ApiTokenId::new().to_string();
    let scopes = form.scopes.join(" ");
    // The column refers to a user; a token made at the command line is attributed to the
    // account it acts as (the audit row records that the command line made it).
    let created_by = actor.user_id_string().unwrap_or_else(|| user.id.clone());
    tx::write(conn, actor, |c| {
        let now = cairn_db::now();
        tokens::insert(
            c,
            &NewApiTokenRow {
                id: &id,
                user_id: &user.id,
                name: &name,
                token_prefix: &secret[..TOKEN_PREFIX.len() + 6],
                token_hash: &hash_secret(&secret),
                scopes: &scopes,
                expires_at: now + Duration::days(days),
                created_at: now,
                created_by: &created_by,
            },
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("api_token.create")
                .on("api_token", &id)
                .detail(json!({"name": name, "user_id": user.id, "scopes": scopes, "days": days})),
        )?;
        Ok(())
    })?;
    Ok(CreatedToken { id, secret })
}

pub fn list(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<ApiTokenRow>> {
    tx::read(conn, actor, |c| {
        actor.require(Action::ManageApiTokens)?;
        Ok(tokens::list(c)?)
    })
}

pub fn revoke(conn: &mut DbConn, actor: &Actor, token_id: &str) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageApiTokens)?;
    tx::write(conn, actor, |c| {
        if tokens::revoke(c, token_id)? == 0 {
            return Err(ServiceError::NotFound("An unrevoked token with that id"));
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("api_token.revoke").on("api_token", token_id),
        )?;
        Ok(())
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenRefusal {
    Unknown,
    Expired,
    Revoked,
    AccountClosed,
    /// The account's role may not use the API at all.
    NotPermitted,
}

/// Resolves a bearer token to the actor it acts as. Failures are audited.
pub fn authenticate(
    conn: &mut DbConn,
    secret: &str,
    request_id: Option<&str>,
) -> ServiceResult<Result<Actor, TokenRefusal>> {
    let found = if secret.contains('\0') {
        None
    } else {
        tokens::find_by_hash(conn, &hash_secret(secret))?
    };
    let now = cairn_db::now();
    let refusal = match &found {
        None => Some(TokenRefusal::Unknown),
        Some((t, _)) if t.revoked_at.is_some() => Some(TokenRefusal::Revoked),
        Some((t, _)) if t.expires_at < now => Some(TokenRefusal::Expired),
        Some((_, u)) if !u.active || u.access_expires_on.is_some_and(|d| now.date() > d) => {
            Some(TokenRefusal::AccountClosed)
        }
        Some((_, u))
            if !Role::from_code(&u.role)
                .is_some_and(|r| cairn_domain::policy::permits(r, Action::UseApi)) =>
        {
            Some(TokenRefusal::NotPermitted)
        }
        _ => None,
    };
    let actor = match &found {
        Some((t, u)) => Actor {
            user_id: UserId::parse(&u.id).ok(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: Role::from_code(&u.role).unwrap_or(Role::Inspector),
            team_id: u.team_id.as_deref().and_then(|x| TeamId::parse(x).ok()),
            session_id: Some(format!("token:{}", t.id)),
            request_id: request_id.map(str::to_string),
            channel: Channel::Api,
            scopes: t.scopes.split_whitespace().map(str::to_string).collect(),
        },
        None => Actor {
            user_id: None,
            username: "unknown API token".into(),
            display_name: String::new(),
            role: Role::Inspector,
            team_id: None,
            session_id: None,
            request_id: request_id.map(str::to_string),
            channel: Channel::Api,
            scopes: Vec::new(),
        },
    };
    match refusal {
        Some(r) => {
            let reason = format!("{r:?}");
            conn.write(|c| {
                audit_trail::write(
                    c,
                    &actor,
                    Record::ok("api.authenticate")
                        .outcome(cairn_db::audit::Outcome::Failed)
                        .detail(json!({ "reason": reason })),
                )
            })?;
            Ok(Err(r))
        }
        None => {
            if let Some((t, _)) = &found
                && t.last_used_at.is_none_or(|l| (now - l).num_seconds() > 60)
            {
                tokens::touch(conn, &t.id)?;
            }
            Ok(Ok(actor))
        }
    }
}
