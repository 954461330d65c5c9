//! Supervision sessions, case discussions onto each child's record, worker profiles and
//! overdue supervision.
//!
//! A session has two parts. Its own text (reflection, wellbeing, workload, learning) is
//! private: only the two people in it, team managers of the worker's team and service managers
//! may read it; anyone else is told it does not exist (and the attempt is audited). Each case
//! discussed is written onto that child's record, where everyone who sees casework reads it
//! beside the management decisions.

use std::collections::{HashMap, HashSet};

use cairn_db::DbConn;
use cairn_db::audit::Outcome;
use cairn_db::casework::actions::CaseActionRow;
use cairn_db::recording::supervision::{
    self as repo, SessionBrief, SupervisionDiscussionRow, SupervisionSessionRow,
};
use cairn_db::recording::worker_profiles::{self as profiles, WorkerProfileRow};
use cairn_db::users::UserRow;
use cairn_domain::casework::ActionSource;
use cairn_domain::ids::{SupervisionDiscussionId, SupervisionSessionId};
use cairn_domain::person::display_name;
use cairn_domain::policy::{Action, permits};
use cairn_domain::recording::standards::RecordingStandards;
use cairn_domain::recording::supervision::{SupervisionDueDate, duration_warning, next_due};
use cairn_domain::roles::Role;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN, clean_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::standards::in_force;
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::casework::actions::{self, ActionInput};
use crate::casework::{audit_after_read, record_event, today};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::tx;

/// Bounds how many cases one session may discuss.
pub const MAX_DISCUSSIONS: usize = 30;
/// The longest session that is plausibly one sitting: ten hours.
pub const MAX_MINUTES: u32 = 600;

// ---- shared lookups ----

fn user(c: &mut DbConn, id: &str) -> ServiceResult<UserRow> {
    cairn_db::users::find(c, id)?.ok_or(ServiceError::NotFound("The worker"))
}

fn role_of(u: &UserRow) -> Option<Role> {
    Role::from_code(&u.role)
}

fn denied_on_user(action: Action, user_id: &str) -> ServiceError {
    ServiceError::Denied {
        action,
        entity_type: Some("user".into()),
        entity_id: Some(user_id.into()),
        person_id: None,
    }
}

/// The workers whose supervision is measured: everyone who holds cases, short of the service
/// managers at the top of the line.
fn is_supervised_role(role: Role) -> bool {
    permits(role, Action::RecordCasework) && role != Role::ServiceManager
}

/// Who may set a worker's profile: their team's manager, any service manager, and the
/// administrators who manage accounts.
fn may_manage_profile(actor: &Actor, worker: &UserRow) -> bool {
    match actor.role {
        Role::Administrator => actor.may(Action::ManageUsers),
        Role::ServiceManager => true,
        Role::TeamManager => {
            worker.team_id.is_some() && actor.team_id.map(|t| t.to_string()) == worker.team_id
        }
        _ => false,
    }
}

/// Who reads a session's private part: the two people in it, team managers of the worker's
/// team and service managers.
fn may_read_private(actor: &Actor, session: &SupervisionSessionRow, worker: &UserRow) -> bool {
    let me = actor.user_id_string();
    if me.as_deref() == Some(session.worker_user_id.as_str())
        || me.as_deref() == Some(session.supervisor_user_id.as_str())
    {
        return true;
    }
    match actor.role {
        Role::ServiceManager => true,
        Role::TeamManager => {
            worker.team_id.is_some() && actor.team_id.map(|t| t.to_string()) == worker.team_id
        }
        _ => false,
    }
}

// ---- supervision due ----

/// One worker's supervision: who supervises them, the last session and when the next is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupervisionDue {
    pub worker_id: String,
    pub worker_name: String,
    pub team_id: Option<String>,
    pub team_name: String,
    pub supervisor_id: Option<String>,
    pub supervisor_name: String,
    pub newly_qualified_from: Option<NaiveDate>,
    pub last_session: Option<NaiveDate>,
    pub due: SupervisionDueDate,
    pub overdue: bool,
    pub days_overdue: i64,
}

/// Where a worker's interval runs from when they have had no session: the later of their
/// start and qualifying, else when their account was made.
fn start_of(worker: &UserRow, profile: Option<&WorkerProfileRow>) -> NaiveDate {
    let from_profile =
        profile.and_then(
            |p| match (p.employment_started_on, p.newly_qualified_from) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
        );
    from_profile.unwrap_or_else(|| worker.created_at.date())
}

/// The supervision of these workers as of `today`, by worker name.
fn statuses(
    c: &mut DbConn,
    workers: &[UserRow],
    standards: &RecordingStandards,
    today: NaiveDate,
) -> ServiceResult<Vec<SupervisionDue>> {
    let ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
    let by_user: HashMap<String, WorkerProfileRow> = profiles::for_users(c, &ids)?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let last = repo::latest_per_worker(c, &ids)?;
    let supervisors: Vec<String> = by_user
        .values()
        .filter_map(|p| p.supervisor_user_id.clone())
        .collect();
    let names = cairn_db::users::display_names(c, &supervisors)?;
    let mut team_names: HashMap<String, String> = HashMap::new();
    for team in workers.iter().filter_map(|w| w.team_id.clone()) {
        if let std::collections::hash_map::Entry::Vacant(e) = team_names.entry(team) {
            let name = cairn_db::organisation::find_team(c, e.key())?
                .map(|t| t.name)
                .unwrap_or_default();
            e.insert(name);
        }
    }
    let mut out: Vec<SupervisionDue> = workers
        .iter()
        .map(|w| {
            let profile = by_user.get(&w.id);
            let nq = profile.and_then(|p| p.newly_qualified_from);
            let last_session = last.get(&w.id).copied();
            let due = next_due(standards, nq, last_session, start_of(w, profile));
            let supervisor_id = profile.and_then(|p| p.supervisor_user_id.clone());
            SupervisionDue {
                worker_id: w.id.clone(),
                worker_name: w.display_name.clone(),
                team_id: w.team_id.clone(),
                team_name: w
                    .team_id
                    .as_ref()
                    .and_then(|t| team_names.get(t).cloned())
                    .unwrap_or_default(),
                supervisor_name: supervisor_id
                    .as_ref()
                    .and_then(|s| names.get(s).cloned())
                    .unwrap_or_else(|| "No supervisor recorded".into()),
                supervisor_id,
                newly_qualified_from: nq,
                last_session,
                overdue: due.is_overdue(today),
                days_overdue: due.days_overdue(today),
                due,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.worker_name, &a.worker_id).cmp(&(&b.worker_name, &b.worker_id)));
    Ok(out)
}

/// The workers a manager's view covers: their team (a team manager), or every team.
fn workers_in_scope(c: &mut DbConn, team: Option<&str>) -> ServiceResult<Vec<UserRow>> {
    let users = match team {
        Some(t) => cairn_db::users::active_in_team(c, t)?,
        None => cairn_db::users::active_with_team(c)?,
    };
    Ok(users
        .into_iter()
        .filter(|u| role_of(u).is_some_and(is_supervised_role))
        .collect())
}

/// A team manager sees their own team; service managers and the quality roles every team.
/// Everyone else is refused, and the refusal audited.
fn scope(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Option<String>> {
    let action = if actor.may(Action::ViewTeamWork) {
        Action::ViewTeamWork
    } else {
        Action::ViewRecordingQuality
    };
    tx::require(conn, actor, action)?;
    if actor.role == Role::TeamManager {
        return actor
            .team_id
            .map(|t| Some(t.to_string()))
            .ok_or_else(|| ServiceError::invalid("team", "You are not in a team"));
    }
    Ok(None)
}

/// Workers whose supervision is overdue, most overdue first: a team manager's team, or every
/// team for service managers and the quality roles. Weekly then fortnightly for the newly
/// qualified, then at the standard interval; a worker with no profile is measured at the
/// standard interval from their last session or from when their account was made.
pub fn overdue_supervision(
    c: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
) -> ServiceResult<Vec<SupervisionDue>> {
    let team = scope(c, actor)?;
    tx::read(c, actor, |c| {
        let standards = in_force(c, today)?;
        let workers = workers_in_scope(c, team.as_deref())?;
        let mut due: Vec<SupervisionDue> = statuses(c, &workers, &standards, today)?
            .into_iter()
            .filter(|s| s.overdue)
            .collect();
        due.sort_by_key(|s| std::cmp::Reverse(s.days_overdue));
        Ok(due)
    })
}

// ---- worker profiles ----

/// A worker's profile as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileInput {
    pub supervisor_user_id: Option<String>,
    pub employment_started_on: Option<NaiveDate>,
    pub newly_qualified_from: Option<NaiveDate>,
    /// The version the form was shown at; none when there was no profile yet.
    pub version: Option<i32>,
}

/// A worker's profile page: who they are, their profile and supervision, and who may
/// supervise them.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerProfileView {
    pub worker: UserRow,
    pub team_name: String,
    pub profile: Option<WorkerProfileRow>,
    pub status: SupervisionDue,
    /// (user id, display name, role label) of everyone who may supervise: active, permitted
    /// to record supervision, not the worker.
    pub supervisors: Vec<(String, String, String)>,
}

fn supervisor_choices(
    c: &mut DbConn,
    worker_id: &str,
) -> ServiceResult<Vec<(String, String, String)>> {
    Ok(cairn_db::users::list(c)?
        .into_iter()
        .filter(|u| u.active && u.id != worker_id)
        .filter_map(|u| {
            let role = role_of(&u)?;
            permits(role, Action::RecordSupervision).then(|| {
                (
                    u.id.clone(),
                    u.display_name.clone(),
                    role.label().to_string(),
                )
            })
        })
        .collect())
}

/// A worker's profile, for the managers who may set it.
pub fn worker_profile(
    conn: &mut DbConn,
    actor: &Actor,
    worker_id: &str,
    today: NaiveDate,
) -> ServiceResult<WorkerProfileView> {
    tx::read(conn, actor, |c| {
        let worker = user(c, worker_id)?;
        if !may_manage_profile(actor, &worker) {
            return Err(denied_on_user(Action::RecordSupervision, worker_id));
        }
        let standards = in_force(c, today)?;
        let status = statuses(c, std::slice::from_ref(&worker), &standards, today)?
            .pop()
            .ok_or(ServiceError::NotFound("The worker"))?;
        Ok(WorkerProfileView {
            profile: profiles::find(c, worker_id)?,
            supervisors: supervisor_choices(c, worker_id)?,
            team_name: status.team_name.clone(),
            status,
            worker,
        })
    })
}

fn check_supervisor(
    c: &mut DbConn,
    worker_id: &str,
    supervisor: Option<&str>,
    errors: &mut FieldErrors,
) -> ServiceResult<()> {
    let Some(id) = supervisor else {
        return Ok(());
    };
    if id == worker_id {
        errors.push(
            "supervisor",
            "A worker cannot supervise themself: choose someone else",
        );
        return Ok(());
    }
    match cairn_db::users::find(c, id)? {
        Some(u) if !u.active => errors.push(
            "supervisor",
            "That supervisor's account is no longer active: choose someone else",
        ),
        Some(u) if role_of(&u).is_some_and(|r| permits(r, Action::RecordSupervision)) => {}
        Some(_) => errors.push(
            "supervisor",
            "Choose a senior practitioner or a manager: only they record supervision",
        ),
        None => errors.push("supervisor", "Choose a supervisor from the list"),
    }
    Ok(())
}

/// Sets who supervises a worker and since when they are employed and newly qualified. A
/// supervisor must be active, able to record supervision, and not the worker.
pub fn set_worker_profile(
    conn: &mut DbConn,
    actor: &Actor,
    worker_id: &str,
    input: &ProfileInput,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        let worker = user(c, worker_id)?;
        if !may_manage_profile(actor, &worker) {
            return Err(denied_on_user(Action::RecordSupervision, worker_id));
        }
        let supervisor = input
            .supervisor_user_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut errors = FieldErrors::new();
        check_supervisor(c, worker_id, supervisor, &mut errors)?;
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let existing = profiles::find(c, worker_id)?;
        let row = WorkerProfileRow {
            user_id: worker_id.to_string(),
            supervisor_user_id: supervisor.map(str::to_string),
            employment_started_on: input.employment_started_on,
            newly_qualified_from: input.newly_qualified_from,
            version: existing.as_ref().map_or(1, |p| p.version + 1),
            updated_at: cairn_db::now(),
            updated_by: actor.author(),
        };
        let stale = || {
            ServiceError::Conflict(
                "Someone else changed this worker's profile first: reload it to see what they set"
                    .into(),
            )
        };
        let before = match &existing {
            Some(p) => {
                let expected = input.version.unwrap_or(p.version);
                if !profiles::update(c, &row, expected)? {
                    return Err(stale());
                }
                profile_json(Some(p))
            }
            None if input.version.is_some() => return Err(stale()),
            None => {
                profiles::insert(c, &row)?;
                profile_json(None)
            }
        };
        let changes = audit_trail::diff(&before, &profile_json(Some(&row)));
        cairn_db::events::append(
            c,
            &event(
                "worker_profile.set",
                None,
                "worker_profile",
                worker_id,
                actor,
                json!({ "changes": changes }),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("worker_profile.set")
                .on("user", worker_id)
                .changes(&changes),
        )?;
        Ok(())
    })
}

fn profile_json(p: Option<&WorkerProfileRow>) -> serde_json::Value {
    json!({
        "supervisor_user_id": p.and_then(|p| p.supervisor_user_id.clone()),
        "employment_started_on": p.and_then(|p| p.employment_started_on),
        "newly_qualified_from": p.and_then(|p| p.newly_qualified_from),
    })
}

// ---- sessions ----

/// One case discussed, as typed: the child, what was discussed and decided, and actions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiscussionInput {
    pub person_id: String,
    pub discussion: String,
    pub decisions: String,
    pub actions: Vec<ActionInput>,
}

impl DiscussionInput {
    fn is_blank(&self) -> bool {
        self.person_id.trim().is_empty()
            && self.discussion.trim().is_empty()
            && self.decisions.trim().is_empty()
            && self.actions.iter().all(|a| {
                a.description.trim().is_empty()
                    && a.owner_name.trim().is_empty()
                    && a.owner_user_id
                        .as_deref()
                        .is_none_or(|o| o.trim().is_empty())
                    && a.due_on.is_none()
            })
    }
}

/// A session as typed. The supervisor is the person recording it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionInput {
    pub worker_user_id: String,
    pub held_on: Option<NaiveDate>,
    pub duration_minutes: Option<u32>,
    pub reflective_discussion: String,
    pub wellbeing: String,
    pub workload: String,
    pub learning: String,
    pub discussions: Vec<DiscussionInput>,
}

/// What recording a session made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedSession {
    pub id: String,
    pub discussion_ids: Vec<String>,
    /// When the session was shorter than the standard's minimum.
    pub warning: Option<String>,
}

/// The children a worker may discuss: those in their open cases (held, or with an
/// assessment of theirs in progress), by name.
pub fn open_cases_of(c: &mut DbConn, worker_id: &str) -> ServiceResult<Vec<(String, String)>> {
    let mut episodes = cairn_db::casework::work::open_episodes_for_worker(c, worker_id)?;
    episodes.extend(cairn_db::casework::work::open_episodes_with_assessments_by(
        c, worker_id,
    )?);
    let people: Vec<String> = episodes
        .into_iter()
        .map(|e| e.person_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut out: Vec<(String, String)> = cairn_db::casework::work::names_of_people(c, &people)?
        .into_iter()
        .map(|p| (p.id, display_name(&p.given_names, &p.family_name)))
        .collect();
    out.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    Ok(out)
}

struct ValidDiscussion {
    person_id: String,
    discussion: String,
    decisions: String,
    actions: Vec<ActionInput>,
}

struct ValidSession {
    held_on: NaiveDate,
    minutes: u32,
    reflective_discussion: String,
    wellbeing: String,
    workload: String,
    learning: String,
    discussions: Vec<ValidDiscussion>,
}

fn validate_discussions(
    input: &[DiscussionInput],
    cases: &[(String, String)],
    held_on: Option<NaiveDate>,
    errors: &mut FieldErrors,
) -> Vec<ValidDiscussion> {
    let mut kept = Vec::new();
    if input.len() > MAX_DISCUSSIONS {
        errors.push(
            "cases",
            format!("Discuss at most {MAX_DISCUSSIONS} cases in one session"),
        );
        return kept;
    }
    let mut seen: HashSet<String> = HashSet::new();
    for (i, d) in input.iter().enumerate().filter(|(_, d)| !d.is_blank()) {
        let n = i + 1;
        let person = d.person_id.trim().to_string();
        if person.is_empty() {
            errors.push(
                format!("cases-{n}-person"),
                format!("Select the child for case {n}"),
            );
        } else if !cases.iter().any(|(id, _)| *id == person) {
            errors.push(
                format!("cases-{n}-person"),
                format!("Select a child from the worker's open cases for case {n}"),
            );
        } else if !seen.insert(person.clone()) {
            errors.push(
                format!("cases-{n}-person"),
                format!("Case {n} is a child already discussed above: write both in one"),
            );
        }
        let discussion = clean_text(
            &format!("cases-{n}-discussion"),
            &format!("What was discussed about case {n}"),
            &d.discussion,
            MAX_TEXT_LEN,
            true,
            errors,
        );
        let decisions = clean_text(
            &format!("cases-{n}-decisions"),
            &format!("The decisions for case {n}"),
            &d.decisions,
            MAX_TEXT_LEN,
            false,
            errors,
        );
        let prefix = format!("cases-{n}-actions");
        let actions = actions::validate(&prefix, &d.actions, errors);
        for (j, a) in d.actions.iter().enumerate() {
            if let (Some(due), Some(held)) = (a.due_on, held_on)
                && due < held
            {
                errors.push(
                    format!("{prefix}-{}-due", j + 1),
                    format!("Action {} must be due on or after the session", j + 1),
                );
            }
        }
        if let Some(discussion) = discussion {
            kept.push(ValidDiscussion {
                person_id: person,
                discussion,
                decisions: decisions.unwrap_or_default(),
                actions,
            });
        }
    }
    kept
}

fn validate_session(
    input: &SessionInput,
    cases: &[(String, String)],
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<ValidSession> {
    match input.held_on {
        None => errors.push("held_on", "Enter the date of the session"),
        Some(d) if d > today => errors.push("held_on", "The session must not be in the future"),
        Some(_) => {}
    }
    match input.duration_minutes {
        None => errors.push(
            "duration_minutes",
            "Enter how many minutes the session lasted",
        ),
        Some(m) if m == 0 || m > MAX_MINUTES => errors.push(
            "duration_minutes",
            format!("The length must be between 1 and {MAX_MINUTES} minutes"),
        ),
        Some(_) => {}
    }
    let mut text = |field: &str, label: &str, value: &str, required: bool| {
        clean_text(field, label, value, MAX_TEXT_LEN, required, errors)
    };
    let reflective = text(
        "reflective_discussion",
        "The reflective discussion",
        &input.reflective_discussion,
        true,
    );
    let wellbeing = text("wellbeing", "Wellbeing", &input.wellbeing, false);
    let workload = text("workload", "Workload", &input.workload, false);
    let learning = text("learning", "Learning", &input.learning, false);
    let discussions = validate_discussions(&input.discussions, cases, input.held_on, errors);
    Some(ValidSession {
        held_on: input.held_on?,
        minutes: input.duration_minutes?,
        reflective_discussion: reflective?,
        wellbeing: wellbeing.unwrap_or_default(),
        workload: workload.unwrap_or_default(),
        learning: learning.unwrap_or_default(),
        discussions,
    })
}

/// The worker a session is with: an active account, and not the person recording it.
fn session_worker(c: &mut DbConn, actor: &Actor, worker_id: &str) -> ServiceResult<UserRow> {
    let worker = match cairn_db::users::find(c, worker_id.trim())? {
        Some(u) if u.active => u,
        _ => {
            return Err(ServiceError::invalid(
                "worker",
                "Choose a worker with an active account",
            ));
        }
    };
    if actor.user_id_string().as_deref() == Some(worker.id.as_str()) {
        return Err(ServiceError::invalid(
            "worker",
            "You cannot record your own supervision: your supervisor records it",
        ));
    }
    Ok(worker)
}

fn prepare_session(
    c: &mut DbConn,
    actor: &Actor,
    input: &SessionInput,
) -> ServiceResult<(UserRow, ValidSession, RecordingStandards)> {
    let worker = session_worker(c, actor, &input.worker_user_id)?;
    let cases = open_cases_of(c, &worker.id)?;
    let mut errors = FieldErrors::new();
    let valid = validate_session(input, &cases, today(), &mut errors);
    let standards = in_force(c, input.held_on.unwrap_or_else(today))?;
    match valid {
        Some(v) if errors.is_empty() => Ok((worker, v, standards)),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Runs every check [`record_session`] makes without writing anything.
pub fn check_session(conn: &mut DbConn, actor: &Actor, input: &SessionInput) -> ServiceResult<()> {
    tx::require(conn, actor, Action::RecordSupervision)?;
    tx::read(conn, actor, |c| {
        prepare_session(c, actor, input).map(|_| ())
    })
}

fn write_discussion(
    c: &mut DbConn,
    actor: &Actor,
    session: &SupervisionSessionRow,
    d: &ValidDiscussion,
) -> ServiceResult<String> {
    let id = SupervisionDiscussionId::new().to_string();
    repo::insert_discussion(
        c,
        &SupervisionDiscussionRow {
            id: id.clone(),
            session_id: session.id.clone(),
            person_id: d.person_id.clone(),
            discussion: d.discussion.clone(),
            decisions: d.decisions.clone(),
            created_at: cairn_db::now(),
        },
    )?;
    let action_ids = actions::insert_all(
        c,
        actor,
        &d.person_id,
        ActionSource::Supervision,
        &id,
        &d.actions,
    )?;
    record_event(
        c,
        actor,
        ("supervision.discussed", "supervision.discuss"),
        ("supervision_discussion", &id),
        &d.person_id,
        json!({
            "session_id": session.id,
            "held_on": session.held_on,
            "worker_user_id": session.worker_user_id,
            "supervisor_user_id": session.supervisor_user_id,
            "actions": action_ids.len(),
        }),
    )?;
    Ok(id)
}

/// Records a supervision session held by the person recording it with a worker, and writes
/// each case discussed (with its actions) onto that child's record, in one transaction. A
/// session shorter than the standard is recorded with a warning.
pub fn record_session(
    conn: &mut DbConn,
    actor: &Actor,
    input: &SessionInput,
) -> ServiceResult<RecordedSession> {
    tx::require(conn, actor, Action::RecordSupervision)?;
    tx::write(conn, actor, |c| {
        let (worker, v, standards) = prepare_session(c, actor, input)?;
        let session = SupervisionSessionRow {
            id: SupervisionSessionId::new().to_string(),
            worker_user_id: worker.id.clone(),
            supervisor_user_id: actor.author(),
            held_on: v.held_on,
            // `validate_session` bounds the length far below i32::MAX.
            duration_minutes: i32::try_from(v.minutes).unwrap_or(i32::MAX),
            reflective_discussion: v.reflective_discussion.clone(),
            wellbeing: v.wellbeing.clone(),
            workload: v.workload.clone(),
            learning: v.learning.clone(),
            created_at: cairn_db::now(),
            created_by: actor.author(),
        };
        repo::insert_session(c, &session)?;
        let mut discussion_ids = Vec::new();
        for d in &v.discussions {
            discussion_ids.push(write_discussion(c, actor, &session, d)?);
        }
        let warning = duration_warning(&standards, v.minutes);
        // The session's own text is private: neither the event nor the audit row carries it.
        let detail = json!({
            "worker_user_id": worker.id,
            "held_on": v.held_on,
            "duration_minutes": v.minutes,
            "cases_discussed": discussion_ids.len(),
            "shorter_than_standard": warning.is_some(),
        });
        cairn_db::events::append(
            c,
            &event(
                "supervision.recorded",
                None,
                "supervision_session",
                &session.id,
                actor,
                detail.clone(),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("supervision.record")
                .on("supervision_session", &session.id)
                .detail(detail),
        )?;
        Ok(RecordedSession {
            id: session.id,
            discussion_ids,
            warning,
        })
    })
}

/// What the form for a new session shows: the worker, their open cases to discuss, who may
/// own an action, and the standard length of a session.
#[derive(Clone, Debug, Serialize)]
pub struct SessionForm {
    pub worker_id: String,
    pub worker_name: String,
    /// (person id, name), by name.
    pub open_cases: Vec<(String, String)>,
    /// (user id, display name): the worker's team, and the supervisor.
    pub owners: Vec<(String, String)>,
    pub minimum_minutes: u32,
    pub status: SupervisionDue,
}

/// The context of a blank session form with `worker_id`; it lists the worker's children by
/// name, so it is an audited read.
pub fn session_form(
    conn: &mut DbConn,
    actor: &Actor,
    worker_id: &str,
    today: NaiveDate,
) -> ServiceResult<SessionForm> {
    tx::require(conn, actor, Action::RecordSupervision)?;
    let form = tx::read(conn, actor, |c| {
        let worker = session_worker(c, actor, worker_id)?;
        let open_cases = open_cases_of(c, &worker.id)?;
        let mut owners: Vec<(String, String)> = match &worker.team_id {
            Some(t) => cairn_db::users::active_in_team(c, t)?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect(),
            None => vec![(worker.id.clone(), worker.display_name.clone())],
        };
        if let Some(me) = actor.user_id_string()
            && !owners.iter().any(|(id, _)| *id == me)
        {
            owners.insert(0, (me, actor.display_name.clone()));
        }
        let standards = in_force(c, today)?;
        let status = statuses(c, std::slice::from_ref(&worker), &standards, today)?
            .pop()
            .ok_or(ServiceError::NotFound("The worker"))?;
        Ok(SessionForm {
            worker_id: worker.id,
            worker_name: worker.display_name,
            open_cases,
            owners,
            minimum_minutes: standards.supervision_minimum_minutes,
            status,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("supervision.form_view")
            .on("user", &form.worker_id)
            .detail(json!({ "open_cases": form.open_cases.len() })),
    )?;
    Ok(form)
}

/// One case discussed in supervision, as the child's record (and the session) shows it.
#[derive(Clone, Debug, Serialize)]
pub struct DiscussionView {
    pub discussion: SupervisionDiscussionRow,
    pub child_name: String,
    pub session_id: String,
    pub held_on: NaiveDate,
    pub worker_id: String,
    pub worker_name: String,
    pub supervisor_id: String,
    pub supervisor_name: String,
    pub actions: Vec<CaseActionRow>,
}

fn discussion_views(
    c: &mut DbConn,
    rows: Vec<(SupervisionDiscussionRow, SessionBrief)>,
    actions: &mut HashMap<(String, String), Vec<CaseActionRow>>,
) -> ServiceResult<Vec<DiscussionView>> {
    let staff: Vec<String> = rows
        .iter()
        .flat_map(|(_, s)| [s.worker_user_id.clone(), s.supervisor_user_id.clone()])
        .collect();
    let names = cairn_db::users::display_names(c, &staff)?;
    let people: Vec<String> = rows.iter().map(|(d, _)| d.person_id.clone()).collect();
    let children: HashMap<String, String> = cairn_db::casework::work::names_of_people(c, &people)?
        .into_iter()
        .map(|p| (p.id, display_name(&p.given_names, &p.family_name)))
        .collect();
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    Ok(rows
        .into_iter()
        .map(|(d, s)| {
            let key = (ActionSource::Supervision.code().to_string(), d.id.clone());
            DiscussionView {
                child_name: children.get(&d.person_id).cloned().unwrap_or_default(),
                session_id: s.id,
                held_on: s.held_on,
                worker_name: name(&s.worker_user_id),
                supervisor_name: name(&s.supervisor_user_id),
                worker_id: s.worker_user_id,
                supervisor_id: s.supervisor_user_id,
                actions: actions.remove(&key).unwrap_or_default(),
                discussion: d,
            }
        })
        .collect())
}

/// The child's supervision discussions, newest first, inside the caller's read (the
/// oversight tab). `actions` holds the child's actions by source; the ones used are taken.
pub(crate) fn discussions_for_child(
    c: &mut DbConn,
    person_id: &str,
    actions: &mut HashMap<(String, String), Vec<CaseActionRow>>,
) -> ServiceResult<Vec<DiscussionView>> {
    let rows = repo::discussions_of_person(c, person_id)?;
    discussion_views(c, rows, actions)
}

/// A session with its private part and every case discussed.
#[derive(Clone, Debug, Serialize)]
pub struct SessionView {
    pub session: SupervisionSessionRow,
    pub worker_name: String,
    pub supervisor_name: String,
    pub discussions: Vec<DiscussionView>,
    /// When the session was shorter than the standard in force on its day.
    pub warning: Option<String>,
}

/// Reads a session. Only the two people in it, team managers of the worker's team and
/// service managers may: anyone else is told it was not found, and the attempt is audited.
pub fn view_session(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: &str,
) -> ServiceResult<SessionView> {
    let read = tx::read(conn, actor, |c| {
        let session =
            repo::find_session(c, session_id)?.ok_or(ServiceError::NotFound("The session"))?;
        let worker = user(c, &session.worker_user_id)?;
        if !may_read_private(actor, &session, &worker) {
            return Ok(None);
        }
        let brief = SessionBrief {
            id: session.id.clone(),
            worker_user_id: session.worker_user_id.clone(),
            supervisor_user_id: session.supervisor_user_id.clone(),
            held_on: session.held_on,
            duration_minutes: session.duration_minutes,
        };
        let rows: Vec<(SupervisionDiscussionRow, SessionBrief)> =
            repo::discussions_of_session(c, session_id)?
                .into_iter()
                .map(|d| (d, brief.clone()))
                .collect();
        let mut actions = HashMap::new();
        for (d, _) in &rows {
            actions.insert(
                (ActionSource::Supervision.code().to_string(), d.id.clone()),
                cairn_db::casework::actions::for_source(
                    c,
                    ActionSource::Supervision.code(),
                    &d.id,
                )?,
            );
        }
        let discussions = discussion_views(c, rows, &mut actions)?;
        let standards = in_force(c, session.held_on)?;
        let minutes = u32::try_from(session.duration_minutes).unwrap_or(0);
        Ok(Some(SessionView {
            worker_name: worker.display_name,
            supervisor_name: cairn_db::users::find(c, &session.supervisor_user_id)?
                .map(|u| u.display_name)
                .unwrap_or_else(|| session.supervisor_user_id.clone()),
            warning: duration_warning(&standards, minutes),
            discussions,
            session,
        }))
    })?;
    let Some(view) = read else {
        refuse_private(conn, actor, session_id)?;
        return Err(ServiceError::NotFound("The session"));
    };
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("supervision.view").on("supervision_session", session_id),
        )?;
        // The case discussions are part of each child's record: each read names its child.
        for d in &view.discussions {
            audit_trail::write(
                c,
                actor,
                Record::ok("supervision_discussion.view")
                    .on("supervision_discussion", &d.discussion.id)
                    .person(&d.discussion.person_id),
            )?;
        }
        Ok(())
    })?;
    Ok(view)
}

/// Audits an attempt to read a session by someone outside it and its line management.
fn refuse_private(conn: &mut DbConn, actor: &Actor, session_id: &str) -> ServiceResult<()> {
    audit_after_read(
        conn,
        actor,
        Record::ok("access.denied")
            .outcome(Outcome::Denied)
            .on("supervision_session", session_id)
            .detail(json!({ "attempted": "ViewSupervisionSession", "role": actor.role.code() })),
    )
}

/// Goes from one case discussion to its place on the child's record: the child's id.
pub fn discussion_person(
    conn: &mut DbConn,
    actor: &Actor,
    discussion_id: &str,
) -> ServiceResult<String> {
    tx::read(conn, actor, |c| {
        let d = repo::find_discussion(c, discussion_id)?
            .ok_or(ServiceError::NotFound("The supervision discussion"))?;
        crate::casework::strategy::may_view(actor, &d.person_id)?;
        Ok(d.person_id)
    })
}

/// A session in a list: who with whom, when, how long (never the private text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionLine {
    pub id: String,
    pub held_on: NaiveDate,
    pub worker_id: String,
    pub worker_name: String,
    pub supervisor_id: String,
    pub supervisor_name: String,
    pub duration_minutes: i32,
}

/// The latest sessions the actor was in, as worker or supervisor, newest first.
pub fn my_sessions(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<SessionLine>> {
    tx::require(conn, actor, Action::ViewCasework)?;
    let Some(me) = actor.user_id_string() else {
        return Ok(Vec::new());
    };
    tx::read(conn, actor, |c| session_lines(c, &me))
}

fn session_lines(c: &mut DbConn, user_id: &str) -> ServiceResult<Vec<SessionLine>> {
    let rows = repo::sessions_of_user(c, user_id, 100)?;
    let staff: Vec<String> = rows
        .iter()
        .flat_map(|s| [s.worker_user_id.clone(), s.supervisor_user_id.clone()])
        .collect();
    let names = cairn_db::users::display_names(c, &staff)?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    Ok(rows
        .into_iter()
        .map(|s| SessionLine {
            worker_name: name(&s.worker_user_id),
            supervisor_name: name(&s.supervisor_user_id),
            id: s.id,
            held_on: s.held_on,
            worker_id: s.worker_user_id,
            supervisor_id: s.supervisor_user_id,
            duration_minutes: s.duration_minutes,
        })
        .collect())
}

/// The `/supervision` page: the supervisor's supervisees with their next session due, a
/// team manager's overdue supervision, and the sessions the user was in.
#[derive(Clone, Debug, Serialize)]
pub struct SupervisionDashboard {
    pub supervisees: Vec<SupervisionDue>,
    /// For a team manager: their team's overdue supervision, most overdue first.
    pub team_overdue: Option<Vec<SupervisionDue>>,
    /// For a team manager: everyone in their team whose supervision is measured, by name.
    pub team: Option<Vec<SupervisionDue>>,
    pub sessions: Vec<SessionLine>,
    pub standards: RecordingStandards,
}

/// Everything on `/supervision` for the actor. Names only staff, so no audit row is needed.
pub fn dashboard(
    conn: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
) -> ServiceResult<SupervisionDashboard> {
    tx::require(conn, actor, Action::ViewCasework)?;
    let me = actor.user_id_string().unwrap_or_default();
    let team = (actor.role == Role::TeamManager)
        .then(|| actor.team_id.map(|t| t.to_string()))
        .flatten();
    tx::read(conn, actor, |c| {
        let standards = in_force(c, today)?;
        let ids: Vec<String> = profiles::supervised_by(c, &me)?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        let mut workers = Vec::new();
        for id in &ids {
            if let Some(u) = cairn_db::users::find(c, id)?.filter(|u| u.active) {
                workers.push(u);
            }
        }
        let supervisees = statuses(c, &workers, &standards, today)?;
        let team_all = match &team {
            Some(t) => {
                let in_team = workers_in_scope(c, Some(t))?;
                Some(statuses(c, &in_team, &standards, today)?)
            }
            None => None,
        };
        let team_overdue = team_all.as_ref().map(|all| {
            let mut due: Vec<SupervisionDue> = all.iter().filter(|s| s.overdue).cloned().collect();
            due.sort_by_key(|s| std::cmp::Reverse(s.days_overdue));
            due
        });
        Ok(SupervisionDashboard {
            supervisees,
            team_overdue,
            team: team_all,
            sessions: session_lines(c, &me)?,
            standards,
        })
    })
}

/// The workers a supervisor may choose for a new session: their supervisees first, then the
/// rest of their team (and for service managers every active worker), by name.
pub fn worker_choices(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<(String, String)>> {
    tx::require(conn, actor, Action::RecordSupervision)?;
    let me = actor.user_id_string().unwrap_or_default();
    tx::read(conn, actor, |c| {
        let team = actor.team_id.map(|t| t.to_string());
        let pool = match (&team, actor.role) {
            (_, Role::ServiceManager) | (None, _) => cairn_db::users::active_with_team(c)?,
            (Some(t), _) => cairn_db::users::active_in_team(c, t)?,
        };
        let supervised: HashSet<String> = profiles::supervised_by(c, &me)?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        let mut out: Vec<(bool, String, String)> = pool
            .into_iter()
            .filter(|u| u.id != me && role_of(u).is_some_and(is_supervised_role))
            .map(|u| (!supervised.contains(&u.id), u.display_name, u.id))
            .collect();
        for id in &supervised {
            if !out.iter().any(|(_, _, u)| u == id)
                && let Some(u) = cairn_db::users::find(c, id)?.filter(|u| u.active)
            {
                out.push((false, u.display_name, u.id));
            }
        }
        out.sort();
        Ok(out.into_iter().map(|(_, name, id)| (id, name)).collect())
    })
}
