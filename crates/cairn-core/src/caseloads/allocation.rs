//! Allocating and reallocating a child's case or a piece of work, with the allocation screen's
//! candidates and their loads.
//!
//! A case is a child: it is allocated by its open episode (the referral), and the referral's
//! team and worker are kept in step with the open case allocation, because the rest of Cairn
//! reads them. A piece of work (an assessment, a section 47 enquiry) may be given to someone
//! other than the case holder. Every allocation records the load it was made against; one that
//! takes a worker over the red safe working level needs a manager's override with a reason.

use std::collections::{HashMap, HashSet};

use cairn_db::DbConn;
use cairn_db::caseloads::allocations::{self as repo, AllocationRow, Ending};
use cairn_db::caseloads::load::{self, CaseFacts, Worker, WorkerLoad, Workers};
use cairn_db::front_door::referrals::{self as referral_repo, ReferralRow};
use cairn_domain::caseloads::load::{Load, WeighedWork};
use cairn_domain::caseloads::model::WorkloadModel;
use cairn_domain::caseloads::{AllocatedWork, Rating};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN, clean_text};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::alerts::{self, Affected};
use super::notifications::{self, Notice};
use super::{snapshots, unallocated};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::casework::audit_after_read;
use crate::casework::strategy::{child_summary, may_view};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::search::PersonSummary;
use crate::tx;

/// What is being allocated, as the screen's `?work=` and the API name it: `case`,
/// `assessment:<id>` or `section47:<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkRef {
    Case,
    Piece(AllocatedWork, String),
}

impl WorkRef {
    pub fn parse(text: &str) -> Option<WorkRef> {
        let text = text.trim();
        if text.is_empty() || text == "case" {
            return Some(WorkRef::Case);
        }
        let (kind, id) = text.split_once(':')?;
        let kind = AllocatedWork::from_code(kind).filter(|k| *k != AllocatedWork::Case)?;
        let id = id.trim();
        (!id.is_empty() && id.len() <= 64).then(|| WorkRef::Piece(kind, id.to_string()))
    }

    pub fn param(&self) -> String {
        match self {
            WorkRef::Case => "case".into(),
            WorkRef::Piece(kind, id) => format!("{}:{id}", kind.code()),
        }
    }

    pub fn kind(&self) -> AllocatedWork {
        match self {
            WorkRef::Case => AllocatedWork::Case,
            WorkRef::Piece(kind, _) => *kind,
        }
    }
}

/// An allocation as a manager asks for it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllocationInput {
    /// `case`, `assessment:<id>` or `section47:<id>`.
    pub work: String,
    pub team_id: String,
    pub worker_id: String,
    /// None: today. Earlier days are allowed (a back-dated allocation), later ones are not.
    pub starts_on: Option<NaiveDate>,
    /// Why this worker; required when the work is taken from someone else.
    pub reason: String,
    /// Required when the allocation takes the worker over the red safe working level.
    pub override_reason: String,
    /// The version the manager saw: the referral's for a case, the open allocation's for a
    /// piece of work (0 when it had none). None: no check beyond the open-row index.
    pub expected_version: Option<i32>,
    /// Brothers and sisters whose cases are allocated to the same worker in the same step
    /// (person ids, from the screen's list).
    pub siblings: Vec<String>,
}

/// What an allocation made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Allocated {
    /// The new allocations: this child's first, then each sibling's.
    pub ids: Vec<String>,
    /// The worker's rating after all of them.
    pub rating: Rating,
    pub overridden: bool,
    pub back_dated: bool,
}

/// What the allocation is of, found inside the transaction.
struct Target {
    person_id: String,
    referral: ReferralRow,
    work: AllocatedWork,
    work_id: String,
    open: Option<AllocationRow>,
}

fn closed_episode() -> ServiceError {
    ServiceError::Conflict(
        "This child has no open episode: a closed case cannot be allocated".into(),
    )
}

fn find_target(c: &mut DbConn, person_id: &str, work: &WorkRef) -> ServiceResult<Target> {
    let (referral, work_id) = match work {
        WorkRef::Case => {
            let referral =
                referral_repo::open_for_person(c, person_id)?.ok_or_else(closed_episode)?;
            let id = referral.id.clone();
            (referral, id)
        }
        WorkRef::Piece(kind, id) => {
            let piece = repo::piece(c, kind.code(), id)?
                .filter(|p| p.person_id == person_id)
                .ok_or(ServiceError::NotFound("The piece of work"))?;
            if piece.finished {
                return Err(ServiceError::Conflict(
                    "This piece of work is finished: there is nothing left to allocate".into(),
                ));
            }
            let referral = referral_repo::find(c, &piece.referral_id)?
                .ok_or(ServiceError::NotFound("The episode"))?;
            (referral, id.clone())
        }
    };
    if referral.closed_on.is_some() {
        return Err(closed_episode());
    }
    let kind = work.kind();
    let open = repo::open_for_work(c, kind.code(), &work_id)?;
    Ok(Target {
        person_id: person_id.to_string(),
        referral,
        work: kind,
        work_id,
        open,
    })
}

/// A team manager allocates into their own team, or moves work their team holds; a service
/// manager allocates anywhere.
fn may_allocate_to(actor: &Actor, team_id: &str, current_team: Option<&str>) -> ServiceResult<()> {
    if actor.role != Role::TeamManager {
        return Ok(());
    }
    let own = actor.team_id.map(|t| t.to_string());
    let ok = own
        .as_deref()
        .is_some_and(|own| own == team_id || current_team == Some(own));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Denied {
            action: Action::AllocateWork,
            entity_type: Some("team".into()),
            entity_id: Some(team_id.to_string()),
            person_id: None,
        })
    }
}

/// Why a worker cannot take new work on `on`, if they cannot.
pub fn unavailable_because(worker: &Worker, on: NaiveDate) -> Option<String> {
    if !worker.active {
        return Some("Account disabled".into());
    }
    if let Some(left) = worker.left_on.filter(|l| *l <= on) {
        return Some(format!("Left on {}", format_long(left)));
    }
    if worker.absent_on(on) {
        return Some(match worker.absent_until {
            Some(until) => format!("On leave until {}", format_long(until)),
            None => "On leave".into(),
        });
    }
    if !cairn_domain::policy::permits(worker.role, Action::RecordCasework) {
        return Some(format!("{} does not hold cases", worker.role.label()));
    }
    None
}

fn worker_error(worker: &Worker, on: NaiveDate) -> Option<String> {
    if !worker.active {
        return Some(format!(
            "{}'s account is disabled: choose someone else",
            worker.display_name
        ));
    }
    if let Some(left) = worker.left_on.filter(|l| *l <= on) {
        return Some(format!(
            "{} left on {}: choose someone else",
            worker.display_name,
            format_long(left)
        ));
    }
    if worker.absent_on(on) {
        return Some(format!(
            "{} is on leave on {}: choose someone else",
            worker.display_name,
            format_long(on)
        ));
    }
    if !cairn_domain::policy::permits(worker.role, Action::RecordCasework) {
        return Some(format!(
            "{} does not hold cases: choose a practitioner",
            worker.display_name
        ));
    }
    None
}

/// A brother or sister who can be allocated with the child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiblingOption {
    pub person_id: String,
    pub name: String,
    pub referral_id: String,
    /// Who holds their case now (the same worker as the child's), if anyone.
    pub holder_name: Option<String>,
    pub weight: WeighedWork,
}

/// A brother or sister whose open case may be allocated with the child, before weighing.
struct SiblingCase {
    person: PersonSummary,
    referral_id: String,
    holder_name: Option<String>,
}

impl SiblingCase {
    fn case(&self) -> (String, String) {
        (self.person.id.clone(), self.referral_id.clone())
    }
}

/// Siblings whose open case is unallocated or held by `previous` (the child's current case
/// holder): the screen ticks them by default.
fn sibling_cases(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    previous: Option<&str>,
) -> ServiceResult<Vec<SiblingCase>> {
    let ids = repo::siblings_of(c, person_id)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let people: HashMap<String, PersonSummary> = cairn_db::people::find_many(c, &ids)?
        .iter()
        .filter(|p| p.entered_in_error_at.is_none() || actor.may(Action::ViewEnteredInError))
        .map(|p| (p.id.clone(), PersonSummary::from_row(p)))
        .collect();
    let mut holders: Vec<String> = Vec::new();
    let mut found = Vec::new();
    for id in &ids {
        let Some(person) = people.get(id) else {
            continue;
        };
        let Some(referral) = referral_repo::open_for_person(c, id)? else {
            continue;
        };
        let open = repo::open_for_work(c, AllocatedWork::Case.code(), &referral.id)?;
        match &open {
            None => {}
            Some(a) if previous == Some(a.worker_id.as_str()) => holders.push(a.worker_id.clone()),
            Some(_) => continue,
        }
        found.push((person.clone(), referral.id, open.map(|a| a.worker_id)));
    }
    let names = cairn_db::users::display_names(c, &holders)?;
    Ok(found
        .into_iter()
        .map(|(person, referral_id, holder)| SiblingCase {
            holder_name: holder.map(|w| names.get(&w).cloned().unwrap_or(w)),
            person,
            referral_id,
        })
        .collect())
}

/// The siblings offered, each weighed as a case of its own.
fn offer(cases: Vec<SiblingCase>, facts: &CaseFacts, model: &WorkloadModel) -> Vec<SiblingOption> {
    cases
        .into_iter()
        .map(|s| {
            let f = facts.get(&s.case()).cloned().unwrap_or_default();
            SiblingOption {
                holder_name: s.holder_name,
                weight: model.weigh(AllocatedWork::Case, &f),
                person_id: s.person.id,
                name: s.person.display_name,
                referral_id: s.referral_id,
            }
        })
        .collect()
}

/// [`sibling_cases`], weighed.
fn sibling_options(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    previous: Option<&str>,
    model: &WorkloadModel,
    on: NaiveDate,
) -> ServiceResult<Vec<SiblingOption>> {
    let cases = sibling_cases(c, actor, person_id, previous)?;
    let keys: Vec<(String, String)> = cases.iter().map(SiblingCase::case).collect();
    let facts = load::case_facts(c, &keys, on)?;
    Ok(offer(cases, &facts, model))
}

fn centi(p: cairn_domain::caseloads::points::Points) -> Option<i32> {
    Some(p.centi_i32())
}

/// Who holds a piece of work now, for the screen and for a manager told they lost a race.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub allocation: AllocationRow,
    pub worker_name: String,
    pub team_name: String,
}

fn holder_of(c: &mut DbConn, row: AllocationRow) -> ServiceResult<Holder> {
    let names = cairn_db::users::display_names(c, std::slice::from_ref(&row.worker_id))?;
    let team_name = cairn_db::organisation::find_team(c, &row.team_id)?
        .map(|t| t.name)
        .unwrap_or_else(|| row.team_id.clone());
    Ok(Holder {
        worker_name: names
            .get(&row.worker_id)
            .cloned()
            .unwrap_or_else(|| row.worker_id.clone()),
        team_name,
        allocation: row,
    })
}

fn lost_race(c: &mut DbConn, work: AllocatedWork, work_id: &str) -> ServiceError {
    let now_held = repo::open_for_work(c, work.code(), work_id)
        .ok()
        .flatten()
        .and_then(|row| holder_of(c, row).ok());
    ServiceError::Conflict(match now_held {
        Some(h) => format!(
            "Someone else allocated this while you were looking at it: it is now held by {} ({}). Check before allocating again.",
            h.worker_name, h.team_name
        ),
        None => "Someone else changed this allocation while you were looking at it. Check who holds it now before allocating again.".into(),
    })
}

fn unique_race(e: cairn_db::DbError) -> ServiceError {
    if e.is_unique_violation() {
        ServiceError::Conflict(
            "Someone else allocated this while you were looking at it. Check who holds it now before allocating again.".into(),
        )
    } else {
        ServiceError::Db(e)
    }
}

/// The model in force on `on`.
fn model_on(c: &mut DbConn, on: NaiveDate) -> ServiceResult<WorkloadModel> {
    Ok(cairn_db::caseloads::model::in_force(c, on)?.model)
}

struct Checked {
    worker: Worker,
    starts_on: NaiveDate,
    reason: String,
    override_reason: Option<String>,
    siblings: Vec<SiblingOption>,
    before: Load,
    /// The load after this child's work and then after each sibling's.
    steps: Vec<Load>,
}

#[allow(clippy::too_many_arguments)]
fn check_input(
    c: &mut DbConn,
    actor: &Actor,
    target: &Target,
    input: &AllocationInput,
    model: &WorkloadModel,
    today: NaiveDate,
) -> ServiceResult<Checked> {
    let mut errors = FieldErrors::new();
    let starts_on = input.starts_on.unwrap_or(today);
    if starts_on > today {
        errors.push("started_on", "The start date must be today or in the past");
    } else if starts_on < target.referral.referral_date {
        errors.push(
            "started_on",
            format!(
                "The start date must be on or after the referral date, {}",
                format_long(target.referral.referral_date)
            ),
        );
    } else if let Some(open) = target.open.as_ref().filter(|o| starts_on < o.starts_on) {
        errors.push(
            "started_on",
            format!(
                "The start date must be on or after {}, when the current allocation started",
                format_long(open.starts_on)
            ),
        );
    }
    let team = cairn_db::organisation::find_team(c, input.team_id.trim())?.filter(|t| t.active);
    if team.is_none() {
        errors.push("team", "Select an active team");
    }
    let worker = if input.worker_id.trim().is_empty() {
        None
    } else {
        load::workers(c, Workers::Ids(&[input.worker_id.trim().to_string()]))?.pop()
    };
    match &worker {
        None => errors.push("worker", "Select the worker to allocate to"),
        Some(w) if team.is_some() && w.team_id.as_deref() != Some(input.team_id.trim()) => {
            errors.push(
                "worker",
                format!("{} is not in the team chosen", w.display_name),
            );
        }
        Some(w) => {
            if let Some(message) = worker_error(w, starts_on) {
                errors.push("worker", message);
            } else if target
                .open
                .as_ref()
                .is_some_and(|o| o.worker_id == w.user_id)
            {
                errors.push(
                    "worker",
                    format!("{} already holds this: choose someone else", w.display_name),
                );
            }
        }
    }
    let reason = clean_text(
        "reason",
        "The reason for the reallocation",
        &input.reason,
        MAX_TEXT_LEN,
        target.open.is_some(),
        &mut errors,
    )
    .unwrap_or_default();
    let override_text = clean_text(
        "override_reason",
        "The reason for the override",
        &input.override_reason,
        MAX_TEXT_LEN,
        false,
        &mut errors,
    );
    let previous = target.open.as_ref().map(|o| o.worker_id.clone());
    let offered = if target.work == AllocatedWork::Case {
        sibling_options(
            c,
            actor,
            &target.person_id,
            previous.as_deref(),
            model,
            today,
        )?
    } else {
        Vec::new()
    };
    let mut siblings = Vec::new();
    for id in input
        .siblings
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        match offered.iter().find(|o| o.person_id == id) {
            Some(o) if !siblings.iter().any(|s: &SiblingOption| s.person_id == id) => {
                siblings.push(o.clone());
            }
            Some(_) => {}
            None => errors.push(
                "siblings",
                "A brother or sister chosen cannot be allocated with this child: their case is closed or held by someone else",
            ),
        }
    }
    let Some(worker) = worker.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let held = load::loads(c, model, vec![worker.clone()], today)?
        .pop()
        .map(|WorkerLoad { load, .. }| load)
        .ok_or_else(|| ServiceError::Internal("the worker's load was not computed".into()))?;
    let facts = load::case_facts(
        c,
        &[(target.person_id.clone(), target.referral.id.clone())],
        today,
    )?;
    let this = model.weigh(
        target.work,
        &facts
            .get(&(target.person_id.clone(), target.referral.id.clone()))
            .cloned()
            .unwrap_or_default(),
    );
    let limits = model.limits_for(worker.service);
    let mut steps = vec![held.with(&this, limits)];
    for s in &siblings {
        let last = steps.last().copied().unwrap_or(held);
        steps.push(last.with(&s.weight, limits));
    }
    let result = steps.last().copied().unwrap_or(held);
    let override_reason = if result.rating == Rating::Red {
        if !actor.may(Action::OverrideWorkloadLimit) {
            return Err(ServiceError::Denied {
                action: Action::OverrideWorkloadLimit,
                entity_type: Some("person".into()),
                entity_id: Some(target.person_id.clone()),
                person_id: Some(target.person_id.clone()),
            });
        }
        match override_text {
            Some(text) => Some(text),
            None => {
                return Err(ServiceError::invalid(
                    "override_reason",
                    &format!(
                        "This takes {} over the red safe working level ({} of capacity): give a reason to override it",
                        worker.display_name,
                        result
                            .percent
                            .map_or_else(|| "no capacity".to_string(), |p| format!("{p}%"))
                    ),
                ));
            }
        }
    } else {
        None
    };
    Ok(Checked {
        worker,
        starts_on,
        reason,
        override_reason,
        siblings,
        before: held,
        steps,
    })
}

/// One allocation to write: ends the open one (if any) and starts the new one.
struct Step<'a> {
    person_id: &'a str,
    referral: &'a ReferralRow,
    work: AllocatedWork,
    work_id: &'a str,
    open: Option<&'a AllocationRow>,
    /// The referral version (case) or open allocation version (piece) the manager saw.
    expected: Option<i32>,
    before: Load,
    after: Load,
}

fn write_step(
    c: &mut DbConn,
    actor: &Actor,
    checked: &Checked,
    step: &Step<'_>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> ServiceResult<String> {
    let by = actor.author();
    let team_id = checked.worker.team_id.clone().unwrap_or_default();
    match step.work {
        AllocatedWork::Case => {
            let expected = step.expected.unwrap_or(step.referral.version);
            if !repo::set_case_holder(
                c,
                &step.referral.id,
                Some((&team_id, &checked.worker.user_id)),
                expected,
                now,
            )? {
                return Err(lost_race(c, step.work, step.work_id));
            }
        }
        AllocatedWork::Assessment | AllocatedWork::Section47 => {
            let current = step.open.map_or(0, |o| o.version);
            if step.expected.is_some_and(|v| v != current) {
                return Err(lost_race(c, step.work, step.work_id));
            }
        }
    }
    if let Some(open) = step.open {
        let ended = repo::end(
            c,
            &open.id,
            open.version,
            &Ending {
                ends_on: checked.starts_on,
                reason: &checked.reason,
                by: &by,
                at: now,
            },
        )?;
        if !ended {
            return Err(lost_race(c, step.work, step.work_id));
        }
        record(
            c,
            actor,
            ("allocation.ended", "allocation.end"),
            open,
            json!({
                "work": open.work_kind,
                "worker": open.worker_id,
                "team": open.team_id,
                "ends_on": checked.starts_on,
                "reason": checked.reason,
            }),
        )?;
    }
    let id = uuid::Uuid::now_v7().to_string();
    let back_dated = checked.starts_on < today;
    let row = AllocationRow {
        id: id.clone(),
        person_id: step.person_id.to_string(),
        referral_id: step.referral.id.clone(),
        work_kind: step.work.code().to_string(),
        work_id: step.work_id.to_string(),
        team_id: team_id.clone(),
        worker_id: checked.worker.user_id.clone(),
        starts_on: checked.starts_on,
        ends_on: None,
        reason: checked.reason.clone(),
        end_reason: None,
        load_before_centi: centi(step.before.weighted),
        load_after_centi: centi(step.after.weighted),
        capacity_centi: centi(step.after.capacity),
        rating: Some(step.after.rating.code().to_string()),
        override_reason: checked.override_reason.clone(),
        overridden_by: checked.override_reason.as_ref().map(|_| by.clone()),
        back_dated,
        created_at: now,
        created_by: by.clone(),
        ended_at: None,
        ended_by: None,
        version: 1,
    };
    repo::insert(c, &row).map_err(unique_race)?;
    let detail = json!({
        "work": row.work_kind,
        "work_id": row.work_id,
        "allocation_id": id,
        "team": team_id,
        "worker": row.worker_id,
        "starts_on": row.starts_on,
        "back_dated": back_dated,
        "reason": row.reason,
        "rating": row.rating,
        "load_after": step.after.weighted.to_string(),
        "capacity": step.after.capacity.to_string(),
    });
    // A case allocation is the referral's assignment, as the chronology reads it.
    let event_kind = if step.work == AllocatedWork::Case {
        "referral.assigned"
    } else {
        "allocation.started"
    };
    let (entity_type, entity_id) = if step.work == AllocatedWork::Case {
        ("referral", step.referral.id.as_str())
    } else {
        ("allocation", id.as_str())
    };
    cairn_db::events::append(
        c,
        &event(
            event_kind,
            Some(step.person_id),
            entity_type,
            entity_id,
            actor,
            detail.clone(),
        ),
    )?;
    audit_trail::write(
        c,
        actor,
        Record::ok("allocation.start")
            .on("allocation", &id)
            .person(step.person_id)
            .detail(detail),
    )?;
    if let Some(reason) = &checked.override_reason {
        audit_trail::write(
            c,
            actor,
            Record::ok("allocation.override")
                .on("allocation", &id)
                .person(step.person_id)
                .detail(json!({
                    "worker": row.worker_id,
                    "team": row.team_id,
                    "reason": reason,
                    "rating": step.after.rating.code(),
                    "percent": step.after.percent,
                    "load_after": step.after.weighted.to_string(),
                    "capacity": step.after.capacity.to_string(),
                })),
        )?;
    }
    Ok(id)
}

/// Records the end of an allocation as an event and an audit row, naming the child.
fn record(
    c: &mut DbConn,
    actor: &Actor,
    (event_kind, audit_action): (&str, &str),
    row: &AllocationRow,
    detail: serde_json::Value,
) -> ServiceResult<()> {
    cairn_db::events::append(
        c,
        &event(
            event_kind,
            Some(&row.person_id),
            "allocation",
            &row.id,
            actor,
            detail.clone(),
        ),
    )?;
    audit_trail::write(
        c,
        actor,
        Record::ok(audit_action)
            .on("allocation", &row.id)
            .person(&row.person_id)
            .detail(detail),
    )?;
    Ok(())
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// Allocates a child's case (with the siblings chosen) or a piece of work to a worker, ending
/// whoever held it before, in one transaction with its events, audit rows, the workers'
/// alerts and the worker's notification. A back-dated allocation is flagged and the
/// snapshots from that day are retaken.
pub fn allocate(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    input: &AllocationInput,
    today: NaiveDate,
) -> ServiceResult<Allocated> {
    tx::require_on_person(conn, actor, Action::AllocateWork, person_id)?;
    let work = WorkRef::parse(&input.work)
        .ok_or_else(|| ServiceError::invalid("work", "Choose the case or a piece of work"))?;
    tx::write(conn, actor, |c| {
        child_summary(c, actor, person_id)?;
        let target = find_target(c, person_id, &work)?;
        may_allocate_to(
            actor,
            input.team_id.trim(),
            target.open.as_ref().map(|o| o.team_id.as_str()),
        )?;
        // Someone else saved first: say who holds it now, before anything else.
        let current = match target.work {
            AllocatedWork::Case => target.referral.version,
            _ => target.open.as_ref().map_or(0, |o| o.version),
        };
        if input.expected_version.is_some_and(|v| v != current) {
            return Err(lost_race(c, target.work, &target.work_id));
        }
        let model = model_on(c, today)?;
        let checked = check_input(c, actor, &target, input, &model, today)?;
        let now = cairn_db::now();
        let mut ids = Vec::new();
        let mut workers = vec![checked.worker.user_id.clone()];
        let mut teams = Vec::new();
        push_unique(
            &mut teams,
            checked.worker.team_id.as_deref().unwrap_or_default(),
        );
        let mut previous: Vec<(String, String)> = Vec::new();
        if let Some(o) = &target.open {
            previous.push((o.worker_id.clone(), o.person_id.clone()));
            push_unique(&mut workers, &o.worker_id);
            push_unique(&mut teams, &o.team_id);
        }
        let first_after = checked.steps.first().copied().unwrap_or(checked.before);
        ids.push(write_step(
            c,
            actor,
            &checked,
            &Step {
                person_id,
                referral: &target.referral,
                work: target.work,
                work_id: &target.work_id,
                open: target.open.as_ref(),
                expected: input.expected_version,
                before: checked.before,
                after: first_after,
            },
            now,
            today,
        )?);
        let mut case_referrals = Vec::new();
        if target.work == AllocatedWork::Case {
            case_referrals.push(target.referral.id.clone());
        }
        for (i, sibling) in checked.siblings.iter().enumerate() {
            let referral = referral_repo::find(c, &sibling.referral_id)?
                .filter(|r| r.closed_on.is_none())
                .ok_or_else(closed_episode)?;
            let open = repo::open_for_work(c, AllocatedWork::Case.code(), &referral.id)?;
            if let Some(o) = &open {
                previous.push((o.worker_id.clone(), o.person_id.clone()));
                push_unique(&mut workers, &o.worker_id);
                push_unique(&mut teams, &o.team_id);
            }
            let before = checked.steps.get(i).copied().unwrap_or(checked.before);
            let after = checked.steps.get(i + 1).copied().unwrap_or(before);
            ids.push(write_step(
                c,
                actor,
                &checked,
                &Step {
                    person_id: &sibling.person_id,
                    referral: &referral,
                    work: AllocatedWork::Case,
                    work_id: &referral.id,
                    open: open.as_ref(),
                    expected: None,
                    before,
                    after,
                },
                now,
                today,
            )?);
            case_referrals.push(referral.id.clone());
        }
        if !case_referrals.is_empty() {
            unallocated::clear_allocated(c, actor, &case_referrals)?;
        }
        let back_dated = checked.starts_on < today;
        if back_dated {
            snapshots::schedule_retake(c, checked.starts_on)?;
        }
        alerts::reevaluate(
            c,
            actor,
            &Affected {
                workers: workers.clone(),
                teams,
            },
            "allocation",
            today,
        )?;
        let children = ids.len();
        notifications::notify(
            c,
            &Notice {
                user_id: checked.worker.user_id.clone(),
                kind: "allocation",
                title: if children == 1 {
                    format!("New allocation: {}", target.work.label().to_lowercase())
                } else {
                    format!("New allocation: {children} children's cases")
                },
                body: format!(
                    "You have been allocated work by {} from {}.",
                    actor.display_name,
                    format_long(checked.starts_on)
                ),
                href: format!("/people/{person_id}"),
                source_kind: "allocation",
                source_id: ids.first().cloned().unwrap_or_default(),
                email: true,
            },
        )?;
        let mut told: HashSet<String> = HashSet::new();
        for (worker, child) in previous {
            if worker != checked.worker.user_id && told.insert(worker.clone()) {
                notifications::notify(
                    c,
                    &Notice {
                        user_id: worker,
                        kind: "allocation",
                        title: "Work reallocated from you".into(),
                        body: format!(
                            "Work you held has been reallocated by {} from {}.",
                            actor.display_name,
                            format_long(checked.starts_on)
                        ),
                        href: format!("/people/{child}"),
                        source_kind: "allocation",
                        source_id: ids.first().cloned().unwrap_or_default(),
                        email: false,
                    },
                )?;
            }
        }
        let rating = checked.steps.last().map_or(Rating::Green, |l| l.rating);
        Ok(Allocated {
            ids,
            rating,
            overridden: checked.override_reason.is_some(),
            back_dated,
        })
    })
}

/// Ending an allocation without giving the work to anyone else (the work is finished, or the
/// case goes back to the unallocated list).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndInput {
    /// None: today.
    pub ends_on: Option<NaiveDate>,
    pub reason: String,
    /// The allocation's version the manager saw.
    pub expected_version: Option<i32>,
    /// The child the allocation must be of, when the caller names one (a page under the
    /// child's address): another child's allocation is then not found.
    #[serde(skip)]
    pub person_id: Option<String>,
}

/// Ends an open allocation. For a case the child goes back on the unallocated list.
pub fn end(
    conn: &mut DbConn,
    actor: &Actor,
    allocation_id: &str,
    input: &EndInput,
    today: NaiveDate,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::AllocateWork)?;
    tx::write(conn, actor, |c| {
        let row = repo::find(c, allocation_id)?
            .filter(|r| input.person_id.as_ref().is_none_or(|p| *p == r.person_id))
            .ok_or(ServiceError::NotFound("The allocation"))?;
        child_summary(c, actor, &row.person_id)?;
        may_allocate_to(actor, &row.team_id, Some(&row.team_id))?;
        if row.ends_on.is_some() {
            return Err(ServiceError::Conflict(
                "This allocation has already ended".into(),
            ));
        }
        let mut errors = FieldErrors::new();
        let ends_on = input.ends_on.unwrap_or(today);
        if ends_on > today {
            errors.push("ended_on", "The end date must be today or in the past");
        } else if ends_on < row.starts_on {
            errors.push(
                "ended_on",
                format!(
                    "The end date must be on or after {}, when the allocation started",
                    format_long(row.starts_on)
                ),
            );
        }
        let reason = clean_text(
            "reason",
            "The reason for ending the allocation",
            &input.reason,
            MAX_TEXT_LEN,
            true,
            &mut errors,
        );
        let Some(reason) = reason.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        if input.expected_version.is_some_and(|v| v != row.version) {
            return Err(ServiceError::Conflict(
                "Someone else changed this allocation while you were looking at it".into(),
            ));
        }
        let now = cairn_db::now();
        let by = actor.author();
        if !repo::end(
            c,
            &row.id,
            row.version,
            &Ending {
                ends_on,
                reason: &reason,
                by: &by,
                at: now,
            },
        )? {
            return Err(ServiceError::Conflict(
                "Someone else changed this allocation while you were looking at it".into(),
            ));
        }
        if row.work_kind == AllocatedWork::Case.code() {
            let referral = referral_repo::find(c, &row.referral_id)?
                .ok_or(ServiceError::NotFound("The episode"))?;
            if referral.worker_id.as_deref() == Some(row.worker_id.as_str())
                && !repo::set_case_holder(c, &referral.id, None, referral.version, now)?
            {
                return Err(ServiceError::Conflict(
                    "Someone else changed this episode while you were looking at it".into(),
                ));
            }
        }
        record(
            c,
            actor,
            ("allocation.ended", "allocation.end"),
            &row,
            json!({
                "work": row.work_kind,
                "worker": row.worker_id,
                "team": row.team_id,
                "ends_on": ends_on,
                "reason": reason,
            }),
        )?;
        if ends_on < today {
            snapshots::schedule_retake(c, ends_on)?;
        }
        alerts::reevaluate(
            c,
            actor,
            &Affected {
                workers: vec![row.worker_id.clone()],
                teams: vec![row.team_id.clone()],
            },
            "allocation",
            today,
        )?;
        notifications::notify(
            c,
            &Notice {
                user_id: row.worker_id.clone(),
                kind: "allocation",
                title: "Allocation ended".into(),
                body: format!(
                    "An allocation you held was ended by {} on {}.",
                    actor.display_name,
                    format_long(ends_on)
                ),
                href: format!("/people/{}", row.person_id),
                source_kind: "allocation",
                source_id: row.id.clone(),
                email: false,
            },
        )?;
        Ok(())
    })
}

/// One row of a child's allocation history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryLine {
    #[serde(flatten)]
    pub row: AllocationRow,
    pub worker_name: String,
    pub team_name: String,
    pub created_by_name: String,
}

/// Every allocation of a child's case and work, newest first; an audited read.
pub fn history(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
) -> ServiceResult<(PersonSummary, Vec<HistoryLine>)> {
    let out = tx::read(conn, actor, |c| {
        may_view(actor, person_id)?;
        let child = child_summary(c, actor, person_id)?;
        let rows = repo::for_person(c, person_id)?;
        Ok((child, history_lines(c, rows)?))
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("allocation.history_view")
            .on("person", person_id)
            .person(person_id),
    )?;
    Ok(out)
}

/// One open allocation of the child's case or work, for the page that ends it; an audited
/// read. Needs [`Action::AllocateWork`] on the child.
pub fn open_allocation(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    allocation_id: &str,
) -> ServiceResult<(PersonSummary, HistoryLine)> {
    tx::require_on_person(conn, actor, Action::AllocateWork, person_id)?;
    let out = tx::read(conn, actor, |c| {
        let child = child_summary(c, actor, person_id)?;
        let row = repo::find(c, allocation_id)?
            .filter(|r| r.person_id == person_id && r.ends_on.is_none())
            .ok_or(ServiceError::NotFound("The open allocation"))?;
        let line = history_lines(c, vec![row])?
            .pop()
            .ok_or(ServiceError::NotFound("The open allocation"))?;
        Ok((child, line))
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("allocation.view")
            .on("allocation", allocation_id)
            .person(person_id),
    )?;
    Ok(out)
}

fn history_lines(c: &mut DbConn, rows: Vec<AllocationRow>) -> ServiceResult<Vec<HistoryLine>> {
    let mut users: Vec<String> = rows.iter().map(|r| r.worker_id.clone()).collect();
    users.extend(rows.iter().map(|r| r.created_by.clone()));
    users.sort();
    users.dedup();
    let names = cairn_db::users::display_names(c, &users)?;
    let teams: HashMap<String, String> = cairn_db::organisation::list_teams(c)?
        .into_iter()
        .map(|t| (t.team.id, t.team.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| HistoryLine {
            worker_name: names
                .get(&row.worker_id)
                .cloned()
                .unwrap_or_else(|| row.worker_id.clone()),
            team_name: teams
                .get(&row.team_id)
                .cloned()
                .unwrap_or_else(|| row.team_id.clone()),
            created_by_name: names
                .get(&row.created_by)
                .cloned()
                .unwrap_or_else(|| row.created_by.clone()),
            row,
        })
        .collect())
}

/// One worker on the allocation screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub worker: Worker,
    /// Their load today.
    pub load: Load,
    /// Their load with this allocation.
    pub result: Load,
    /// Lines of casework overdue in their list, when the manager may see the team's work.
    pub overdue: Option<usize>,
    /// Why they cannot be chosen (left, on leave, account disabled), if they cannot.
    pub unavailable: Option<String>,
    /// They hold this work now.
    pub holds_this: bool,
}

/// Everything the allocation screen shows.
#[derive(Clone, Debug, Serialize)]
pub struct AllocationScreen {
    pub child: PersonSummary,
    pub referral_id: String,
    pub work: String,
    pub work_kind: AllocatedWork,
    pub work_id: String,
    pub team_id: String,
    pub team_name: String,
    /// Active teams to choose from.
    pub teams: Vec<(String, String)>,
    pub model_name: String,
    /// What this allocation adds to a worker's load.
    pub adds: WeighedWork,
    pub current: Option<Holder>,
    pub candidates: Vec<Candidate>,
    pub siblings: Vec<SiblingOption>,
    /// The version to send back with the allocation.
    pub expected_version: i32,
    pub today: NaiveDate,
}

/// The allocation screen: each worker of the team (the current holder's, the manager's own, or
/// the one chosen) with their load, what this allocation adds, the result and their overdue
/// work; an audited read of the child's record.
pub fn screen(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    work: &str,
    team_id: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<AllocationScreen> {
    tx::require_on_person(conn, actor, Action::AllocateWork, person_id)?;
    let work = WorkRef::parse(work).ok_or(ServiceError::NotFound("The piece of work"))?;
    let screen = tx::read(conn, actor, |c| {
        let target = find_target(c, person_id, &work)?;
        // Which team: chosen, or the holder's, or the manager's own, or the episode's.
        let chosen = team_id
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .or_else(|| target.open.as_ref().map(|o| o.team_id.clone()))
            .or_else(|| actor.team_id.map(|t| t.to_string()))
            .unwrap_or_else(|| target.referral.team_id.clone());
        let overdue = if may_see_team_work(actor, &chosen) {
            Some(crate::casework::my_work::overdue_by_member(
                c, &chosen, today,
            )?)
        } else {
            None
        };
        let child = child_summary(c, actor, person_id)?;
        let team = cairn_db::organisation::find_team(c, &chosen)?
            .ok_or(ServiceError::NotFound("The team"))?;
        let teams = cairn_db::organisation::list_teams(c)?
            .into_iter()
            .filter(|t| t.team.active)
            .map(|t| (t.team.id, t.team.name))
            .collect();
        let stored = cairn_db::caseloads::model::in_force(c, today)?;
        let model = stored.model;
        let holder = target.open.as_ref().map(|o| o.worker_id.clone());
        let siblings = if target.work == AllocatedWork::Case {
            sibling_cases(c, actor, person_id, holder.as_deref())?
        } else {
            Vec::new()
        };
        // The child's case and the siblings' are weighed in the same reads as the
        // candidates' work.
        let this_case = (person_id.to_string(), target.referral.id.clone());
        let mut cases = vec![this_case.clone()];
        cases.extend(siblings.iter().map(SiblingCase::case));
        let members = load::workers(c, Workers::Team(&team.id))?
            .into_iter()
            .filter(|w| {
                cairn_domain::policy::permits(w.role, Action::RecordCasework)
                    && model.holds_cases(w.role)
            })
            .collect();
        let (loads, facts) = load::loads_and(
            c,
            &model,
            members,
            today,
            &cases,
            overdue.as_ref().map(|o| o.open_work()),
        )?;
        let adds = model.weigh(
            target.work,
            &facts.get(&this_case).cloned().unwrap_or_default(),
        );
        let siblings = offer(siblings, &facts, &model);
        let candidates = loads
            .into_iter()
            .map(|wl| {
                let limits = model.limits_for(wl.worker.service);
                Candidate {
                    result: wl.load.with(&adds, limits),
                    overdue: overdue.as_ref().map(|o| {
                        o.by_member
                            .get(&wl.worker.user_id)
                            .copied()
                            .unwrap_or_default()
                    }),
                    unavailable: unavailable_because(&wl.worker, today),
                    holds_this: holder.as_deref() == Some(wl.worker.user_id.as_str()),
                    load: wl.load,
                    worker: wl.worker,
                }
            })
            .collect();
        let expected_version = match target.work {
            AllocatedWork::Case => target.referral.version,
            _ => target.open.as_ref().map_or(0, |o| o.version),
        };
        let current = match target.open.clone() {
            Some(row) => Some(holder_of(c, row)?),
            None => None,
        };
        Ok(AllocationScreen {
            child,
            referral_id: target.referral.id.clone(),
            work: work.param(),
            work_kind: target.work,
            work_id: target.work_id.clone(),
            team_id: team.id,
            team_name: team.name,
            teams,
            model_name: model.name.clone(),
            adds,
            current,
            candidates,
            siblings,
            expected_version,
            today,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("allocation.screen_view")
            .on("person", person_id)
            .person(person_id)
            .detail(json!({ "work": screen.work, "team": screen.team_id })),
    )?;
    Ok(screen)
}

/// Whether the actor may see this team's work list, and so each member's overdue work: as
/// the team's work page decides (a team manager their own team, a service manager any).
fn may_see_team_work(actor: &Actor, team_id: &str) -> bool {
    let own = actor.team_id.map(|t| t.to_string());
    actor.may(Action::ViewTeamWork)
        && (actor.role == Role::ServiceManager || own.as_deref() == Some(team_id))
}

/// One allocation made over the red level, for the overrides report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverrideLine {
    #[serde(flatten)]
    pub line: HistoryLine,
    pub child_name: String,
    pub overridden_by_name: String,
}

/// Allocations made over the red safe working level from `from` to `to`, by team and
/// manager; an audited read.
pub fn overrides(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> ServiceResult<Vec<OverrideLine>> {
    tx::require(conn, actor, Action::ViewCaseloads)?;
    let team = team_id.filter(|t| !t.is_empty());
    let lines = tx::read(conn, actor, |c| {
        let rows = repo::overrides(c, team, from, to)?;
        let people: Vec<String> = rows.iter().map(|r| r.person_id.clone()).collect();
        let names: HashMap<String, String> = cairn_db::people::find_many(c, &people)?
            .iter()
            .map(|p| (p.id.clone(), PersonSummary::from_row(p).display_name))
            .collect();
        let by: Vec<String> = rows
            .iter()
            .filter_map(|r| r.overridden_by.clone())
            .collect();
        let managers = cairn_db::users::display_names(c, &by)?;
        Ok(history_lines(c, rows)?
            .into_iter()
            .map(|line| OverrideLine {
                child_name: names
                    .get(&line.row.person_id)
                    .cloned()
                    .unwrap_or_else(|| "Name not recorded".into()),
                overridden_by_name: line
                    .row
                    .overridden_by
                    .as_ref()
                    .map(|u| managers.get(u).cloned().unwrap_or_else(|| u.clone()))
                    .unwrap_or_default(),
                line,
            })
            .collect::<Vec<_>>())
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("allocation.overrides_view").detail(json!({
            "team": team,
            "from": from,
            "to": to,
            "rows": lines.len(),
        })),
    )?;
    Ok(lines)
}

/// Keeps the allocations in step when the front door names a referral's worker (on opening
/// the referral, or assigning it later): ends the case's open allocation, if another worker
/// holds it, and opens one for `worker_id` from today. Inside the caller's transaction; the
/// caller records the referral's own event and audit row.
pub(crate) fn record_assignment(
    c: &mut DbConn,
    actor: &Actor,
    referral: &ReferralRow,
    team_id: &str,
    worker_id: &str,
    today: NaiveDate,
) -> ServiceResult<()> {
    let now = cairn_db::now();
    let by = actor.author();
    let open = repo::open_for_work(c, AllocatedWork::Case.code(), &referral.id)?;
    if let Some(o) = &open {
        if o.worker_id == worker_id && o.team_id == team_id {
            return Ok(());
        }
        let ends_on = today.max(o.starts_on);
        if !repo::end(
            c,
            &o.id,
            o.version,
            &Ending {
                ends_on,
                reason: "Assigned to another worker at the front door",
                by: &by,
                at: now,
            },
        )? {
            return Err(lost_race(c, AllocatedWork::Case, &referral.id));
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("allocation.end")
                .on("allocation", &o.id)
                .person(&o.person_id)
                .detail(json!({ "worker": o.worker_id, "team": o.team_id, "ends_on": ends_on })),
        )?;
    }
    let id = uuid::Uuid::now_v7().to_string();
    let starts_on = open
        .as_ref()
        .map_or(today.max(referral.referral_date), |o| {
            today.max(o.starts_on)
        });
    repo::insert(
        c,
        &AllocationRow {
            id: id.clone(),
            person_id: referral.person_id.clone(),
            referral_id: referral.id.clone(),
            work_kind: AllocatedWork::Case.code().to_string(),
            work_id: referral.id.clone(),
            team_id: team_id.to_string(),
            worker_id: worker_id.to_string(),
            starts_on,
            ends_on: None,
            reason: "Assigned at the front door".into(),
            end_reason: None,
            load_before_centi: None,
            load_after_centi: None,
            capacity_centi: None,
            rating: None,
            override_reason: None,
            overridden_by: None,
            back_dated: false,
            created_at: now,
            created_by: by,
            ended_at: None,
            ended_by: None,
            version: 1,
        },
    )
    .map_err(unique_race)?;
    audit_trail::write(
        c,
        actor,
        Record::ok("allocation.start")
            .on("allocation", &id)
            .person(&referral.person_id)
            .detail(json!({ "worker": worker_id, "team": team_id, "starts_on": starts_on, "work": "case" })),
    )?;
    unallocated::clear_allocated(c, actor, std::slice::from_ref(&referral.id))?;
    Ok(())
}

/// Reallocates the work of an open allocation (found by its id) to another worker: the API's
/// `POST /allocations/{id}/reallocate`. `input.work` is ignored (the allocation names it) and
/// `input.expected_version`, when given, is the allocation's own version.
pub fn reallocate(
    conn: &mut DbConn,
    actor: &Actor,
    allocation_id: &str,
    input: &AllocationInput,
    today: NaiveDate,
) -> ServiceResult<Allocated> {
    tx::require(conn, actor, Action::AllocateWork)?;
    let row = tx::read(conn, actor, |c| {
        let row = repo::find(c, allocation_id)?.ok_or(ServiceError::NotFound("The allocation"))?;
        child_summary(c, actor, &row.person_id)?;
        Ok(row)
    })?;
    if row.ends_on.is_some() || input.expected_version.is_some_and(|v| v != row.version) {
        return Err(ServiceError::Conflict(
            "This allocation has ended or changed since you read it: read the child's allocations again".into(),
        ));
    }
    let work = match AllocatedWork::from_code(&row.work_kind) {
        Some(AllocatedWork::Case) | None => WorkRef::Case,
        Some(kind) => WorkRef::Piece(kind, row.work_id.clone()),
    };
    let expected = match &work {
        WorkRef::Case => None,
        WorkRef::Piece(..) => Some(row.version),
    };
    allocate(
        conn,
        actor,
        &row.person_id,
        &AllocationInput {
            work: work.param(),
            expected_version: expected,
            ..input.clone()
        },
        today,
    )
}

/// The allocation block on a child's summary page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AllocationSummary {
    /// Whether the child has an open episode (a case to allocate).
    pub open_episode: bool,
    /// Who holds the case now.
    pub holder: Option<Holder>,
    /// The weighting factors a manager has set on the case.
    pub factors: Vec<cairn_domain::caseloads::ManagerFlag>,
}

/// Who holds the child's case and the factors set on it, for the child's page; read inside
/// the page's own audited view (None for those who do not see casework).
pub fn summary(
    c: &mut DbConn,
    actor: &Actor,
    person_id: &str,
) -> ServiceResult<Option<AllocationSummary>> {
    if !actor.may(Action::ViewCasework) {
        return Ok(None);
    }
    let referral = referral_repo::open_for_person(c, person_id)?;
    let holder = match &referral {
        Some(r) => match repo::open_for_work(c, AllocatedWork::Case.code(), &r.id)? {
            Some(row) => Some(holder_of(c, row)?),
            None => None,
        },
        None => None,
    };
    let factors = cairn_db::caseloads::factors::open_for_person(c, person_id)?
        .iter()
        .filter_map(|f| cairn_domain::caseloads::ManagerFlag::from_code(&f.factor))
        .collect();
    Ok(Some(AllocationSummary {
        open_episode: referral.is_some(),
        holder,
        factors,
    }))
}
