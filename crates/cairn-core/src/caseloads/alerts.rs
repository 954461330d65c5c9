//! Workload alerts: raised when a worker or team crosses amber or red, kept until the load is
//! back under the limit or a manager records a decision.
//!
//! A decision covers the level it was made at and any lower one: the alert stays closed while
//! the subject stays at that level (or drops to amber), a rise above it (amber to red) raises
//! a new alert, and a return to green ends it, so that crossing again later raises a new one.

use std::collections::{BTreeSet, HashMap};

use cairn_db::DbConn;
use cairn_db::caseloads::alerts::{self as repo, AlertRow, Listing};
use cairn_db::caseloads::load::{self as loads_repo, Worker, WorkerLoad, Workers};
use cairn_domain::caseloads::model::WorkloadModel;
use cairn_domain::caseloads::points::Points;
use cairn_domain::caseloads::{AlertLevel, AlertSubject, Rating, Service};
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN, clean_text};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::json;

use super::notifications::{Notice, notify};
use crate::audit_trail::{self, Record};
use crate::error::ServiceError;
use crate::{Actor, ServiceResult, tx};

/// Why a red alert is cleared when the load falls back under the red level but not the amber.
const BACK_UNDER_RED: &str = "Back under the red safe working level";

/// Why an alert is cleared when the load falls back.
pub const BACK_UNDER: &str = "Back under the safe working level";

/// How many closed alerts the page lists.
const CLOSED_LIMIT: i64 = 100;
/// How many open alerts the page lists (an authority with more has a bigger problem than the
/// page can show).
const OPEN_LIMIT: i64 = 1_000;

/// The workers and teams a change may have moved over, or back under, a safe working level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affected {
    pub workers: Vec<String>,
    pub teams: Vec<String>,
}

impl Affected {
    /// One worker and their team (if they have one).
    pub fn worker(worker_id: &str, team_id: Option<&str>) -> Affected {
        Affected {
            workers: vec![worker_id.to_string()],
            teams: team_id.map(str::to_string).into_iter().collect(),
        }
    }
}

/// A team's total: the weighted work its case-holding members hold against the capacity of
/// those who are available on the day (a worker on leave, or gone, carries nothing new but
/// their work is still the team's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TeamLoad {
    pub weighted: Points,
    pub capacity: Points,
    pub percent: Option<i64>,
    pub rating: Rating,
}

/// Totals a team's members' loads under `model` with the service's levels.
pub fn team_load(
    model: &WorkloadModel,
    service: Service,
    members: &[WorkerLoad],
    on: NaiveDate,
) -> TeamLoad {
    let holding: Vec<&WorkerLoad> = members
        .iter()
        .filter(|m| model.holds_cases(m.worker.role))
        .collect();
    let weighted: Points = holding.iter().map(|m| m.load.weighted).sum();
    let capacity: Points = holding
        .iter()
        .filter(|m| m.worker.available_on(on))
        .map(|m| m.load.capacity)
        .sum();
    TeamLoad {
        weighted,
        capacity,
        percent: weighted.percent_of(capacity),
        rating: model.limits_for(service).rate(weighted, capacity),
    }
}

/// One subject re-rated.
struct Rated {
    kind: AlertSubject,
    id: String,
    team_id: Option<String>,
    name: String,
    rating: Rating,
    percent: Option<i64>,
    weighted: Points,
    capacity: Points,
}

fn percent_i32(p: Option<i64>) -> Option<i32> {
    p.map(|p| i32::try_from(p).unwrap_or(i32::MAX))
}

fn level_rank(level: &str) -> u8 {
    match AlertLevel::from_code(level) {
        Some(AlertLevel::Red) => 2,
        Some(AlertLevel::Amber) => 1,
        _ => 0,
    }
}

/// Re-rates the affected workers and teams on `on` and raises, escalates (amber to red) or
/// clears their alerts, notifying the manager and the service manager of each new or
/// escalated one. `cause` says what changed ("allocation", "weights changed", "hours
/// reduced", …). Called inside the transaction of every change that can move a load, so an
/// alert can never lag the change that caused it.
pub fn reevaluate(
    c: &mut DbConn,
    actor: &Actor,
    affected: &Affected,
    cause: &str,
    on: NaiveDate,
) -> ServiceResult<()> {
    let worker_ids: Vec<String> = affected
        .workers
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let team_ids: BTreeSet<String> = affected.teams.iter().cloned().collect();
    if worker_ids.is_empty() && team_ids.is_empty() {
        return Ok(());
    }
    let model = cairn_db::caseloads::model::in_force(c, on)?.model;
    let mut rated = Vec::new();
    if !worker_ids.is_empty() {
        let workers = loads_repo::workers(c, Workers::Ids(&worker_ids))?;
        for wl in loads_repo::loads(c, &model, workers, on)? {
            rated.push(Rated {
                kind: AlertSubject::Worker,
                id: wl.worker.user_id.clone(),
                team_id: wl.worker.team_id.clone(),
                name: wl.worker.display_name.clone(),
                rating: wl.load.rating,
                percent: wl.load.percent,
                weighted: wl.load.weighted,
                capacity: wl.load.capacity,
            });
        }
    }
    for team_id in team_ids {
        let Some(team) = cairn_db::organisation::find_team(c, &team_id)? else {
            continue;
        };
        let service = Service::from_code(&team.service).unwrap_or(Service::ChildrenInNeed);
        let members: Vec<Worker> = loads_repo::workers(c, Workers::Team(&team_id))?;
        let members = loads_repo::loads(c, &model, members, on)?;
        let total = team_load(&model, service, &members, on);
        rated.push(Rated {
            kind: AlertSubject::Team,
            id: team_id.clone(),
            team_id: Some(team_id),
            name: team.name,
            rating: total.rating,
            percent: total.percent,
            weighted: total.weighted,
            capacity: total.capacity,
        });
    }
    let now = cairn_db::now();
    for subject in &rated {
        apply(c, actor, subject, cause, now)?;
    }
    Ok(())
}

fn apply(
    c: &mut DbConn,
    actor: &Actor,
    s: &Rated,
    cause: &str,
    now: NaiveDateTime,
) -> ServiceResult<()> {
    let uncleared = repo::uncleared_for(c, s.kind.code(), std::slice::from_ref(&s.id))?;
    let open = uncleared.iter().find(|a| a.is_open());
    let decided = uncleared.iter().find(|a| a.decided_at.is_some());
    let level: Option<AlertLevel> = s.rating.into();
    let percent = percent_i32(s.percent);
    match (level, open) {
        (None, Some(alert)) => {
            clear(c, actor, alert, BACK_UNDER, now)?;
            if let Some(d) = decided {
                clear(c, actor, d, BACK_UNDER, now)?;
            }
        }
        (None, None) => {
            if let Some(d) = decided {
                clear(c, actor, d, BACK_UNDER, now)?;
            }
        }
        (Some(level), Some(alert)) => {
            if alert.level == level.code() {
                repo::touch(c, &alert.id, percent, now)?;
            } else if level_rank(level.code()) < level_rank(&alert.level) {
                // Back under the red level but still amber: the red alert has been dealt with
                // and clears; an amber one takes its place, without telling anyone again.
                clear(c, actor, alert, BACK_UNDER_RED, now)?;
                raise(c, actor, s, level, cause, now, false)?;
            } else {
                repo::escalate(c, &alert.id, level.code(), cause, percent, now)?;
                audit_trail::write(
                    c,
                    actor,
                    Record::ok("workload_alert.escalate")
                        .on("workload_alert", &alert.id)
                        .detail(json!({
                            "subject_kind": s.kind.code(),
                            "subject_id": s.id,
                            "from": alert.level,
                            "to": level.code(),
                            "cause": cause,
                            "load_percent": percent,
                        })),
                )?;
                tell_managers(c, s, &alert.id, level, cause, true)?;
            }
        }
        (Some(level), None) => {
            if let Some(d) = decided {
                if level_rank(level.code()) <= level_rank(&d.level) {
                    // The decision covers this level.
                    return Ok(());
                }
                clear(
                    c,
                    actor,
                    d,
                    "The level rose after the decision: a new alert was raised",
                    now,
                )?;
            }
            raise(c, actor, s, level, cause, now, true)?;
        }
    }
    Ok(())
}

/// Opens an alert for the subject at `level`; `notify` tells its managers (not when the alert
/// only replaces a red one the load has come back under).
fn raise(
    c: &mut DbConn,
    actor: &Actor,
    s: &Rated,
    level: AlertLevel,
    cause: &str,
    now: NaiveDateTime,
    notify: bool,
) -> ServiceResult<()> {
    let percent = percent_i32(s.percent);
    let id = uuid::Uuid::now_v7().to_string();
    repo::insert(
        c,
        &AlertRow {
            id: id.clone(),
            subject_kind: s.kind.code().to_string(),
            subject_id: s.id.clone(),
            team_id: s.team_id.clone(),
            level: level.code().to_string(),
            cause: cause.to_string(),
            load_percent: percent,
            raised_at: now,
            updated_at: now,
            decision: None,
            decided_at: None,
            decided_by: None,
            cleared_at: None,
            cleared_reason: None,
        },
    )?;
    audit_trail::write(
        c,
        actor,
        Record::ok("workload_alert.raise")
            .on("workload_alert", &id)
            .detail(json!({
                "subject_kind": s.kind.code(),
                "subject_id": s.id,
                "level": level.code(),
                "cause": cause,
                "load_percent": percent,
                "weighted_centi": s.weighted.centi(),
                "capacity_centi": s.capacity.centi(),
            })),
    )?;
    if notify {
        tell_managers(c, s, &id, level, cause, false)?;
    }
    Ok(())
}

fn clear(
    c: &mut DbConn,
    actor: &Actor,
    alert: &AlertRow,
    reason: &str,
    now: NaiveDateTime,
) -> ServiceResult<()> {
    if repo::clear(c, &alert.id, reason, now)? {
        audit_trail::write(
            c,
            actor,
            Record::ok("workload_alert.clear")
                .on("workload_alert", &alert.id)
                .detail(json!({
                    "subject_kind": alert.subject_kind,
                    "subject_id": alert.subject_id,
                    "level": alert.level,
                    "reason": reason,
                })),
        )?;
    }
    Ok(())
}

fn describe(s: &Rated, level: AlertLevel) -> String {
    let at = match level {
        AlertLevel::Red => "over the red safe working level",
        AlertLevel::Amber => "at the amber level",
        AlertLevel::Waiting => "waiting too long",
    };
    match s.kind {
        AlertSubject::Team => format!("{} team is {at}", s.name),
        _ => format!("{} is {at}", s.name),
    }
}

fn tell_managers(
    c: &mut DbConn,
    s: &Rated,
    alert_id: &str,
    level: AlertLevel,
    cause: &str,
    escalated: bool,
) -> ServiceResult<()> {
    let title = if escalated {
        format!("Workload alert escalated: {}", describe(s, level))
    } else {
        format!("Workload alert: {}", describe(s, level))
    };
    let share = match s.percent {
        Some(p) => format!("{p}% of capacity"),
        None => "with no capacity".to_string(),
    };
    let body = format!(
        "Weighted load {} points against a capacity of {} points ({share}). What changed: {cause}.",
        s.weighted, s.capacity
    );
    for (user_id, _) in repo::managers_to_notify(c, s.team_id.as_deref())? {
        notify(
            c,
            &Notice {
                user_id,
                kind: "workload_alert",
                title: title.clone(),
                body: body.clone(),
                href: format!("/caseloads/alerts#alert-{alert_id}"),
                source_kind: "workload_alert",
                source_id: alert_id.to_string(),
                email: true,
            },
        )?;
    }
    Ok(())
}

/// One alert as listed: who or what it is about, in words.
#[derive(Clone, Debug, Serialize)]
pub struct AlertView {
    pub alert: AlertRow,
    pub subject: AlertSubject,
    pub level: Option<AlertLevel>,
    /// The worker's or team's name; for a waiting child, no name (the unallocated list has
    /// the children).
    pub subject_name: String,
    pub team_name: Option<String>,
    pub decided_by_name: Option<String>,
}

/// The alerts page: open alerts first, then the latest decided or cleared.
#[derive(Clone, Debug, Serialize)]
pub struct AlertsPage {
    pub open: Vec<AlertView>,
    pub closed: Vec<AlertView>,
    /// Whether the reader may record a decision.
    pub may_decide: bool,
}

fn views(c: &mut DbConn, rows: Vec<AlertRow>) -> ServiceResult<Vec<AlertView>> {
    let mut user_ids: Vec<String> = rows
        .iter()
        .filter(|a| a.subject_kind == AlertSubject::Worker.code())
        .map(|a| a.subject_id.clone())
        .collect();
    user_ids.extend(rows.iter().filter_map(|a| a.decided_by.clone()));
    let users = cairn_db::users::display_names(c, &user_ids)?;
    let team_ids: Vec<String> = rows.iter().filter_map(|a| a.team_id.clone()).collect();
    let teams: HashMap<String, String> = repo::team_names(c, &team_ids)?;
    rows.into_iter()
        .map(|alert| {
            let subject = AlertSubject::from_code(&alert.subject_kind).ok_or_else(|| {
                ServiceError::Internal(format!("unknown alert subject {}", alert.subject_kind))
            })?;
            let team_name = alert.team_id.as_ref().and_then(|t| teams.get(t).cloned());
            let subject_name = match subject {
                AlertSubject::Worker => users
                    .get(&alert.subject_id)
                    .cloned()
                    .unwrap_or_else(|| "A former worker".into()),
                AlertSubject::Team => team_name.clone().unwrap_or_else(|| "A team".into()),
                AlertSubject::Unallocated => "A child waiting for allocation".into(),
            };
            Ok(AlertView {
                level: AlertLevel::from_code(&alert.level),
                decided_by_name: alert
                    .decided_by
                    .as_ref()
                    .and_then(|u| users.get(u).cloned()),
                subject,
                subject_name,
                team_name,
                alert,
            })
        })
        .collect()
}

/// The alerts, open and closed, in one team or all. The page names workers and teams but no
/// child, so the read is not about a person; it is still recorded, as the caseload picture
/// is sensitive staff information.
pub fn page(conn: &mut DbConn, actor: &Actor, team: Option<&str>) -> ServiceResult<AlertsPage> {
    tx::require(conn, actor, Action::ViewCaseloads)?;
    let page = tx::read(conn, actor, |c| {
        let open = repo::list(c, Listing::Open(team), OPEN_LIMIT)?;
        let closed = repo::list(c, Listing::Closed(team), CLOSED_LIMIT)?;
        Ok(AlertsPage {
            open: views(c, open)?,
            closed: views(c, closed)?,
            may_decide: actor.may(Action::AllocateWork),
        })
    })?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("workload_alert.list_view").detail(json!({
                "team": team,
                "open": page.open.len(),
            })),
        )?;
        Ok(())
    })?;
    Ok(page)
}

/// The open alerts only, for the API.
pub fn open(conn: &mut DbConn, actor: &Actor, team: Option<&str>) -> ServiceResult<Vec<AlertView>> {
    Ok(page(conn, actor, team)?.open)
}

/// Records a manager's decision about an open alert, which closes it (it is not raised again
/// while the level stays the same). The decision text is required.
pub fn decide(conn: &mut DbConn, actor: &Actor, id: &str, decision: &str) -> ServiceResult<()> {
    tx::require(conn, actor, Action::AllocateWork)?;
    let mut errors = FieldErrors::new();
    let text = clean_text(
        "decision",
        "The decision",
        decision,
        MAX_TEXT_LEN,
        true,
        &mut errors,
    );
    let Some(text) = text else {
        return Err(ServiceError::Invalid(errors));
    };
    tx::write(conn, actor, |c| {
        let alert = repo::find(c, id)?.ok_or(ServiceError::NotFound("The alert"))?;
        if !alert.is_open() {
            return Err(ServiceError::Conflict(
                "This alert is already closed: someone recorded a decision or the load fell back"
                    .into(),
            ));
        }
        if !repo::decide(c, id, &text, &actor.author(), cairn_db::now())? {
            return Err(ServiceError::Conflict(
                "Someone else recorded a decision on this alert first".into(),
            ));
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("workload_alert.decide")
                .on("workload_alert", id)
                .detail(json!({
                    "subject_kind": alert.subject_kind,
                    "subject_id": alert.subject_id,
                    "level": alert.level,
                })),
        )?;
        Ok(())
    })
}
