//! Daily workload snapshots: taken by a daily job and on demand, retaken for back-dated
//! changes.
//!
//! A snapshot is one row per worker for the day: their load exactly as the allocation screen
//! and the alerts count it ([`cairn_db::caseloads::load::loads`] under the model in force that
//! day), and beside it the figures the 2009 letter linked to caseloads:
//!
//! - **Overdue recordings**: the worker's notes about an event more than the recording
//!   standard's working days before the day that were not final by the end of the day (still
//!   drafts, or finalised late), as the recording-quality page counts them.
//! - **Overdue visits**: child protection and child in need plans open on the day, in cases
//!   the worker holds, whose next statutory visit (counted from the latest visit with the
//!   child seen, or the plan's start) was due before the day, as "My work" counts them.
//! - **Assessments** the worker wrote that were authorised in the 12 months to the day; how
//!   many were authorised within their timescale (45 working days from the referral for a
//!   single assessment, under the timescales in force for the episode); how many a manager
//!   rated, and how many were rated good or outstanding.
//!
//! Workers in a team are included while they are active and have not left, and after that
//! for as long as they still hold work (so a leaver's cases stay visible).

use std::collections::HashMap;

use cairn_db::DbConn;
use cairn_db::caseloads::load::{self, Workers};
use cairn_db::caseloads::model as model_repo;
use cairn_db::caseloads::snapshots::{self as repo, SnapshotRow};
use cairn_domain::calendar::Calendar;
use cairn_domain::caseloads::AllocatedWork;
use cairn_domain::caseloads::points::Points;
use cairn_domain::casework::timescales::PlanKind;
use cairn_domain::casework::{AssessmentKind, QualityRating};
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use chrono::{Duration, Months, NaiveDate, NaiveDateTime, TimeZone};
use serde::Serialize;
use serde_json::{Value, json};

use crate::actor::{Actor, Channel};
use crate::audit_trail::{self, Record};
use crate::casework::Timescales;
use crate::jobs::{JobError, JobHandler};
use crate::tx;
use crate::{ServiceError, ServiceResult};

/// The job that takes one day's snapshot (payload `{"on": "YYYY-MM-DD"}`).
pub const TAKE_JOB: &str = "caseloads.snapshots.take";
/// The job that retakes every snapshot day from a date to today (payload
/// `{"from": "YYYY-MM-DD"}`).
pub const RETAKE_JOB: &str = "caseloads.snapshots.retake";
/// Attempts for either job before it is marked failed.
const JOB_ATTEMPTS: i32 = 5;

/// Queues a job that retakes every existing snapshot day from `from` to today, after a
/// back-dated change (an allocation recorded for the past). Cheap enough to call inside the
/// change's transaction: the work happens in the job.
pub fn schedule_retake(c: &mut DbConn, from: NaiveDate) -> ServiceResult<()> {
    cairn_db::jobs::enqueue(
        c,
        RETAKE_JOB,
        &json!({ "from": from.to_string() }),
        cairn_db::now(),
        JOB_ATTEMPTS,
    )?;
    Ok(())
}

/// How far a long run has got: logged by the job, printed by the command line. Counts only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

/// What taking a day's snapshot did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TakeSummary {
    pub taken_on: NaiveDate,
    pub model_id: String,
    pub workers: usize,
    pub amber: usize,
    pub red: usize,
}

/// The actor the daily job and retakes act as: the system, with an administrator's rights.
pub fn system_actor() -> Actor {
    Actor {
        user_id: None,
        username: "workload-snapshots".into(),
        display_name: "Daily workload snapshot".into(),
        role: Role::Administrator,
        team_id: None,
        session_id: None,
        request_id: None,
        channel: Channel::CommandLine,
        scopes: Vec::new(),
    }
}

/// Takes (or retakes, in place) the snapshot of every worker in a team for `on`. The county
/// is read in one read transaction and written in one write transaction with its audit row
/// (`workload_snapshot.take`).
pub fn take(
    conn: &mut DbConn,
    actor: &Actor,
    on: NaiveDate,
    progress: &mut dyn FnMut(Progress),
) -> ServiceResult<TakeSummary> {
    tx::require(conn, actor, Action::TakeWorkloadSnapshot)?;
    let (model_id, rows) = tx::read(conn, actor, |c| compute(c, on, progress))?;
    let summary = TakeSummary {
        taken_on: on,
        workers: rows.len(),
        amber: rows.iter().filter(|r| r.rating == "amber").count(),
        red: rows.iter().filter(|r| r.rating == "red").count(),
        model_id,
    };
    progress(Progress {
        stage: "writing snapshots",
        done: 0,
        total: rows.len(),
    });
    tx::write(conn, actor, |c| {
        let retake = repo::has_day(c, on)?;
        repo::upsert(c, &rows)?;
        let day = on.to_string();
        audit_trail::write(
            c,
            actor,
            Record::ok("workload_snapshot.take")
                .on("workload_snapshot", &day)
                .detail(json!({
                    "taken_on": day,
                    "retake": retake,
                    "workers": summary.workers,
                    "amber": summary.amber,
                    "red": summary.red,
                    "model_id": summary.model_id,
                })),
        )?;
        Ok(())
    })?;
    progress(Progress {
        stage: "writing snapshots",
        done: rows.len(),
        total: rows.len(),
    });
    tracing::info!(
        taken_on = %on,
        workers = summary.workers,
        amber = summary.amber,
        red = summary.red,
        "workload snapshot taken"
    );
    Ok(summary)
}

/// Retakes every day from `from` to `to` that already has snapshots (a day never taken is
/// not invented afterwards). Returns the days retaken.
pub fn retake(
    conn: &mut DbConn,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    progress: &mut dyn FnMut(Progress),
) -> ServiceResult<Vec<NaiveDate>> {
    tx::require(conn, actor, Action::TakeWorkloadSnapshot)?;
    let days = tx::read(conn, actor, |c| Ok(repo::days_between(c, from, to)?))?;
    for (i, day) in days.iter().enumerate() {
        progress(Progress {
            stage: "retaking days",
            done: i,
            total: days.len(),
        });
        take(conn, actor, *day, progress)?;
    }
    Ok(days)
}

/// Queues today's snapshot unless today already has one or one is queued: what the job
/// worker does once a day. Returns whether a job was queued.
pub fn queue_daily(conn: &mut DbConn, today: NaiveDate) -> ServiceResult<bool> {
    conn.write(|c| {
        if repo::has_day(c, today)? || repo::job_pending(c, TAKE_JOB)? {
            return Ok(false);
        }
        cairn_db::jobs::enqueue(
            c,
            TAKE_JOB,
            &json!({ "on": today.to_string() }),
            cairn_db::now(),
            JOB_ATTEMPTS,
        )?;
        Ok::<_, ServiceError>(true)
    })
}

/// Midnight at the start of `date` in England, as UTC (how timestamps are stored).
fn local_midnight(date: NaiveDate) -> NaiveDateTime {
    let local = date.and_time(chrono::NaiveTime::MIN);
    chrono_tz::Europe::London
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or(local)
}

/// The latest event date whose note is overdue on `on` if not final: more than `n` working
/// days before it.
fn overdue_event_cutoff(calendar: &Calendar, on: NaiveDate, n: u32) -> NaiveDate {
    let n = i64::from(n);
    let mut day = on;
    // At most a few weeks back, even over Christmas; the bound only guards the loop.
    for _ in 0..400 {
        if calendar.working_days_between(day, on) > n {
            return day;
        }
        day -= Duration::days(1);
    }
    day
}

/// The assessment figures of one worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct AssessmentFigures {
    completed: i32,
    in_time: i32,
    rated: i32,
    rated_good: i32,
}

fn compute(
    c: &mut DbConn,
    on: NaiveDate,
    progress: &mut dyn FnMut(Progress),
) -> ServiceResult<(String, Vec<SnapshotRow>)> {
    let stored = model_repo::in_force(c, on)?;
    let workers: Vec<_> = load::workers(c, Workers::All)?;
    progress(Progress {
        stage: "weighing caseloads",
        done: 0,
        total: workers.len(),
    });
    let loads = load::loads(c, &stored.model, workers, on)?;
    progress(Progress {
        stage: "weighing caseloads",
        done: loads.len(),
        total: loads.len(),
    });

    // Overdue notes, by author.
    let standards = crate::recording::standards::in_force(c, on)?;
    let ts = Timescales::load(c)?;
    let day_end = local_midnight(on + Duration::days(1));
    let cutoff = overdue_event_cutoff(&ts.calendar, on, standards.note_delay_working_days);
    let notes =
        repo::overdue_notes_by_author(c, local_midnight(cutoff + Duration::days(1)), day_end)?;

    // Overdue visits, counted against whoever holds the child's case that day.
    let holder: HashMap<&str, &str> = loads
        .iter()
        .flat_map(|wl| {
            wl.work
                .iter()
                .filter(|(h, _)| h.work == AllocatedWork::Case)
                .map(|(h, _)| (h.referral_id.as_str(), wl.worker.user_id.as_str()))
        })
        .collect();
    let mut visits: HashMap<&str, i32> = HashMap::new();
    for plan in repo::open_plans(c, on, day_end)? {
        let kind = if plan.kind == "cp" {
            PlanKind::ChildProtection
        } else {
            PlanKind::ChildInNeed
        };
        let due = ts.for_referral(plan.referral_date).visit_due(
            &ts.calendar,
            kind,
            plan.started_on,
            plan.latest_seen_visit.map(|t| t.date()),
        );
        if due.is_overdue(on)
            && let Some(worker) = holder.get(plan.referral_id.as_str())
        {
            *visits.entry(worker).or_default() += 1;
        }
    }

    // Assessments authorised in the 12 months to the day, by author.
    let year_before = on.checked_sub_months(Months::new(12)).unwrap_or(on);
    let mut assessments: HashMap<String, AssessmentFigures> = HashMap::new();
    for a in repo::authorised_assessments(c, year_before, on)? {
        let Some(kind) = AssessmentKind::from_code(&a.kind) else {
            continue;
        };
        let due = ts.for_referral(a.referral_date).assessment_due(
            &ts.calendar,
            kind,
            a.referral_date,
            a.started_on,
        );
        let rating = a
            .quality_rating
            .as_deref()
            .and_then(QualityRating::from_code);
        let f = assessments.entry(a.worker_id).or_default();
        f.completed += 1;
        f.in_time += i32::from(a.authorised_on <= due.date);
        f.rated += i32::from(rating.is_some());
        f.rated_good += i32::from(matches!(
            rating,
            Some(QualityRating::Good | QualityRating::Outstanding)
        ));
    }

    let taken_at = cairn_db::now();
    let rows = loads
        .iter()
        .filter(|wl| {
            let w = &wl.worker;
            let current = w.active && w.left_on.is_none_or(|left| on < left);
            current || !wl.work.is_empty()
        })
        .map(|wl| {
            let w = &wl.worker;
            let a = assessments.get(&w.user_id).copied().unwrap_or_default();
            SnapshotRow {
                id: uuid::Uuid::now_v7().to_string(),
                taken_on: on,
                worker_id: w.user_id.clone(),
                team_id: w.team_id.clone(),
                office_id: w.office_id.clone(),
                service: w.team_id.as_ref().map(|_| w.service.code().to_string()),
                model_id: stored.id.clone(),
                cases: i32::try_from(wl.load.cases).unwrap_or(i32::MAX),
                pieces_of_work: i32::try_from(wl.load.pieces_of_work).unwrap_or(i32::MAX),
                weighted_centi: wl.load.weighted.centi_i32(),
                capacity_centi: wl.load.capacity.centi_i32(),
                fte_centi: i32::try_from(w.fte_centi).unwrap_or(0),
                case_holding: wl.load.capacity > Points::ZERO,
                rating: wl.load.rating.code().to_string(),
                overdue_recordings: notes
                    .get(&w.user_id)
                    .map(|n| i32::try_from(*n).unwrap_or(i32::MAX))
                    .unwrap_or(0),
                overdue_visits: visits.get(w.user_id.as_str()).copied().unwrap_or(0),
                assessments_completed: a.completed,
                assessments_in_time: a.in_time,
                assessments_rated: a.rated,
                assessments_rated_good: a.rated_good,
                taken_at,
            }
        })
        .collect();
    Ok((stored.id, rows))
}

fn day_in(payload: &Value, key: &str) -> Result<NaiveDate, JobError> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .ok_or_else(|| JobError::Permanent(format!("the job's payload has no valid {key:?} date")))
}

fn log_progress(p: Progress) {
    tracing::info!(
        stage = p.stage,
        done = p.done,
        total = p.total,
        "workload snapshot"
    );
}

/// Takes one day's snapshot (the daily schedule's job).
#[derive(Clone, Copy, Debug, Default)]
pub struct TakeSnapshotJob;

impl JobHandler for TakeSnapshotJob {
    fn kind(&self) -> &'static str {
        TAKE_JOB
    }

    fn run(&self, conn: &mut DbConn, payload: &Value) -> Result<(), JobError> {
        let on = day_in(payload, "on")?;
        take(conn, &system_actor(), on, &mut log_progress)?;
        Ok(())
    }
}

/// Retakes every snapshot day from a date to today, after a back-dated change.
#[derive(Clone, Copy, Debug, Default)]
pub struct RetakeSnapshotsJob;

impl JobHandler for RetakeSnapshotsJob {
    fn kind(&self) -> &'static str {
        RETAKE_JOB
    }

    fn run(&self, conn: &mut DbConn, payload: &Value) -> Result<(), JobError> {
        let from = day_in(payload, "from")?;
        let today = crate::casework::today();
        retake(conn, &system_actor(), from, today, &mut log_progress)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_note_is_overdue_after_the_standards_working_days() {
        let cal = Calendar::england_and_wales();
        // Thursday 12 November 2026, two working days: an event on Monday the 9th is
        // overdue (Tue, Wed, Thu are three working days after it), Tuesday's is not.
        assert_eq!(
            overdue_event_cutoff(&cal, d(2026, 11, 12), 2),
            d(2026, 11, 9)
        );
    }

    #[test]
    fn a_payload_without_a_date_is_a_permanent_failure() {
        assert_eq!(
            day_in(&json!({"on": "2026-11-26"}), "on"),
            Ok(d(2026, 11, 26))
        );
        assert!(day_in(&json!({"on": "26/11/2026"}), "on").is_err_and(|e| e.is_permanent()));
        assert!(day_in(&json!({}), "from").is_err_and(|e| e.is_permanent()));
    }
}
