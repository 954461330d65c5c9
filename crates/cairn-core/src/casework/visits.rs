//! Visits to a child, each recorded as a distinct event: when, announced or not, whether the
//! child was seen (and if not, why), seen alone, their bedroom seen, who was present and what
//! was observed. The latest visit with the child seen drives when the next statutory visit is
//! due on a plan.

use std::collections::HashMap;

use cairn_db::DbConn;
use cairn_db::casework::visits::{self as repo, VisitRow};
use cairn_domain::casework::VisitKind;
use cairn_domain::dates::format_long;
use cairn_domain::ids::VisitId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN, clean_text};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::strategy::{audit_read, child_summary, may_view, uk_date};
use super::{open_episode, record_event};
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// A clock a few minutes fast on a worker's laptop is not a time in the future.
const FUTURE_GRACE_MINUTES: i64 = 5;

/// A visit as typed. `visited_at` is UTC (the page reads UK local time; the API takes
/// RFC 3339). The yes/no answers are `None` when not answered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisitInput {
    pub visited_at: Option<NaiveDateTime>,
    pub kind: String,
    pub child_seen: Option<bool>,
    pub not_seen_reason: String,
    pub seen_alone: Option<bool>,
    pub bedroom_seen: Option<bool>,
    pub present: String,
    pub observations: String,
}

struct ValidVisit {
    visited_at: NaiveDateTime,
    kind: VisitKind,
    child_seen: bool,
    not_seen_reason: Option<String>,
    seen_alone: bool,
    bedroom_seen: bool,
    present: String,
    observations: String,
}

fn validate(
    input: &VisitInput,
    referral_date: NaiveDate,
    now: NaiveDateTime,
) -> Result<ValidVisit, FieldErrors> {
    let mut errors = FieldErrors::new();
    match input.visited_at {
        None => errors.push("visited", "Enter the date of the visit"),
        Some(t) if t > now + Duration::minutes(FUTURE_GRACE_MINUTES) => errors.push(
            "visited",
            "The date and time of the visit must not be in the future",
        ),
        Some(t) if uk_date(t) < referral_date => errors.push(
            "visited",
            format!(
                "The visit must be on or after the referral date, {}",
                format_long(referral_date)
            ),
        ),
        Some(_) => {}
    }
    let kind = VisitKind::from_code(input.kind.trim());
    if kind.is_none() {
        errors.push(
            "kind",
            "Select whether the visit was announced or unannounced",
        );
    }
    if input.child_seen.is_none() {
        errors.push("child_seen", "Select whether the child was seen");
    }
    let not_seen = input.child_seen == Some(false);
    let not_seen_reason = clean_text(
        "not_seen_reason",
        "Why the child was not seen",
        &input.not_seen_reason,
        MAX_TEXT_LEN,
        not_seen,
        &mut errors,
    );
    match (input.child_seen, input.seen_alone) {
        (Some(true), None) => errors.push("seen_alone", "Select whether the child was seen alone"),
        (Some(false), Some(true)) => errors.push(
            "seen_alone",
            "The child cannot have been seen alone if they were not seen",
        ),
        _ => {}
    }
    if input.bedroom_seen.is_none() {
        errors.push(
            "bedroom_seen",
            "Select whether the child's bedroom was seen",
        );
    }
    let present = clean_text(
        "present",
        "Who was present",
        &input.present,
        2_000,
        false,
        &mut errors,
    );
    let observations = clean_text(
        "observations",
        "Your observations",
        &input.observations,
        MAX_TEXT_LEN,
        true,
        &mut errors,
    );
    match (
        input.visited_at,
        kind,
        input.child_seen,
        input.bedroom_seen,
        observations,
        errors.is_empty(),
    ) {
        (Some(visited_at), Some(kind), Some(child_seen), Some(bedroom_seen), Some(obs), true) => {
            Ok(ValidVisit {
                visited_at: cairn_db::truncate_to_micros(visited_at),
                kind,
                child_seen,
                // Only a child who was seen has a reason not to be recorded.
                not_seen_reason: if child_seen { None } else { not_seen_reason },
                seen_alone: child_seen && input.seen_alone == Some(true),
                bedroom_seen,
                present: present.unwrap_or_default(),
                observations: obs,
            })
        }
        _ => Err(errors),
    }
}

/// Records a visit in an open episode; the visitor is the person recording it.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    input: &VisitInput,
) -> ServiceResult<String> {
    tx::write(conn, actor, |c| {
        let referral = open_episode(c, referral_id)?;
        if !actor.may(Action::RecordCasework) {
            return Err(ServiceError::denied_on_person(
                Action::RecordCasework,
                &referral.person_id,
            ));
        }
        let v = validate(input, referral.referral_date, cairn_db::now())?;
        let id = VisitId::new().to_string();
        let row = VisitRow {
            id: id.clone(),
            person_id: referral.person_id.clone(),
            referral_id: referral.id.clone(),
            visited_at: v.visited_at,
            kind: v.kind.code().to_string(),
            child_seen: v.child_seen,
            seen_alone: v.seen_alone,
            bedroom_seen: v.bedroom_seen,
            not_seen_reason: v.not_seen_reason,
            present: v.present,
            observations: v.observations,
            worker_id: actor.author(),
            created_at: cairn_db::now(),
            created_by: actor.author(),
        };
        repo::insert(c, &row)?;
        let detail = json!({
            "visited_at": row.visited_at,
            "kind": row.kind,
            "child_seen": row.child_seen,
            "seen_alone": row.seen_alone,
            "bedroom_seen": row.bedroom_seen,
            "referral_id": row.referral_id,
        });
        record_event(
            c,
            actor,
            ("visit.recorded", "visit.record"),
            ("visit", &id),
            &row.person_id,
            detail,
        )?;
        Ok(id)
    })
}

/// A visit as its page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct VisitView {
    pub visit: VisitRow,
    pub kind: VisitKind,
    /// The UK date of the visit.
    pub visited_on: NaiveDate,
    pub child: PersonSummary,
    pub worker_name: String,
}

/// Reads one visit; the read is audited against the child.
pub fn view(conn: &mut DbConn, actor: &Actor, visit_id: &str) -> ServiceResult<VisitView> {
    let view = tx::read(conn, actor, |c| {
        let v = repo::find(c, visit_id)?.ok_or(ServiceError::NotFound("The visit"))?;
        may_view(actor, &v.person_id)?;
        let child = child_summary(c, actor, &v.person_id)?;
        let worker_name = cairn_db::users::find(c, &v.worker_id)?
            .map(|u| u.display_name)
            .unwrap_or_else(|| v.worker_id.clone());
        Ok(VisitView {
            kind: kind_of(&v)?,
            visited_on: uk_date(v.visited_at),
            child,
            worker_name,
            visit: v,
        })
    })?;
    audit_read(
        conn,
        actor,
        "visit.view",
        ("visit", visit_id),
        &view.child.id,
    )?;
    Ok(view)
}

fn kind_of(v: &VisitRow) -> ServiceResult<VisitKind> {
    VisitKind::from_code(&v.kind)
        .ok_or_else(|| ServiceError::Internal(format!("unknown visit kind {}", v.kind)))
}

/// One visit in an episode's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VisitSummary {
    pub id: String,
    pub visited_at: NaiveDateTime,
    pub visited_on: NaiveDate,
    pub kind: VisitKind,
    pub child_seen: bool,
    pub seen_alone: bool,
    pub bedroom_seen: bool,
}

/// The visits of one episode, most recent first. Not audited here: the page that shows them
/// records its own view of the child.
pub fn for_episode(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<Vec<VisitSummary>> {
    tx::read(conn, actor, |c| {
        let referral = cairn_db::front_door::referrals::find(c, referral_id)?
            .ok_or(ServiceError::NotFound("The referral"))?;
        may_view(actor, &referral.person_id)?;
        repo::for_referral(c, referral_id)?
            .into_iter()
            .map(|v| {
                Ok(VisitSummary {
                    kind: kind_of(&v)?,
                    visited_on: uk_date(v.visited_at),
                    visited_at: v.visited_at,
                    child_seen: v.child_seen,
                    seen_alone: v.seen_alone,
                    bedroom_seen: v.bedroom_seen,
                    id: v.id,
                })
            })
            .collect()
    })
}

/// The UK date of the latest visit on which the child was seen, in any episode: what the next
/// statutory visit on a plan counts from. Runs inside the caller's transaction and checks no
/// permission: the caller has already decided the actor may see this child.
pub fn latest_seen_visit(c: &mut DbConn, person_id: &str) -> ServiceResult<Option<NaiveDate>> {
    Ok(repo::latest_seen(c, person_id)?.map(uk_date))
}

/// [`latest_seen_visit`] for many children at once (one grouped query), as UK dates.
pub fn latest_seen_visits(
    c: &mut DbConn,
    person_ids: &[String],
) -> ServiceResult<HashMap<String, NaiveDate>> {
    Ok(repo::latest_seen_for_people(c, person_ids)?
        .into_iter()
        .map(|(id, at)| (id, uk_date(at)))
        .collect())
}
