//! A worker's hours, leave and leaving, and the reallocation list their changes produce.
//!
//! Hours are a share of full time in hundredths ("0.8"); 0 is allowed and leaves the worker
//! no capacity, so any work they hold is red. A change that can move a load (hours, the
//! newly qualified date, leave, leaving) re-rates the worker and their team at once, in the
//! same transaction. A worker who is leaving, or on long leave, has a reallocation list of
//! every piece of work they hold, so that nothing is left unallocated by accident.

use std::collections::HashMap;

use cairn_db::DbConn;
use cairn_db::caseloads::availability::{self as repo, AvailabilityRow};
use cairn_db::caseloads::load::{self as loads_repo, HeldWork, Worker, WorkerLoad, Workers};
use cairn_domain::caseloads::load::Load;
use cairn_domain::caseloads::points::{Points, PointsError};
use cairn_domain::caseloads::{AllocatedWork, WorkKind};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use cairn_domain::validation::{FieldErrors, clean_line};
use chrono::{Months, NaiveDate};
use serde::Serialize;
use serde_json::json;

use super::alerts::{self, Affected};
use super::notifications::{Notice, notify};
use crate::audit_trail::{self, Record};
use crate::casework::statutory_calendar;
use crate::error::ServiceError;
use crate::search::PersonSummary;
use crate::{Actor, ServiceResult, tx};

/// Leave longer than this many working days (or with no end date) is long leave: the
/// worker's work is listed for reallocation.
pub const LONG_LEAVE_WORKING_DAYS: i64 = 10;

/// The longest reason for leave kept.
const MAX_REASON_LEN: usize = 200;

/// A worker's availability as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AvailabilityInput {
    /// Hours as a share of full time: "1", "0.8", "0".
    pub fte: String,
    pub newly_qualified_from: Option<NaiveDate>,
    pub absent_from: Option<NaiveDate>,
    pub absent_until: Option<NaiveDate>,
    pub absence_reason: String,
    pub left_on: Option<NaiveDate>,
    /// The profile's version when the form was opened (0: no profile yet).
    pub version: i32,
}

impl AvailabilityInput {
    /// The form filled from what is recorded.
    pub fn from_row(row: &AvailabilityRow) -> AvailabilityInput {
        AvailabilityInput {
            fte: Points::from_centi(i64::from(row.fte_centi)).to_string(),
            newly_qualified_from: row.newly_qualified_from,
            absent_from: row.absent_from,
            absent_until: row.absent_until,
            absence_reason: row.absence_reason.clone().unwrap_or_default(),
            left_on: row.left_on,
            version: row.version,
        }
    }
}

/// Reads the hours typed: a share of full time between 0 and 1, in hundredths.
pub fn parse_fte(typed: &str) -> Result<i32, &'static str> {
    match Points::parse(typed) {
        Err(PointsError::Missing) => {
            Err("Enter the worker's hours as a share of full time, like 1 or 0.8")
        }
        Err(PointsError::NotANumber) => Err("Enter the hours as a number, like 0.8"),
        Err(PointsError::TooPrecise) => Err("Use at most two decimal places, like 0.75"),
        Err(PointsError::TooLarge) => Err("Hours must be between 0 and 1 (full time)"),
        Ok(p) if p.is_negative() || p > Points::whole(1) => {
            Err("Hours must be between 0 and 1 (full time)")
        }
        Ok(p) => i32::try_from(p.centi()).map_err(|_| "Hours must be between 0 and 1 (full time)"),
    }
}

fn validate(user_id: &str, input: &AvailabilityInput) -> Result<AvailabilityRow, FieldErrors> {
    let mut errors = FieldErrors::new();
    let fte = match parse_fte(&input.fte) {
        Ok(f) => Some(f),
        Err(m) => {
            errors.push("fte", m);
            None
        }
    };
    let reason = clean_line(
        "absence_reason",
        "The reason for the leave",
        &input.absence_reason,
        MAX_REASON_LEN,
        false,
        &mut errors,
    );
    match (input.absent_from, input.absent_until) {
        (None, Some(_)) => errors.push("absent_from", "Enter the first day of the leave"),
        (Some(from), Some(until)) if until < from => errors.push(
            "absent_until",
            "The last day of the leave must be on or after the first day",
        ),
        _ => {}
    }
    if input.absent_from.is_some()
        && reason.is_none()
        && errors.for_field("absence_reason").is_none()
    {
        errors.push(
            "absence_reason",
            "Enter the reason for the leave, like annual leave or long-term sickness",
        );
    }
    if input.absent_from.is_none() && reason.is_some() {
        errors.push(
            "absent_from",
            "Enter the first day of the leave, or remove the reason",
        );
    }
    let Some(fte) = fte else {
        return Err(errors);
    };
    errors.into_result(AvailabilityRow {
        user_id: user_id.to_string(),
        fte_centi: fte,
        newly_qualified_from: input.newly_qualified_from,
        absent_from: input.absent_from,
        absent_until: input.absent_until,
        absence_reason: reason,
        left_on: input.left_on,
        version: input.version,
        updated_at: cairn_db::now(),
        updated_by: String::new(),
    })
}

/// Every problem with what was typed, without saving anything: for a form with a problem
/// of its own (a date it could not read) to list the others at once.
pub fn check(input: &AvailabilityInput) -> Result<(), FieldErrors> {
    validate("", input).map(|_| ())
}

/// Whether leave from `from` to `until` (open-ended: none) is long leave.
pub fn is_long_leave(from: NaiveDate, until: Option<NaiveDate>) -> bool {
    match until {
        None => true,
        Some(until) => {
            statutory_calendar().working_days_inclusive(from, until) > LONG_LEAVE_WORKING_DAYS
        }
    }
}

/// Why a worker's work must be reallocated on `today`, if it must: they are leaving (or have
/// left), or are on (or about to start) long leave.
pub fn reallocation_reason(a: &AvailabilityRow, today: NaiveDate) -> Option<String> {
    if let Some(left) = a.left_on {
        return Some(if left <= today {
            format!("Left on {}", format_long(left))
        } else {
            format!("Leaving on {}", format_long(left))
        });
    }
    let from = a.absent_from?;
    let not_over = a.absent_until.is_none_or(|until| until >= today);
    (not_over && is_long_leave(from, a.absent_until)).then(|| match a.absent_until {
        Some(until) => format!(
            "On leave from {} to {}",
            format_long(from),
            format_long(until)
        ),
        None => format!("On leave from {}, with no end date", format_long(from)),
    })
}

/// What changed that can move the worker's load, in words ("hours reduced", "leave",
/// "leaving"); none when nothing did.
fn causes(before: &AvailabilityRow, after: &AvailabilityRow) -> Vec<&'static str> {
    let mut out = Vec::new();
    if after.fte_centi < before.fte_centi {
        out.push("hours reduced");
    } else if after.fte_centi > before.fte_centi {
        out.push("hours increased");
    }
    if after.newly_qualified_from != before.newly_qualified_from {
        out.push("newly qualified date changed");
    }
    if (after.absent_from, after.absent_until) != (before.absent_from, before.absent_until) {
        out.push("leave");
    }
    if after.left_on != before.left_on {
        out.push("leaving");
    }
    out
}

fn availability_json(a: &AvailabilityRow) -> serde_json::Value {
    json!({
        "fte_centi": a.fte_centi,
        "newly_qualified_from": a.newly_qualified_from,
        "absent_from": a.absent_from,
        "absent_until": a.absent_until,
        "absence_reason": a.absence_reason,
        "left_on": a.left_on,
    })
}

fn worker(c: &mut DbConn, user_id: &str) -> ServiceResult<Worker> {
    loads_repo::workers(c, Workers::Ids(&[user_id.to_string()]))?
        .pop()
        .ok_or(ServiceError::NotFound("The worker"))
}

/// Records a worker's hours, newly qualified date, leave and leaving date. A change that
/// can move their load re-rates them and their team; a leaving date tells the team's
/// managers, with a link to the reallocation list.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    input: &AvailabilityInput,
    today: NaiveDate,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageWorkerAvailability)?;
    let mut row = validate(user_id, input).map_err(ServiceError::Invalid)?;
    row.updated_by = actor.author();
    tx::write(conn, actor, |c| {
        let w = worker(c, user_id)?;
        let existing = repo::find(c, user_id)?;
        let stale = || {
            ServiceError::Conflict(
                "Someone else changed this worker's details first: reload the page to see what they set"
                    .into(),
            )
        };
        let before = match &existing {
            Some(p) => {
                if !repo::update(c, &row, input.version)? {
                    return Err(stale());
                }
                p.clone()
            }
            None if input.version != 0 => return Err(stale()),
            None => {
                repo::insert(c, &row)?;
                AvailabilityRow::default_for(user_id)
            }
        };
        let changes = audit_trail::diff(&availability_json(&before), &availability_json(&row));
        audit_trail::write(
            c,
            actor,
            Record::ok("worker_availability.set")
                .on("user", user_id)
                .changes(&changes),
        )?;
        let what = causes(&before, &row);
        if !what.is_empty() {
            alerts::reevaluate(
                c,
                actor,
                &Affected::worker(user_id, w.team_id.as_deref()),
                &what.join(", "),
                today,
            )?;
        }
        if let Some(left) = row.left_on.filter(|_| row.left_on != before.left_on) {
            tell_team_managers_of_leaving(c, &w, left, today)?;
        }
        Ok(())
    })
}

fn tell_team_managers_of_leaving(
    c: &mut DbConn,
    w: &Worker,
    left: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<()> {
    let Some(team) = w.team_id.as_deref() else {
        return Ok(());
    };
    let held = loads_repo::held_work(c, std::slice::from_ref(&w.user_id), today)?.len();
    let title = format!("{} is leaving on {}", w.display_name, format_long(left));
    let body = match held {
        0 => "They hold no cases or work.".to_string(),
        1 => "They hold 1 case or piece of work to reallocate.".to_string(),
        n => format!("They hold {n} cases or pieces of work to reallocate."),
    };
    let managers: Vec<String> = cairn_db::users::active_in_team(c, team)?
        .into_iter()
        .filter(|u| u.role == Role::TeamManager.code() && u.id != w.user_id)
        .map(|u| u.id)
        .collect();
    for user_id in managers {
        notify(
            c,
            &Notice {
                user_id,
                kind: "worker_leaving",
                title: title.clone(),
                body: body.clone(),
                href: format!("/workers/{}/reallocation", w.user_id),
                source_kind: "user",
                source_id: w.user_id.clone(),
                email: true,
            },
        )?;
    }
    Ok(())
}

/// One worker as the workers page lists them.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerLine {
    pub worker: Worker,
    pub load: Load,
    pub newly_qualified_until: Option<NaiveDate>,
    pub newly_qualified_now: bool,
    pub absence_reason: Option<String>,
    pub on_leave_today: bool,
    /// Why their work must be reallocated, if it must.
    pub reallocate_because: Option<String>,
    /// Work they hold that must be reallocated (0 unless leaving or on long leave).
    pub to_reallocate: usize,
}

/// The workers page.
#[derive(Clone, Debug, Serialize)]
pub struct WorkersList {
    /// (id, name) of every active team, for the filter.
    pub teams: Vec<(String, String)>,
    /// The team shown; none for every team.
    pub team_id: Option<String>,
    pub workers: Vec<WorkerLine>,
    pub today: NaiveDate,
}

fn newly_qualified_until(
    model: &cairn_domain::caseloads::model::WorkloadModel,
    from: Option<NaiveDate>,
) -> Option<NaiveDate> {
    from.and_then(|f| f.checked_add_months(Months::new(model.newly_qualified_months)))
}

fn line(
    model: &cairn_domain::caseloads::model::WorkloadModel,
    wl: WorkerLoad,
    availability: Option<&AvailabilityRow>,
    today: NaiveDate,
) -> WorkerLine {
    let a = availability
        .cloned()
        .unwrap_or_else(|| AvailabilityRow::default_for(&wl.worker.user_id));
    let reallocate_because = reallocation_reason(&a, today);
    let to_reallocate = if reallocate_because.is_some() {
        wl.work.len()
    } else {
        0
    };
    WorkerLine {
        newly_qualified_until: newly_qualified_until(model, wl.worker.newly_qualified_from),
        newly_qualified_now: model.is_newly_qualified(wl.worker.newly_qualified_from, today),
        absence_reason: a.absence_reason.clone(),
        on_leave_today: wl.worker.absent_on(today),
        reallocate_because,
        to_reallocate,
        load: wl.load,
        worker: wl.worker,
    }
}

/// The workers of a team (a team manager's own by default; every team for others without
/// one) with their hours, capacity, load and availability today.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    team: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<WorkersList> {
    tx::require(conn, actor, Action::ManageWorkerAvailability)?;
    let own = actor.team_id.map(|t| t.to_string());
    let team_id = team.map(str::to_string).filter(|t| !t.is_empty()).or(own);
    let list = tx::read(conn, actor, |c| {
        let teams: Vec<(String, String)> = cairn_db::organisation::list_teams(c)?
            .into_iter()
            .filter(|t| t.team.active)
            .map(|t| (t.team.id, t.team.name))
            .collect();
        let team_id = team_id.filter(|t| t != "all");
        if let Some(t) = &team_id
            && !teams.iter().any(|(id, _)| id == t)
            && cairn_db::organisation::find_team(c, t)?.is_none()
        {
            return Err(ServiceError::NotFound("The team"));
        }
        let model = cairn_db::caseloads::model::in_force(c, today)?.model;
        let workers = match &team_id {
            Some(t) => loads_repo::workers(c, Workers::Team(t))?,
            None => loads_repo::workers(c, Workers::All)?,
        };
        let ids: Vec<String> = workers.iter().map(|w| w.user_id.clone()).collect();
        let availability: HashMap<String, AvailabilityRow> = repo::for_users(c, &ids)?
            .into_iter()
            .map(|a| (a.user_id.clone(), a))
            .collect();
        let loads = loads_repo::loads(c, &model, workers, today)?;
        Ok(WorkersList {
            teams,
            workers: loads
                .into_iter()
                .map(|wl| {
                    let a = availability.get(&wl.worker.user_id);
                    line(&model, wl, a, today)
                })
                .collect(),
            team_id,
            today,
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("workers.list_view").detail(json!({
                "team": list.team_id,
                "workers": list.workers.len(),
            })),
        )?;
        Ok(())
    })?;
    Ok(list)
}

/// One worker's form: what is recorded, and their load today.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerDetail {
    pub line: WorkerLine,
    pub availability: AvailabilityRow,
    /// Capacity of their role at full time under the model in force.
    pub full_time_capacity: Points,
}

/// One worker's availability and load, for the form.
pub fn detail(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    today: NaiveDate,
) -> ServiceResult<WorkerDetail> {
    tx::require(conn, actor, Action::ManageWorkerAvailability)?;
    let d = tx::read(conn, actor, |c| {
        let w = worker(c, user_id)?;
        let model = cairn_db::caseloads::model::in_force(c, today)?.model;
        let availability =
            repo::find(c, user_id)?.unwrap_or_else(|| AvailabilityRow::default_for(user_id));
        let full_time_capacity = model.capacity(w.role, 100, None, today);
        let wl = loads_repo::loads(c, &model, vec![w], today)?
            .pop()
            .ok_or(ServiceError::NotFound("The worker"))?;
        Ok(WorkerDetail {
            line: line(&model, wl, Some(&availability), today),
            availability,
            full_time_capacity,
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("worker_availability.view").on("user", user_id),
        )?;
        Ok(())
    })?;
    Ok(d)
}

/// One piece of work on a reallocation list.
#[derive(Clone, Debug, Serialize)]
pub struct ReallocationItem {
    pub held: HeldWork,
    pub child: PersonSummary,
    /// What it counts as ("Child protection plan").
    pub counts_as: WorkKind,
    pub weight: Points,
    pub since: NaiveDate,
}

/// Everything a leaving (or long-absent) worker holds, to be allocated to someone else.
#[derive(Clone, Debug, Serialize)]
pub struct ReallocationList {
    pub worker: Worker,
    /// Why the work must move; none when the worker is neither leaving nor on long leave
    /// (the list is still shown, for a manager planning ahead).
    pub because: Option<String>,
    pub items: Vec<ReallocationItem>,
}

impl ReallocationList {
    pub fn cases(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.held.work == AllocatedWork::Case)
            .count()
    }
}

/// The reallocation list of a worker: every open allocation they hold, with the child. It
/// names children, so it is for those who allocate, and each read is audited against every
/// child on it.
pub fn reallocation(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    today: NaiveDate,
) -> ServiceResult<ReallocationList> {
    tx::require(conn, actor, Action::AllocateWork)?;
    let list = tx::read(conn, actor, |c| {
        let w = worker(c, user_id)?;
        let model = cairn_db::caseloads::model::in_force(c, today)?.model;
        let availability =
            repo::find(c, user_id)?.unwrap_or_else(|| AvailabilityRow::default_for(user_id));
        let held = loads_repo::held_work(c, std::slice::from_ref(&w.user_id), today)?;
        let ids: Vec<String> = held.iter().map(|h| h.person_id.clone()).collect();
        let people: HashMap<String, PersonSummary> = cairn_db::people::find_many(c, &ids)?
            .iter()
            .map(|p| (p.id.clone(), PersonSummary::from_row(p)))
            .collect();
        let items = held
            .into_iter()
            .filter_map(|h| {
                let child = people.get(&h.person_id)?.clone();
                let weighed = model.weigh(h.work, &h.facts);
                Some(ReallocationItem {
                    child,
                    counts_as: weighed.counts_as,
                    weight: weighed.weight,
                    since: h.starts_on,
                    held: h,
                })
            })
            .collect();
        Ok(ReallocationList {
            because: reallocation_reason(&availability, today),
            worker: w,
            items,
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("workers.reallocation_view")
                .on("user", user_id)
                .detail(json!({ "items": list.items.len() })),
        )?;
        for item in &list.items {
            audit_trail::write(
                c,
                actor,
                Record::ok("workers.reallocation_view")
                    .on("allocation", &item.held.allocation_id)
                    .person(&item.child.id),
            )?;
        }
        Ok(())
    })?;
    Ok(list)
}

/// One team's workload on a day: each member's load and the team's total.
#[derive(Clone, Debug, Serialize)]
pub struct TeamWorkload {
    pub team_id: String,
    pub team_name: String,
    pub service: cairn_domain::caseloads::Service,
    /// The name of the workload model version in force.
    pub model: String,
    pub on: NaiveDate,
    pub team: alerts::TeamLoad,
    /// Each member, in name order, with whether they can take new work on the day.
    pub workers: Vec<(WorkerLoad, bool)>,
}

/// One team's live workload, computed as the allocation screen computes it. For those who
/// may view caseloads (no child is named); each read is audited.
pub fn team_workload(
    conn: &mut DbConn,
    actor: &Actor,
    team_id: &str,
    today: NaiveDate,
) -> ServiceResult<TeamWorkload> {
    tx::require(conn, actor, Action::ViewCaseloads)?;
    let out = tx::read(conn, actor, |c| {
        let team = cairn_db::organisation::find_team(c, team_id)?
            .ok_or(ServiceError::NotFound("The team"))?;
        let service = cairn_domain::caseloads::Service::from_code(&team.service)
            .unwrap_or(cairn_domain::caseloads::Service::ChildrenInNeed);
        let model = cairn_db::caseloads::model::in_force(c, today)?.model;
        let workers = loads_repo::workers(c, Workers::Team(team_id))?;
        let loads = loads_repo::loads(c, &model, workers, today)?;
        let total = alerts::team_load(&model, service, &loads, today);
        Ok(TeamWorkload {
            team_id: team.id,
            team_name: team.name,
            service,
            model: model.name.clone(),
            on: today,
            team: total,
            workers: loads
                .into_iter()
                .map(|wl| {
                    let available = wl.worker.available_on(today);
                    (wl, available)
                })
                .collect(),
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("workload.team_view")
                .on("team", team_id)
                .detail(json!({ "workers": out.workers.len() })),
        )?;
        Ok(())
    })?;
    Ok(out)
}
