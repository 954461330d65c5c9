//! Signing in and out, sessions, lock-out after repeated failures, and password changes.

use base64::Engine;
use cairn_db::audit::Outcome;
use cairn_db::users::UserRow;
use cairn_db::{DbConn, DbError, sessions, users};
use cairn_domain::ids::{TeamId, UserId};
use cairn_domain::roles::Role;
use cairn_domain::validation::FieldErrors;
use chrono::{Duration, NaiveDateTime};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::actor::{Actor, Channel};
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::passwords;
use crate::settings::Settings;

/// A random secret for a cookie or a token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Only hashes of secrets are stored, so a copy of the database opens no session.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn normalise_username(raw: &str) -> String {
    raw.trim().to_lowercase()
}

#[derive(Debug)]
pub struct SignedIn {
    /// The secret for the session cookie; never stored.
    pub token: String,
    pub session_id: String,
    pub csrf_token: String,
    pub user_id: String,
    pub must_change_password: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Wrong username or password (deliberately not saying which).
    BadCredentials,
    LockedOut {
        minutes: i64,
    },
    /// The account is disabled or its access has expired (said only after a correct password).
    AccountClosed,
}

fn actor_for_attempt(username: &str, user: Option<&UserRow>, request_id: Option<&str>) -> Actor {
    Actor {
        user_id: user.and_then(|u| UserId::parse(&u.id).ok()),
        // An attempted username is capped: it is typed by anyone and lands in the audit log.
        username: username
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect(),
        display_name: String::new(),
        role: user
            .and_then(|u| Role::from_code(&u.role))
            .unwrap_or(Role::Inspector),
        team_id: None,
        session_id: None,
        request_id: request_id.map(str::to_string),
        channel: Channel::Web,
        scopes: Vec::new(),
    }
}

/// Checks a username and password and opens a session. Every attempt is audited.
pub fn sign_in(
    conn: &mut DbConn,
    settings: &Settings,
    username: &str,
    password: &str,
    request_id: Option<&str>,
) -> ServiceResult<Result<SignedIn, SignInRefusal>> {
    let username = normalise_username(username);
    // The slow password check runs outside any write transaction so it never holds the lock.
    // PostgreSQL refuses text containing NUL; no real username has one.
    let user = if username.contains('\0') {
        None
    } else {
        users::find_by_username(conn, &username)?
    };
    let password_ok = match &user {
        Some(u) => passwords::verify(password, &u.password_hash),
        None => {
            passwords::verify_against_dummy(password);
            false
        }
    };
    let actor = actor_for_attempt(&username, user.as_ref(), request_id);
    let now = cairn_db::now();
    conn.write(|c| {
        let Some(user) = user else {
            failed(c, &actor, None, "unknown username")?;
            return Ok(Err(SignInRefusal::BadCredentials));
        };
        if let Some(until) = user.locked_until.filter(|t| *t > now) {
            failed(c, &actor, Some(&user.id), "account locked")?;
            return Ok(Err(SignInRefusal::LockedOut {
                minutes: minutes_until(now, until),
            }));
        }
        if user.locked_until.is_some() {
            // A lock-out that has run its course starts the count again, so one more wrong
            // password after it does not lock the account straight away.
            reset_expired_lock(c, &user.id, now)?;
        }
        if !password_ok {
            let count = users::record_failed_login(c, &user.id)?;
            failed(c, &actor, Some(&user.id), "wrong password")?;
            if count >= settings.login_max_failures as i32 {
                let until = now + Duration::minutes(i64::from(settings.login_lockout_minutes));
                users::lock_until(c, &user.id, until)?;
                audit_trail::write(
                    c,
                    &actor,
                    Record::ok("auth.locked_out")
                        .outcome(Outcome::Failed)
                        .on("user", &user.id)
                        .detail(json!({ "failures": count, "until": until.to_string() })),
                )?;
                return Ok(Err(SignInRefusal::LockedOut {
                    minutes: i64::from(settings.login_lockout_minutes),
                }));
            }
            return Ok(Err(SignInRefusal::BadCredentials));
        }
        if !user.active || access_expired(&user, now) {
            failed(c, &actor, Some(&user.id), "account disabled or expired")?;
            return Ok(Err(SignInRefusal::AccountClosed));
        }
        users::record_successful_login(c, &user.id)?;
        let token = random_token();
        let csrf_token = random_token();
        let session_id = uuid::Uuid::now_v7().to_string();
        let expires = now + Duration::hours(i64::from(settings.session_absolute_hours));
        sessions::insert(
            c,
            &session_id,
            &hash_secret(&token),
            &user.id,
            &csrf_token,
            expires,
        )?;
        let mut signed_actor = actor.clone();
        signed_actor.session_id = Some(session_id.clone());
        audit_trail::write(
            c,
            &signed_actor,
            Record::ok("auth.sign_in").on("user", &user.id),
        )?;
        Ok(Ok(SignedIn {
            token,
            session_id,
            csrf_token,
            user_id: user.id.clone(),
            must_change_password: user.must_change_password,
        }))
    })
}

fn failed(
    c: &mut DbConn,
    actor: &Actor,
    user_id: Option<&str>,
    reason: &str,
) -> Result<i64, DbError> {
    let mut record = Record::ok("auth.sign_in")
        .outcome(Outcome::Failed)
        .detail(json!({ "reason": reason }));
    if let Some(id) = user_id {
        record = record.on("user", id);
    }
    audit_trail::write(c, actor, record)
}

/// Clears the failure count and the lock, but only if the lock has expired: the condition is
/// checked by the update itself, so a lock set meanwhile by another attempt is left alone.
fn reset_expired_lock(c: &mut DbConn, user_id: &str, now: NaiveDateTime) -> Result<usize, DbError> {
    use cairn_db::schema::users as u;
    use diesel::prelude::*;
    Ok(diesel::update(u::table.find(user_id))
        .filter(u::locked_until.le(now))
        .set((
            u::failed_login_count.eq(0),
            u::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)?)
}

fn minutes_until(now: NaiveDateTime, until: NaiveDateTime) -> i64 {
    ((until - now).num_seconds() + 59) / 60
}

fn access_expired(user: &UserRow, now: NaiveDateTime) -> bool {
    user.access_expires_on.is_some_and(|d| now.date() > d)
}

/// A live session, resolved from its cookie on each request.
#[derive(Clone, Debug)]
pub struct SessionContext {
    pub actor: Actor,
    pub csrf_token: String,
    pub must_change_password: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SessionState {
    Missing,
    Expired,
}

/// How stale `last_seen_at` may get before it is written again: saves a write on most requests.
const TOUCH_AFTER_SECONDS: i64 = 60;

pub fn resolve_session(
    conn: &mut DbConn,
    settings: &Settings,
    token: &str,
    request_id: Option<&str>,
) -> ServiceResult<Result<SessionContext, SessionState>> {
    let Some((session, user)) = sessions::find_open_by_token_hash(conn, &hash_secret(token))?
    else {
        return Ok(Err(SessionState::Missing));
    };
    let now = cairn_db::now();
    let idle_limit =
        session.last_seen_at + Duration::minutes(i64::from(settings.session_idle_minutes));
    let end_reason = if now > session.absolute_expires_at {
        Some("absolute timeout")
    } else if now > idle_limit {
        Some("idle timeout")
    } else if !user.active || access_expired(&user, now) {
        Some("account closed")
    } else {
        None
    };
    if let Some(reason) = end_reason {
        sessions::end(conn, &session.id, reason)?;
        return Ok(Err(SessionState::Expired));
    }
    if (now - session.last_seen_at).num_seconds() > TOUCH_AFTER_SECONDS {
        sessions::touch(conn, &session.id, now)?;
    }
    let role = Role::from_code(&user.role)
        .ok_or_else(|| ServiceError::Internal(format!("unknown role {}", user.role)))?;
    Ok(Ok(SessionContext {
        actor: Actor {
            user_id: UserId::parse(&user.id).ok(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role,
            team_id: user.team_id.as_deref().and_then(|t| TeamId::parse(t).ok()),
            session_id: Some(session.id.clone()),
            request_id: request_id.map(str::to_string),
            channel: Channel::Web,
            scopes: Vec::new(),
        },
        csrf_token: session.csrf_token,
        must_change_password: user.must_change_password,
    }))
}

pub fn sign_out(conn: &mut DbConn, actor: &Actor) -> ServiceResult<()> {
    conn.write(|c| {
        if let Some(session_id) = &actor.session_id {
            sessions::end(c, session_id, "signed out")?;
        }
        audit_trail::write(c, actor, Record::ok("auth.sign_out"))?;
        Ok(())
    })
}

/// Changes the actor's own password after checking the current one. Other sessions of the
/// user are ended; this one continues.
pub fn change_password(
    conn: &mut DbConn,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> ServiceResult<()> {
    let user_id = actor
        .user_id_string()
        .ok_or(ServiceError::NotFound("Your account"))?;
    let user = users::find(conn, &user_id)?.ok_or(ServiceError::NotFound("Your account"))?;
    let mut errors = FieldErrors::default();
    let current_ok = passwords::verify(current, &user.password_hash);
    if !current_ok {
        errors.push("current_password", "Your current password is not correct");
    }
    if let Some(problem) = passwords::policy_problem(new, &user.username) {
        errors.push("new_password", problem);
    } else if new == current {
        errors.push(
            "new_password",
            "Your new password must be different from your current one",
        );
    }
    if errors.for_field("new_password").is_none() && new != confirm {
        errors.push("confirm_password", "The passwords do not match");
    }
    if !current_ok {
        // Someone at an unattended session guessing the password: audited in its own
        // transaction (not counted towards a lock-out).
        crate::tx::write(conn, actor, |c| {
            audit_trail::write(
                c,
                actor,
                Record::ok("user.password_change_failed")
                    .outcome(Outcome::Failed)
                    .on("user", &user_id)
                    .detail(json!({ "reason": "wrong current password" })),
            )?;
            Ok(())
        })?;
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let hashed = passwords::hash(new).map_err(|e| ServiceError::Internal(e.to_string()))?;
    crate::tx::write(conn, actor, |c| {
        users::set_password(c, &user_id, &hashed, false)?;
        let ended = end_other_sessions(c, &user_id, actor.session_id.as_deref())?;
        audit_trail::write(
            c,
            actor,
            Record::ok("user.password_changed")
                .on("user", &user_id)
                .detail(json!({ "other_sessions_ended": ended })),
        )?;
        Ok(())
    })
}

fn end_other_sessions(c: &mut DbConn, user_id: &str, keep: Option<&str>) -> Result<usize, DbError> {
    use cairn_db::schema::sessions as s;
    use diesel::prelude::*;
    let mut q = diesel::update(s::table)
        .filter(s::user_id.eq(user_id))
        .filter(s::ended_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        q = q.filter(s::id.ne(keep));
    }
    Ok(q.set((
        s::ended_at.eq(Some(cairn_db::now())),
        s::end_reason.eq(Some("password changed")),
    ))
    .execute(c)?)
}
