//! Strategy discussions: held whenever there is reasonable cause to suspect a child is
//! suffering, or likely to suffer, significant harm. The record keeps when it was held, who
//! took part by agency, what was shared, the decision and why, and the actions agreed with
//! their owners. A decision to start a section 47 enquiry starts it in the same transaction,
//! on the discussion's date (the census start date).
//!
//! Police and health are expected at every strategy discussion. Their absence is not refused
//! (a discussion that could not wait for them still happened) but is shown as a warning on the
//! form and on the record, so a manager can see it and follow it up.

use cairn_db::DbConn;
use cairn_db::casework::actions::CaseActionRow;
use cairn_db::casework::section47::{self as s47_repo, Section47Row};
use cairn_db::casework::strategy::{self as repo, StrategyDiscussionRow, StrategyParticipantRow};
use cairn_db::front_door::referrals::ReferralRow;
use cairn_domain::casework::{
    ActionSource, ActionStatus, Agency, Section47Outcome, StrategyDecision,
};
use cairn_domain::dates::format_long;
use cairn_domain::ids::{Section47Id, StrategyDiscussionId};
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_NAME_LEN, MAX_TEXT_LEN, clean_line, clean_text};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::actions::{self, ActionInput};
use super::{audit_after_read, open_episode};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::search::PersonSummary;
use crate::tx;

/// A clock a few minutes fast on a worker's laptop is not a time in the future.
const FUTURE_GRACE_MINUTES: i64 = 5;
/// Bounds how many participant rows one discussion may list.
pub const MAX_PARTICIPANTS: usize = 40;

/// One participant as typed: their agency's code, name and role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParticipantInput {
    pub agency: String,
    pub name: String,
    pub role: String,
}

impl ParticipantInput {
    fn is_blank(&self) -> bool {
        self.agency.trim().is_empty() && self.name.trim().is_empty() && self.role.trim().is_empty()
    }
}

/// A strategy discussion as typed. `held_at` is UTC (the page reads UK local time; the API
/// takes RFC 3339). `chair_user_id` defaults to the person recording it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StrategyInput {
    pub held_at: Option<NaiveDateTime>,
    pub participants: Vec<ParticipantInput>,
    pub information_shared: String,
    pub decision: String,
    pub rationale: String,
    pub chair_user_id: Option<String>,
    pub actions: Vec<ActionInput>,
}

/// What recording a discussion made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedDiscussion {
    pub id: String,
    /// The enquiry started, when the decision was to start one.
    pub section47_id: Option<String>,
    /// Police and/or health when they did not take part (a warning, not a refusal).
    pub missing_agencies: Vec<Agency>,
}

/// The agencies a strategy discussion can list: everyone but family members, who are told
/// of a discussion rather than taking part in it.
pub fn participant_agencies() -> Vec<Agency> {
    Agency::ALL
        .iter()
        .copied()
        .filter(|a| *a != Agency::Family)
        .collect()
}

/// Police and health when they are not among `present`: the agencies statutory guidance
/// expects at every strategy discussion besides children's social care.
pub fn missing_agencies(present: impl IntoIterator<Item = Agency>) -> Vec<Agency> {
    let present: Vec<Agency> = present.into_iter().collect();
    [Agency::Police, Agency::Health]
        .into_iter()
        .filter(|a| !present.contains(a))
        .collect()
}

/// The warning shown when police or health did not take part; `None` when both did.
pub fn absence_warning(missing: &[Agency]) -> Option<String> {
    let who = match missing {
        [] => return None,
        [one] => one.label().to_string(),
        _ => "Police and health".to_string(),
    };
    Some(format!(
        "{who} did not take part in this strategy discussion. Statutory guidance expects \
         children's social care, police and health at every strategy discussion: record why, \
         and make sure they are told what was decided."
    ))
}

/// The date of a stored (UTC) time as the calendar in England showed it: a discussion held at
/// 00:30 BST on 3 May starts its enquiry on 3 May (the census start date), not 2 May.
pub fn uk_date(at: NaiveDateTime) -> NaiveDate {
    cairn_domain::thresholds::date_in_england(DateTime::<Utc>::from_naive_utc_and_offset(at, Utc))
}

struct ValidParticipant {
    agency: Agency,
    name: String,
    role: String,
}

struct ValidDiscussion {
    held_at: NaiveDateTime,
    participants: Vec<ValidParticipant>,
    information_shared: String,
    decision: StrategyDecision,
    rationale: String,
    actions: Vec<ActionInput>,
}

fn validate_participants(
    rows: &[ParticipantInput],
    errors: &mut FieldErrors,
) -> Vec<ValidParticipant> {
    let mut kept = Vec::new();
    if rows.len() > MAX_PARTICIPANTS {
        errors.push(
            "participants",
            format!("List at most {MAX_PARTICIPANTS} participants"),
        );
        return kept;
    }
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let n = i + 1;
        let agency = Agency::from_code(row.agency.trim()).filter(|a| *a != Agency::Family);
        if agency.is_none() {
            errors.push(
                format!("participants-{n}-agency"),
                format!("Select participant {n}'s agency"),
            );
        }
        let name = clean_line(
            &format!("participants-{n}-name"),
            &format!("Participant {n}'s name"),
            &row.name,
            MAX_NAME_LEN,
            true,
            errors,
        );
        let role = clean_line(
            &format!("participants-{n}-role"),
            &format!("Participant {n}'s role"),
            &row.role,
            200,
            false,
            errors,
        );
        if let (Some(agency), Some(name)) = (agency, name) {
            kept.push(ValidParticipant {
                agency,
                name,
                role: role.unwrap_or_default(),
            });
        }
    }
    let has_social_care = kept.iter().any(|p| p.agency == Agency::SocialCare);
    let has_other = kept.iter().any(|p| p.agency != Agency::SocialCare);
    if !(has_social_care && has_other)
        && errors.iter().all(|e| !e.field.starts_with("participants-"))
    {
        errors.push(
            "participants",
            "List who took part: at least children's social care and one other agency",
        );
    }
    kept
}

fn validate(
    input: &StrategyInput,
    referral_date: NaiveDate,
    now: NaiveDateTime,
    errors: &mut FieldErrors,
) -> Option<ValidDiscussion> {
    match input.held_at {
        None => errors.push("held", "Enter the date the strategy discussion was held"),
        Some(t) if t > now + Duration::minutes(FUTURE_GRACE_MINUTES) => errors.push(
            "held",
            "The date and time the discussion was held must not be in the future",
        ),
        Some(t) if uk_date(t) < referral_date => errors.push(
            "held",
            format!(
                "The discussion must be on or after the referral date, {}",
                format_long(referral_date)
            ),
        ),
        Some(_) => {}
    }
    let participants = validate_participants(&input.participants, errors);
    let information_shared = clean_text(
        "information_shared",
        "The information shared",
        &input.information_shared,
        MAX_TEXT_LEN,
        true,
        errors,
    );
    let decision = StrategyDecision::from_code(input.decision.trim());
    if decision.is_none() {
        errors.push("decision", "Select the decision");
    }
    let rationale = clean_text(
        "rationale",
        "The reasons for the decision",
        &input.rationale,
        MAX_TEXT_LEN,
        true,
        errors,
    );
    let actions = actions::validate("actions", &input.actions, errors);
    if let Some(held) = input.held_at.map(uk_date) {
        for (i, row) in input.actions.iter().enumerate() {
            if row.due_on.is_some_and(|d| d < held) {
                errors.push(
                    format!("actions-{}-due", i + 1),
                    format!(
                        "Action {} must be due on or after the day of the discussion",
                        i + 1
                    ),
                );
            }
        }
    }
    Some(ValidDiscussion {
        held_at: cairn_db::truncate_to_micros(input.held_at?),
        participants,
        information_shared: information_shared?,
        decision: decision?,
        rationale: rationale?,
        actions,
    })
}

/// The chair must be someone with an active account; the recorder by default.
fn chair(
    c: &mut DbConn,
    actor: &Actor,
    chosen: Option<&str>,
    errors: &mut FieldErrors,
) -> ServiceResult<Option<String>> {
    let id = match chosen.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => id.to_string(),
        None => match actor.user_id_string() {
            Some(id) => id,
            None => {
                errors.push("chair", "Select who chaired the discussion");
                return Ok(None);
            }
        },
    };
    match cairn_db::users::find(c, &id)? {
        Some(u) if u.active => Ok(Some(u.id)),
        _ => {
            errors.push("chair", "Select a chair with an active account");
            Ok(None)
        }
    }
}

/// Why `started_on` cannot start another enquiry in this episode (census 8839: at most one
/// open enquiry; 8890: enquiries do not overlap), or `None` when it can.
fn section47_blocker(
    c: &mut DbConn,
    referral_id: &str,
    started_on: NaiveDate,
) -> ServiceResult<Option<(&'static str, String)>> {
    let existing = s47_repo::for_referral(c, referral_id)?;
    let ids: Vec<String> = existing.iter().map(|e| e.id.clone()).collect();
    let conferenced = s47_repo::with_initial_conference(c, &ids)?;
    for e in &existing {
        let started = format_long(e.started_on);
        match e.outcome.as_deref().and_then(Section47Outcome::from_code) {
            None => {
                return Ok(Some((
                    "decision",
                    format!(
                        "The section 47 enquiry started on {started} is still open: record its \
                         outcome before starting another"
                    ),
                )));
            }
            Some(Section47Outcome::ContinuingRiskIcpc) if !conferenced.contains(&e.id) => {
                return Ok(Some((
                    "decision",
                    format!(
                        "The section 47 enquiry started on {started} is waiting for its initial \
                         child protection conference: record the conference before starting \
                         another enquiry"
                    ),
                )));
            }
            Some(_) => {}
        }
        if let Some(ended) = e.outcome_on.filter(|ended| started_on < *ended) {
            return Ok(Some((
                "held",
                format!(
                    "The section 47 enquiry started on {started} concluded on {}: a new enquiry \
                     cannot start before then",
                    format_long(ended)
                ),
            )));
        }
    }
    Ok(None)
}

fn participant_rows(
    discussion_id: &str,
    valid: &[ValidParticipant],
) -> Vec<StrategyParticipantRow> {
    valid
        .iter()
        .map(|p| StrategyParticipantRow {
            id: uuid::Uuid::now_v7().to_string(),
            strategy_discussion_id: discussion_id.to_string(),
            agency: p.agency.code().to_string(),
            name: p.name.clone(),
            role: p.role.clone(),
        })
        .collect()
}

/// Starts the enquiry a discussion decided on, inside the discussion's transaction.
fn start_section47(
    c: &mut DbConn,
    actor: &Actor,
    referral: &ReferralRow,
    discussion_id: &str,
    started_on: NaiveDate,
) -> ServiceResult<String> {
    let id = Section47Id::new().to_string();
    s47_repo::insert(
        c,
        &Section47Row {
            id: id.clone(),
            referral_id: referral.id.clone(),
            person_id: referral.person_id.clone(),
            strategy_discussion_id: discussion_id.to_string(),
            started_on,
            outcome: None,
            outcome_on: None,
            outcome_notes: None,
            recorded_by: None,
            signed_off_by: None,
            signed_off_at: None,
            version: 1,
            created_at: cairn_db::now(),
            created_by: actor.author(),
        },
    )?;
    cairn_db::events::append(
        c,
        &event(
            "section47.started",
            Some(&referral.person_id),
            "section47",
            &id,
            actor,
            json!({ "started_on": started_on, "strategy_discussion_id": discussion_id, "referral_id": referral.id }),
        ),
    )?;
    audit_trail::write(
        c,
        actor,
        Record::ok("section47.start")
            .on("section47", &id)
            .person(&referral.person_id),
    )?;
    Ok(id)
}

/// A discussion that passed every check, ready to write.
struct Prepared {
    referral: ReferralRow,
    valid: ValidDiscussion,
    chaired_by: String,
}

fn prepare(
    c: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    input: &StrategyInput,
) -> ServiceResult<Prepared> {
    let referral = open_episode(c, referral_id)?;
    if !actor.may(Action::RecordCasework) {
        return Err(ServiceError::denied_on_person(
            Action::RecordCasework,
            &referral.person_id,
        ));
    }
    let mut errors = FieldErrors::new();
    let valid = validate(input, referral.referral_date, cairn_db::now(), &mut errors);
    let chaired_by = chair(c, actor, input.chair_user_id.as_deref(), &mut errors)?;
    if let Some(v) = valid
        .as_ref()
        .filter(|v| v.decision == StrategyDecision::Section47)
        && let Some((field, message)) = section47_blocker(c, referral_id, uk_date(v.held_at))?
    {
        errors.push(field, message);
    }
    match (valid, chaired_by, errors.is_empty()) {
        (Some(valid), Some(chaired_by), true) => Ok(Prepared {
            referral,
            valid,
            chaired_by,
        }),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Runs every check [`record`] makes without writing anything, so a form with a problem of
/// its own (a time it could not read) can still list every other problem at once.
pub fn check(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    input: &StrategyInput,
) -> ServiceResult<()> {
    tx::read(conn, actor, |c| {
        prepare(c, actor, referral_id, input).map(|_| ())
    })
}

/// Records a strategy discussion on an open episode, its participants and actions, and (when
/// decided) starts the section 47 enquiry, all in one transaction.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
    input: &StrategyInput,
) -> ServiceResult<RecordedDiscussion> {
    tx::write(conn, actor, |c| {
        let Prepared {
            referral,
            valid: v,
            chaired_by,
        } = prepare(c, actor, referral_id, input)?;
        let id = StrategyDiscussionId::new().to_string();
        let missing = missing_agencies(v.participants.iter().map(|p| p.agency));
        repo::insert(
            c,
            &StrategyDiscussionRow {
                id: id.clone(),
                referral_id: referral.id.clone(),
                person_id: referral.person_id.clone(),
                held_at: v.held_at,
                information_shared: v.information_shared.clone(),
                decision: v.decision.code().to_string(),
                rationale: v.rationale.clone(),
                chaired_by,
                version: 1,
                created_at: cairn_db::now(),
                created_by: actor.author(),
            },
        )?;
        repo::insert_participants(c, &participant_rows(&id, &v.participants))?;
        let missing_codes: Vec<&str> = missing.iter().map(|a| a.code()).collect();
        cairn_db::events::append(
            c,
            &event(
                "strategy_discussion.held",
                Some(&referral.person_id),
                "strategy_discussion",
                &id,
                actor,
                json!({
                    "held_at": v.held_at,
                    "decision": v.decision.code(),
                    "referral_id": referral.id,
                    "agencies_absent": missing_codes,
                }),
            ),
        )?;
        actions::insert_all(
            c,
            actor,
            &referral.person_id,
            ActionSource::StrategyDiscussion,
            &id,
            &v.actions,
        )?;
        let section47_id = if v.decision == StrategyDecision::Section47 {
            Some(start_section47(
                c,
                actor,
                &referral,
                &id,
                uk_date(v.held_at),
            )?)
        } else {
            None
        };
        audit_trail::write(
            c,
            actor,
            Record::ok("strategy_discussion.record")
                .on("strategy_discussion", &id)
                .person(&referral.person_id)
                .detail(json!({
                    "decision": v.decision.code(),
                    "participants": v.participants.len(),
                    "actions": v.actions.len(),
                    "agencies_absent": missing_codes,
                })),
        )?;
        Ok(RecordedDiscussion {
            id,
            section47_id,
            missing_agencies: missing,
        })
    })
}

/// A strategy discussion as its page and the API show it.
#[derive(Clone, Debug, Serialize)]
pub struct StrategyView {
    pub discussion: StrategyDiscussionRow,
    /// The UK date it was held on.
    pub held_on: NaiveDate,
    pub child: PersonSummary,
    pub referral_date: NaiveDate,
    pub participants: Vec<StrategyParticipantRow>,
    /// Police and/or health when they did not take part.
    pub missing_agencies: Vec<Agency>,
    pub warning: Option<String>,
    pub chair_name: String,
    pub actions: Vec<CaseActionRow>,
    /// The enquiry this discussion started, if any.
    pub section47: Option<Section47Row>,
}

/// The child a casework record is about, for its page; a record of a person marked entered
/// in error is not found unless the actor may see such records.
pub(crate) fn child_summary(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
) -> ServiceResult<PersonSummary> {
    let row = cairn_db::people::find(c, person_id)?.ok_or(ServiceError::NotFound("The child"))?;
    if row.entered_in_error_at.is_some() && !actor.may(Action::ViewEnteredInError) {
        return Err(ServiceError::NotFound("The child"));
    }
    Ok(PersonSummary::from_row(&row))
}

/// Refuses, naming the child, when the actor may not see casework; the caller's read
/// transaction records the refusal.
pub(crate) fn may_view(actor: &Actor, person_id: &str) -> ServiceResult<()> {
    if actor.may(Action::ViewCasework) {
        Ok(())
    } else {
        Err(ServiceError::denied_on_person(
            Action::ViewCasework,
            person_id,
        ))
    }
}

/// Writes the audit row of a read, after the read transaction, naming the child.
pub(crate) fn audit_read(
    conn: &mut DbConn,
    actor: &Actor,
    action: &'static str,
    entity: (&str, &str),
    person_id: &str,
) -> ServiceResult<()> {
    audit_after_read(
        conn,
        actor,
        Record::ok(action).on(entity.0, entity.1).person(person_id),
    )
}

/// Reads one strategy discussion with its participants, actions and the enquiry it started;
/// the read is audited against the child.
pub fn view(conn: &mut DbConn, actor: &Actor, discussion_id: &str) -> ServiceResult<StrategyView> {
    let view = tx::read(conn, actor, |c| {
        let d = repo::find(c, discussion_id)?
            .ok_or(ServiceError::NotFound("The strategy discussion"))?;
        may_view(actor, &d.person_id)?;
        let child = child_summary(c, actor, &d.person_id)?;
        let referral = cairn_db::front_door::referrals::find(c, &d.referral_id)?
            .ok_or(ServiceError::NotFound("The referral"))?;
        let participants = repo::participants(c, discussion_id)?;
        let missing = missing_agencies(
            participants
                .iter()
                .filter_map(|p| Agency::from_code(&p.agency)),
        );
        let chair_name = cairn_db::users::find(c, &d.chaired_by)?
            .map(|u| u.display_name)
            .unwrap_or_else(|| d.chaired_by.clone());
        let actions = actions::for_source(c, ActionSource::StrategyDiscussion, discussion_id)?;
        let section47 = s47_repo::for_discussion(c, discussion_id)?;
        Ok(StrategyView {
            held_on: uk_date(d.held_at),
            warning: absence_warning(&missing),
            discussion: d,
            child,
            referral_date: referral.referral_date,
            participants,
            missing_agencies: missing,
            chair_name,
            actions,
            section47,
        })
    })?;
    audit_read(
        conn,
        actor,
        "strategy_discussion.view",
        ("strategy_discussion", discussion_id),
        &view.child.id,
    )?;
    Ok(view)
}

/// One discussion in an episode's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StrategySummary {
    pub id: String,
    pub held_at: NaiveDateTime,
    pub held_on: NaiveDate,
    pub decision: StrategyDecision,
    pub section47_id: Option<String>,
    pub police_or_health_absent: bool,
}

/// The strategy discussions of one episode, most recent first. Not audited here: the page
/// that shows them records its own view of the child.
pub fn for_episode(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<Vec<StrategySummary>> {
    tx::read(conn, actor, |c| {
        let referral = cairn_db::front_door::referrals::find(c, referral_id)?
            .ok_or(ServiceError::NotFound("The referral"))?;
        may_view(actor, &referral.person_id)?;
        let enquiries = s47_repo::for_referral(c, referral_id)?;
        let mut out = Vec::new();
        for d in repo::for_referral(c, referral_id)? {
            let agencies: Vec<Agency> = repo::participants(c, &d.id)?
                .iter()
                .filter_map(|p| Agency::from_code(&p.agency))
                .collect();
            out.push(StrategySummary {
                held_on: uk_date(d.held_at),
                held_at: d.held_at,
                decision: StrategyDecision::from_code(&d.decision).ok_or_else(|| {
                    ServiceError::Internal(format!("unknown strategy decision {}", d.decision))
                })?,
                section47_id: enquiries
                    .iter()
                    .find(|e| e.strategy_discussion_id == d.id)
                    .map(|e| e.id.clone()),
                police_or_health_absent: !missing_agencies(agencies).is_empty(),
                id: d.id,
            });
        }
        Ok(out)
    })
}

/// One action with where it came from, for its own page (and its close form).
#[derive(Clone, Debug, Serialize)]
pub struct ActionView {
    pub action: CaseActionRow,
    pub status: ActionStatus,
    pub source: ActionSource,
    pub child: PersonSummary,
    pub completed_by_name: Option<String>,
}

/// Reads one action; the read is audited against the child.
pub fn view_action(conn: &mut DbConn, actor: &Actor, action_id: &str) -> ServiceResult<ActionView> {
    let view = tx::read(conn, actor, |c| {
        let a = cairn_db::casework::actions::find(c, action_id)?
            .ok_or(ServiceError::NotFound("The action"))?;
        may_view(actor, &a.person_id)?;
        let child = child_summary(c, actor, &a.person_id)?;
        let completed_by_name = match a.completed_by.as_deref() {
            Some(id) => Some(
                cairn_db::users::find(c, id)?
                    .map(|u| u.display_name)
                    .unwrap_or_else(|| id.to_string()),
            ),
            None => None,
        };
        Ok(ActionView {
            status: ActionStatus::from_code(&a.status).ok_or_else(|| {
                ServiceError::Internal(format!("unknown action status {}", a.status))
            })?,
            source: ActionSource::from_code(&a.source_kind).ok_or_else(|| {
                ServiceError::Internal(format!("unknown action source {}", a.source_kind))
            })?,
            child,
            completed_by_name,
            action: a,
        })
    })?;
    audit_read(
        conn,
        actor,
        "action.view",
        ("case_action", action_id),
        &view.child.id,
    )?;
    Ok(view)
}

/// What a form recording work in an episode shows: the child, the referral date, and the
/// team's active members (to chair a discussion or own an action).
#[derive(Clone, Debug, Serialize)]
pub struct EpisodeForm {
    pub referral_id: String,
    pub referral_date: NaiveDate,
    pub child: PersonSummary,
    /// (user id, display name), by name.
    pub team_members: Vec<(String, String)>,
}

/// The context of a blank form for recording work in an open episode; refused (naming the
/// child) to those who may not record casework.
pub fn episode_form(
    conn: &mut DbConn,
    actor: &Actor,
    referral_id: &str,
) -> ServiceResult<EpisodeForm> {
    let (form, person_id) = tx::read(conn, actor, |c| {
        let referral = open_episode(c, referral_id)?;
        if !actor.may(Action::RecordCasework) {
            return Err(ServiceError::denied_on_person(
                Action::RecordCasework,
                &referral.person_id,
            ));
        }
        let child = child_summary(c, actor, &referral.person_id)?;
        let team_members = cairn_db::users::active_in_team(c, &referral.team_id)?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        Ok((
            EpisodeForm {
                referral_id: referral.id,
                referral_date: referral.referral_date,
                child,
                team_members,
            },
            referral.person_id,
        ))
    })?;
    // The form shows the child's name and referral date: a read of their record.
    audit_after_read(
        conn,
        actor,
        Record::ok("episode.form_view")
            .on("referral", referral_id)
            .person(&person_id),
    )?;
    Ok(form)
}
