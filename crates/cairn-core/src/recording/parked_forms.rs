//! Forms kept when their session expired while someone was writing, so that nothing typed is
//! lost, and handed back only to the person who wrote them once they have signed in again.
//!
//! A form is kept only when it names its author and carries the CSRF token of one of that
//! author's own sessions: a page on another site cannot know that token, so it cannot plant a
//! form on anyone. Even so, a kept form only ever becomes its author's own draft, after a
//! fresh sign-in, so it cannot change anything else.

use cairn_db::DbConn;
use cairn_db::recording::parked_forms::{self as repo, ParkedFormRow};
use cairn_domain::ids::{ParkedFormId, TeamId, UserId};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use chrono::Duration;
use serde_json::json;

use super::notes::{self, ParkedNote, Restored};
use crate::actor::{Actor, Channel};
use crate::audit_trail::{self, Record};
use crate::auth::{hash_secret, random_token};
use crate::error::{ServiceError, ServiceResult};
use crate::tx;

/// How long a kept form waits to be claimed.
pub const KEEP_DAYS: i64 = 7;

/// How far back the sessions are looked for whose CSRF token a kept form may carry: longer
/// than any session lasts, and long enough for a tab left open over a holiday weekend.
const SESSION_LOOKBACK_DAYS: i64 = 14;

/// A form posted without a live session, as it arrived.
pub struct Posted<'a> {
    /// The user id the form says wrote it (a hidden field).
    pub author_user_id: &'a str,
    /// The CSRF token the form carried.
    pub csrf_token: &'a str,
    /// Where it was posted.
    pub path: &'a str,
    /// The body (URL-encoded, without the CSRF token).
    pub body: &'a str,
    pub request_id: Option<&'a str>,
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The author as the audit log records them: nobody is signed in, but the form carried the
/// token of one of their sessions.
fn author_actor(user: &cairn_db::users::UserRow, request_id: Option<&str>) -> Actor {
    Actor {
        user_id: UserId::parse(&user.id).ok(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: Role::from_code(&user.role).unwrap_or(Role::Inspector),
        team_id: user.team_id.as_deref().and_then(|t| TeamId::parse(t).ok()),
        session_id: None,
        request_id: request_id.map(str::to_string),
        channel: Channel::Web,
        scopes: Vec::new(),
    }
}

/// Keeps a form posted after its session ended; the secret token that claims it, or `None`
/// when the form cannot be kept (no such author, or not carrying one of their tokens), in
/// which case the caller falls back to carrying the form through sign-in.
pub fn park(conn: &mut DbConn, posted: &Posted<'_>) -> ServiceResult<Option<String>> {
    if UserId::parse(posted.author_user_id).is_err() || posted.csrf_token.is_empty() {
        return Ok(None);
    }
    let Some(user) = cairn_db::users::find(conn, posted.author_user_id)? else {
        return Ok(None);
    };
    let now = cairn_db::now();
    let since = now - Duration::days(SESSION_LOOKBACK_DAYS);
    let tokens = repo::recent_csrf_tokens(conn, &user.id, since)?;
    if !user.active || !tokens.iter().any(|t| same_secret(t, posted.csrf_token)) {
        return Ok(None);
    }
    let actor = author_actor(&user, posted.request_id);
    let token = random_token();
    let id = ParkedFormId::new().to_string();
    conn.write(|c| {
        repo::insert(
            c,
            &ParkedFormRow {
                id: id.clone(),
                token_hash: hash_secret(&token),
                user_id: user.id.clone(),
                path: posted.path.to_string(),
                body: posted.body.to_string(),
                created_at: now,
                expires_at: now + Duration::days(KEEP_DAYS),
                claimed_at: None,
            },
        )?;
        audit_trail::write(
            c,
            &actor,
            Record::ok("form.park")
                .on("parked_form", &id)
                .detail(json!({ "path": posted.path, "bytes": posted.body.len() })),
        )?;
        Ok::<_, ServiceError>(())
    })?;
    Ok(Some(token))
}

/// Hands a kept note form back to its author: `read` turns what was posted (path, body) into
/// the note it was. In one transaction the note is restored (a draft saved, or an amendment
/// handed back), the kept form marked claimed and its body blanked. Anyone but the author is
/// refused, and the refusal audited.
pub fn claim_note(
    conn: &mut DbConn,
    actor: &Actor,
    token: &str,
    read: impl FnOnce(&str, &str) -> Option<ParkedNote>,
) -> ServiceResult<Restored> {
    tx::write(conn, actor, |c| {
        let row = repo::find_by_token_hash(c, &hash_secret(token))?
            .ok_or(ServiceError::NotFound("The kept form"))?;
        if actor.user_id_string().as_deref() != Some(row.user_id.as_str()) {
            return Err(ServiceError::Denied {
                action: Action::RecordCasework,
                entity_type: Some("parked_form".into()),
                entity_id: Some(row.id.clone()),
                person_id: None,
            });
        }
        let now = cairn_db::now();
        if row.claimed_at.is_some() {
            return Err(ServiceError::Conflict(
                "This form has already been restored. Drafts are listed under \"My drafts\" on each child's case notes".into(),
            ));
        }
        if row.expires_at < now {
            return Err(ServiceError::Conflict(format!(
                "This form was kept for {KEEP_DAYS} days and has expired"
            )));
        }
        let parked = read(&row.path, &row.body).ok_or_else(|| {
            ServiceError::Conflict("This kept form could not be read back as a case note".into())
        })?;
        let restored = notes::restore_in(c, actor, parked)?;
        if repo::claim(c, &row.id, now)? == 0 {
            return Err(ServiceError::Conflict(
                "This form has already been restored".into(),
            ));
        }
        let into = match &restored {
            Restored::Draft(id) => json!({ "draft": id }),
            Restored::Amendment { note_id, .. } => json!({ "amendment_of": note_id }),
        };
        audit_trail::write(
            c,
            actor,
            Record::ok("form.claim")
                .on("parked_form", &row.id)
                .detail(json!({ "path": row.path, "restored": into })),
        )?;
        Ok(restored)
    })
}
