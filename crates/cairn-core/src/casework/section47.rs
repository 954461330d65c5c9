//! Section 47 enquiries. One starts when a strategy discussion decides on it (see
//! [`super::strategy::record`]), on the discussion's date. The worker records its outcome;
//! a manager other than the worker signs it off. An outcome of "continuing risk" leads to an
//! initial child protection conference, due 15 working days after the discussion (the census
//! `InitialCPCtarget`, from the timescale version in force for the referral).

use cairn_db::DbConn;
use cairn_db::casework::section47::{self as repo, OutcomeChange, Section47Row};
use cairn_domain::casework::Section47Outcome;
use cairn_domain::casework::timescales::Due;
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN, clean_text};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::strategy::{audit_read, child_summary, may_view};
use super::{Timescales, may_sign_off, open_episode, record_event, today};
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::settings::Settings;
use crate::tx;

/// The outcome as typed; `outcome_on` is already parsed by the form or the API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutcomeInput {
    pub outcome: String,
    pub outcome_on: Option<NaiveDate>,
    pub notes: String,
}

/// The conference an enquiry led to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConferenceRef {
    pub id: String,
    pub held_on: NaiveDate,
}

/// An enquiry as its page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct Section47View {
    pub enquiry: Section47Row,
    pub outcome: Option<Section47Outcome>,
    /// The census `ICPCnotRequired` flag, once there is an outcome.
    pub icpc_not_required: Option<bool>,
    pub child: PersonSummary,
    pub referral_date: NaiveDate,
    pub discussion_held_at: NaiveDateTime,
    /// The target date of the initial child protection conference, and how it was computed.
    pub icpc_due: Due,
    pub initial_conference: Option<ConferenceRef>,
    /// The outcome is continuing risk and no conference is recorded yet.
    pub needs_conference: bool,
    pub recorded_by_name: Option<String>,
    pub signed_off_by_name: Option<String>,
}

/// One enquiry in an episode's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section47Summary {
    pub id: String,
    pub strategy_discussion_id: String,
    pub started_on: NaiveDate,
    pub outcome: Option<Section47Outcome>,
    pub outcome_on: Option<NaiveDate>,
    pub signed_off: bool,
    pub icpc_due: Due,
    pub initial_conference: Option<ConferenceRef>,
}

fn outcome_of(row: &Section47Row) -> ServiceResult<Option<Section47Outcome>> {
    row.outcome
        .as_deref()
        .map(|code| {
            Section47Outcome::from_code(code)
                .ok_or_else(|| ServiceError::Internal(format!("unknown section 47 outcome {code}")))
        })
        .transpose()
}

fn conference(c: &mut DbConn, id: &str) -> ServiceResult<Option<ConferenceRef>> {
    Ok(repo::initial_conference(c, id)?.map(|(id, held_on)| ConferenceRef { id, held_on }))
}

fn user_name(c: &mut DbConn, id: Option<&str>) -> ServiceResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(Some(
        cairn_db::users::find(c, id)?
            .map(|u| u.display_name)
            .unwrap_or_else(|| id.to_string()),
    ))
}

fn load_view(c: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<Section47View> {
    let e = repo::find(c, id)?.ok_or(ServiceError::NotFound("The section 47 enquiry"))?;
    may_view(actor, &e.person_id)?;
    let child = child_summary(c, actor, &e.person_id)?;
    let referral = cairn_db::front_door::referrals::find(c, &e.referral_id)?
        .ok_or(ServiceError::NotFound("The referral"))?;
    let discussion = cairn_db::casework::strategy::find(c, &e.strategy_discussion_id)?
        .ok_or(ServiceError::NotFound("The strategy discussion"))?;
    let timescales = Timescales::load(c)?;
    let icpc_due = timescales
        .for_referral(referral.referral_date)
        .icpc_due(&timescales.calendar, e.started_on);
    let outcome = outcome_of(&e)?;
    let initial_conference = conference(c, id)?;
    Ok(Section47View {
        icpc_not_required: outcome.map(|o| o.icpc_not_required()),
        needs_conference: outcome == Some(Section47Outcome::ContinuingRiskIcpc)
            && initial_conference.is_none(),
        recorded_by_name: user_name(c, e.recorded_by.as_deref())?,
        signed_off_by_name: user_name(c, e.signed_off_by.as_deref())?,
        outcome,
        child,
        referral_date: referral.referral_date,
        discussion_held_at: discussion.held_at,
        icpc_due,
        initial_conference,
        enquiry: e,
    })
}

/// Reads one enquiry with its conference target; the read is audited against the child.
pub fn view(conn: &mut DbConn, actor: &Actor, section47_id: &str) -> ServiceResult<Section47View> {
    let view = tx::read(conn, actor, |c| load_view(c, actor, section47_id))?;
    audit_read(
        conn,
        actor,
        "section47.view",
        ("section47", section47_id),
        &view.child.id,
    )?;
    Ok(view)
}

fn validate_outcome(
    input: &OutcomeInput,
    started_on: NaiveDate,
    today: NaiveDate,
) -> Result<(Section47Outcome, NaiveDate, Option<String>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let outcome = Section47Outcome::from_code(input.outcome.trim());
    if outcome.is_none() {
        errors.push("outcome", "Select the outcome of the enquiry");
    }
    match input.outcome_on {
        None => errors.push("outcome_on", "Enter the date the enquiry concluded"),
        Some(d) if d > today => errors.push(
            "outcome_on",
            "The date the enquiry concluded must not be in the future",
        ),
        Some(d) if d < started_on => errors.push(
            "outcome_on",
            format!(
                "The enquiry cannot conclude before it started, on {}",
                format_long(started_on)
            ),
        ),
        Some(_) => {}
    }
    let notes = clean_text(
        "notes",
        "Notes on the outcome",
        &input.notes,
        MAX_TEXT_LEN,
        false,
        &mut errors,
    );
    match (outcome, input.outcome_on, errors.is_empty()) {
        (Some(o), Some(d), true) => Ok((o, d, notes)),
        _ => Err(errors),
    }
}

fn stale() -> ServiceError {
    ServiceError::Conflict(
        "Someone else changed this enquiry while you were looking at it: reload it to see what \
         they did"
            .into(),
    )
}

/// Records the enquiry's outcome (or corrects it, until a manager has signed it off).
/// `expected_version` is the version the form was shown at.
pub fn record_outcome(
    conn: &mut DbConn,
    actor: &Actor,
    section47_id: &str,
    expected_version: i32,
    input: &OutcomeInput,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        let e =
            repo::find(c, section47_id)?.ok_or(ServiceError::NotFound("The section 47 enquiry"))?;
        if !actor.may(Action::RecordCasework) {
            return Err(ServiceError::denied_on_person(
                Action::RecordCasework,
                &e.person_id,
            ));
        }
        open_episode(c, &e.referral_id)?;
        if e.signed_off_at.is_some() {
            return Err(ServiceError::Conflict(
                "This enquiry's outcome has been signed off by a manager and can no longer change"
                    .into(),
            ));
        }
        if repo::initial_conference(c, section47_id)?.is_some() {
            return Err(ServiceError::Conflict(
                "An initial child protection conference is recorded for this enquiry, so its \
                 outcome can no longer change"
                    .into(),
            ));
        }
        let (outcome, outcome_on, notes) = validate_outcome(input, e.started_on, today())?;
        let by = actor.author();
        let change = OutcomeChange {
            outcome: outcome.code(),
            outcome_on,
            notes: notes.as_deref(),
            recorded_by: &by,
        };
        if !repo::record_outcome(c, section47_id, expected_version, &change)? {
            return Err(stale());
        }
        let detail = json!({
            "outcome": outcome.code(),
            "outcome_on": outcome_on,
            "icpc_not_required": outcome.icpc_not_required(),
            "previous_outcome": e.outcome,
        });
        record_event(
            c,
            actor,
            ("section47.outcome_recorded", "section47.outcome"),
            ("section47", section47_id),
            &e.person_id,
            detail,
        )?;
        Ok(())
    })
}

/// A manager's sign-off of the recorded outcome. A manager may not sign off an outcome they
/// recorded themselves unless the authority's settings allow it.
pub fn sign_off(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    section47_id: &str,
    expected_version: i32,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        let e =
            repo::find(c, section47_id)?.ok_or(ServiceError::NotFound("The section 47 enquiry"))?;
        if !actor.may(Action::AuthoriseCasework) {
            return Err(ServiceError::denied_on_person(
                Action::AuthoriseCasework,
                &e.person_id,
            ));
        }
        if e.signed_off_at.is_some() {
            return Err(ServiceError::Conflict(
                "This enquiry's outcome has already been signed off".into(),
            ));
        }
        if e.outcome.is_none() {
            return Err(ServiceError::Conflict(
                "Record the enquiry's outcome before it is signed off".into(),
            ));
        }
        may_sign_off(settings, actor, e.recorded_by.as_deref())?;
        if !repo::sign_off(
            c,
            section47_id,
            expected_version,
            &actor.author(),
            cairn_db::now(),
        )? {
            return Err(stale());
        }
        let detail = json!({ "outcome": e.outcome, "recorded_by": e.recorded_by });
        record_event(
            c,
            actor,
            ("section47.signed_off", "section47.sign_off"),
            ("section47", section47_id),
            &e.person_id,
            detail,
        )?;
        Ok(())
    })
}

/// The enquiries of one episode, most recent first, with their conference targets. Not
/// audited here: the page that shows them records its own view of the child.
pub fn for_episode(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<Vec<Section47Summary>> {
    tx::read(conn, actor, |c| {
        let referral = cairn_db::front_door::referrals::find(c, referral_id)?
            .ok_or(ServiceError::NotFound("The referral"))?;
        may_view(actor, &referral.person_id)?;
        let timescales = Timescales::load(c)?;
        let profile = timescales.for_referral(referral.referral_date);
        let mut out = Vec::new();
        for e in repo::for_referral(c, referral_id)? {
            out.push(Section47Summary {
                icpc_due: profile.icpc_due(&timescales.calendar, e.started_on),
                initial_conference: conference(c, &e.id)?,
                outcome: outcome_of(&e)?,
                outcome_on: e.outcome_on,
                signed_off: e.signed_off_at.is_some(),
                started_on: e.started_on,
                strategy_discussion_id: e.strategy_discussion_id,
                id: e.id,
            });
        }
        Ok(out)
    })
}
