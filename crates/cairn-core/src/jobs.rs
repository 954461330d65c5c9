//! Background jobs: handlers, running one job, the worker loop, and the administrators' view.
//!
//! A service queues a job with [`cairn_db::jobs::enqueue`] inside its own write transaction
//! (so the email or letter exists exactly when the change commits). A worker — a thread inside
//! `cairn serve`, or `cairn worker` on its own — claims due jobs one at a time with
//! [`run_one`], runs the handler registered for the job's kind, and records the outcome:
//! done; queued again with exponential backoff after a transient error; failed (and audited)
//! after a permanent error or the last attempt.
//!
//! Payloads may hold personal data. Logs, stored errors and audit rows carry only job ids,
//! kinds, attempt counts and technical error text.

mod worker;

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use cairn_db::audit::Outcome;
use cairn_db::jobs::{self as store, JobCounts, JobFilter, JobRow};
use cairn_db::{DbConn, DbError};
use cairn_domain::ids::JobId;
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDateTime};
use serde_json::{Value, json};

use crate::actor::{Actor, Channel};
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::mailer::MailError;
use crate::settings::Settings;
use crate::tx;

pub use worker::{JobNotifier, WorkerHandle, spawn_worker, worker_name};

/// Why a handler did not finish. The text is stored on the job and shown to administrators:
/// technical words only, never a name, an address or anything from the payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a mail server that is down, a busy database).
    #[error("{0}")]
    Transient(String),
    /// Trying again cannot help (a rejected address, a payload that makes no sense).
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, JobError::Permanent(_))
    }
}

impl From<MailError> for JobError {
    fn from(e: MailError) -> Self {
        if e.is_permanent() {
            JobError::Permanent(e.to_string())
        } else {
            JobError::Transient(e.to_string())
        }
    }
}

/// A database error inside a handler is usually passing (a lock, a restart): try again.
impl From<DbError> for JobError {
    fn from(e: DbError) -> Self {
        JobError::Transient(e.to_string())
    }
}

impl From<ServiceError> for JobError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Db(_) | ServiceError::Internal(_) => JobError::Transient(e.to_string()),
            other => JobError::Permanent(other.to_string()),
        }
    }
}

/// The code for one kind of job.
///
/// `run` is called OUTSIDE any transaction, with a connection of its own, and opens whatever
/// transactions it needs. A job can run more than once (a worker that dies after the handler
/// finished but before the job was marked done; an administrator's retry), so a handler with
/// an effect outside the database must be idempotent: record what it did in its own
/// transaction and check that record first (for example a message row marked sent).
pub trait JobHandler: Send + Sync {
    /// The `kind` stored on the job, e.g. "referrer_message.send".
    fn kind(&self) -> &'static str;
    fn run(&self, conn: &mut DbConn, payload: &Value) -> Result<(), JobError>;
}

/// The handlers a worker knows, by kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: BTreeMap<&'static str, Arc<dyn JobHandler>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a handler, replacing any earlier one for the same kind.
    pub fn register(&mut self, handler: impl JobHandler + 'static) -> &mut Registry {
        self.handlers.insert(handler.kind(), Arc::new(handler));
        self
    }

    /// [`Registry::register`] in builder form: `Registry::new().with(A).with(B)`.
    pub fn with(mut self, handler: impl JobHandler + 'static) -> Registry {
        self.register(handler);
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.handlers.get(kind).cloned()
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.keys().copied().collect()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds())
            .finish()
    }
}

/// Every handler Cairn runs. Add a handler with one `.with(…)` line.
pub fn default_registry(settings: &Settings) -> Registry {
    // Handlers take what they need from the settings when they are built (a Mailer, the
    // council's name).
    Registry::new()
        .with(crate::front_door::messages::SendReferrerMessage::new(
            settings,
        ))
        .with(crate::caseloads::notifications::SendNotificationEmail::new(
            settings,
        ))
        .with(crate::caseloads::snapshots::TakeSnapshotJob)
        .with(crate::caseloads::snapshots::RetakeSnapshotsJob)
        .with(crate::caseloads::unallocated::EscalateUnallocated)
}

/// A job still marked running this long after it was claimed is taken to belong to a worker
/// that died, and is claimed again. Well above the longest job (an SMTP conversation times out
/// after 30 seconds) so that a slow job is never run twice at once.
pub const STALE_AFTER: Duration = Duration::minutes(10);

/// The first retry waits this long; each later one twice as long as the one before.
pub const BACKOFF_BASE_SECONDS: i64 = 30;
/// No retry waits longer than this.
pub const BACKOFF_CAP_SECONDS: i64 = 3600;

/// The wait before the next attempt after `attempts` failed ones: 30 s × 2^(attempts−1),
/// capped at an hour, less up to a tenth at random so that jobs which failed together (a mail
/// server outage) do not all retry in the same second.
pub fn backoff(attempts: i32) -> Duration {
    let full = backoff_without_jitter(attempts);
    let jitter_ms = rand::random_range(0..=full.num_milliseconds() / 10);
    full - Duration::milliseconds(jitter_ms)
}

pub fn backoff_without_jitter(attempts: i32) -> Duration {
    // Past 2^7 × 30 s the cap applies anyway; clamping keeps the shift from overflowing.
    let exponent = (attempts.max(1) - 1).min(16) as u32;
    let seconds = BACKOFF_BASE_SECONDS
        .saturating_mul(1i64 << exponent)
        .min(BACKOFF_CAP_SECONDS);
    Duration::seconds(seconds)
}

/// What became of one job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Done,
    /// Failed this time; queued again.
    Retrying {
        run_after: NaiveDateTime,
        error: String,
    },
    /// Failed for good: a permanent error, or the last attempt.
    Failed {
        error: String,
        permanent: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    pub job_id: JobId,
    pub kind: String,
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub outcome: RunOutcome,
}

/// The audit actor for what the worker does on its own account.
fn worker_actor(worker: &str) -> Actor {
    Actor {
        user_id: None,
        username: "job-worker".into(),
        display_name: format!("Background job worker {worker}"),
        // Never checked against the policy: the worker only records outcomes.
        role: Role::Administrator,
        team_id: None,
        session_id: None,
        request_id: None,
        channel: Channel::CommandLine,
        scopes: Vec::new(),
    }
}

/// Claims one due job and runs it; `Ok(None)` when nothing is due.
///
/// The claim commits before the handler starts, so the handler runs outside it and the job
/// shows as running meanwhile. Must not be called inside a transaction.
pub fn run_one(
    conn: &mut DbConn,
    registry: &Registry,
    worker: &str,
) -> ServiceResult<Option<RunReport>> {
    let Some(job) = store::claim_next(conn, worker, cairn_db::now(), STALE_AFTER)? else {
        return Ok(None);
    };
    let job_id = job.job_id()?;
    tracing::info!(job_id = %job_id, kind = %job.kind, attempt = job.attempts, "job started");
    let result = run_handler(conn, registry, &job);
    let outcome = record_outcome(conn, worker, &job, &job_id, result)?;
    match &outcome {
        RunOutcome::Done => tracing::info!(job_id = %job_id, kind = %job.kind, "job done"),
        RunOutcome::Retrying { run_after, error } => tracing::warn!(
            job_id = %job_id, kind = %job.kind, attempt = job.attempts, %run_after, %error,
            "job failed; will retry"
        ),
        RunOutcome::Failed { error, permanent } => tracing::error!(
            job_id = %job_id, kind = %job.kind, attempt = job.attempts, permanent, %error,
            "job failed for good"
        ),
    }
    Ok(Some(RunReport {
        job_id,
        kind: job.kind,
        attempt: job.attempts,
        outcome,
    }))
}

fn run_handler(conn: &mut DbConn, registry: &Registry, job: &JobRow) -> Result<(), JobError> {
    let Some(handler) = registry.get(&job.kind) else {
        // Transient: during an upgrade an older worker may meet a kind only the newer
        // binary knows; the newer one will pick it up on a later attempt.
        return Err(JobError::Transient(format!(
            "this worker has no handler for job kind {:?}",
            job.kind
        )));
    };
    let payload = job
        .payload_json()
        .map_err(|_| JobError::Permanent("the job's payload is not valid JSON".into()))?;
    // A panicking handler must not take the worker thread (and every later job) with it.
    match catch_unwind(AssertUnwindSafe(|| handler.run(conn, &payload))) {
        Ok(result) => result,
        Err(_) => {
            roll_back_open_transactions(conn);
            Err(JobError::Transient("the job's handler panicked".into()))
        }
    }
}

/// After a panic inside a handler's transaction the connection may still be in it; close it
/// so the outcome can be recorded on the same connection.
fn roll_back_open_transactions(conn: &mut DbConn) {
    use diesel::connection::{Connection, TransactionManager};
    type Tm = <DbConn as Connection>::TransactionManager;
    for _ in 0..16 {
        match Tm::transaction_manager_status_mut(conn).transaction_depth() {
            Ok(Some(_)) => {
                if Tm::rollback_transaction(conn).is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

fn record_outcome(
    conn: &mut DbConn,
    worker: &str,
    job: &JobRow,
    job_id: &JobId,
    result: Result<(), JobError>,
) -> ServiceResult<RunOutcome> {
    let now = cairn_db::now();
    let (error, permanent) = match result {
        Ok(()) => {
            let still_ours = conn.write(|c| store::complete(c, job_id, now))?;
            if !still_ours {
                tracing::warn!(job_id = %job_id, "job finished after it had been reclaimed or changed");
            }
            return Ok(RunOutcome::Done);
        }
        Err(JobError::Permanent(e)) => (e, true),
        Err(JobError::Transient(e)) if job.attempts < job.max_attempts => {
            let run_after = now + backoff(job.attempts);
            conn.write(|c| store::reschedule(c, job_id, &e, run_after))?;
            return Ok(RunOutcome::Retrying {
                run_after: cairn_db::truncate_to_micros(run_after),
                error: e,
            });
        }
        Err(JobError::Transient(e)) => (e, false),
    };
    let actor = worker_actor(worker);
    let id = job_id.to_string();
    conn.write(|c| {
        store::fail(c, job_id, &error, now)?;
        // No error text here: the audit log is permanent, and a handler's words are the one
        // place personal data could slip in. The jobs page shows the error.
        audit_trail::write(
            c,
            &actor,
            Record::ok("job.failed")
                .outcome(Outcome::Failed)
                .on("job", &id)
                .detail(json!({
                    "kind": job.kind,
                    "attempts": job.attempts,
                    "max_attempts": job.max_attempts,
                    "permanent": permanent,
                    "worker": worker,
                })),
        )?;
        Ok::<_, ServiceError>(())
    })?;
    Ok(RunOutcome::Failed { error, permanent })
}

// ---- administrators ---------------------------------------------------------------------------

/// What the jobs page shows.
#[derive(Clone, Debug)]
pub struct JobsOverview {
    pub counts: JobCounts,
    pub jobs: Vec<JobRow>,
}

/// Counts by status and one page of jobs. Needs [`Action::ViewJobs`]; a refusal is audited.
pub fn list_jobs(
    conn: &mut DbConn,
    actor: &Actor,
    filter: JobFilter,
    limit: i64,
    offset: i64,
) -> ServiceResult<JobsOverview> {
    tx::require(conn, actor, Action::ViewJobs)?;
    tx::read(conn, actor, |c| {
        Ok(JobsOverview {
            counts: store::counts_by_status(c)?,
            jobs: store::list(c, filter, limit, offset)?,
        })
    })
}

/// "Retry now" on a failed job: queued again, due at once, attempts reset. Audited as
/// `job.retry`. Not found unless the job exists and has failed.
pub fn retry_job(conn: &mut DbConn, actor: &Actor, job_id: &str) -> ServiceResult<JobId> {
    tx::require(conn, actor, Action::ViewJobs)?;
    let id =
        JobId::parse(job_id).map_err(|_| ServiceError::NotFound("A failed job with that id"))?;
    tx::write(conn, actor, |c| {
        let Some(job) = store::get(c, &id)? else {
            return Err(ServiceError::NotFound("A failed job with that id"));
        };
        if !store::retry_now(c, &id, cairn_db::now())? {
            return Err(ServiceError::NotFound("A failed job with that id"));
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("job.retry")
                .on("job", &id.to_string())
                .detail(json!({ "kind": job.kind, "attempts_before": job.attempts })),
        )?;
        Ok(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_and_stops_at_an_hour() {
        let secs: Vec<i64> = (1..=9)
            .map(|a| backoff_without_jitter(a).num_seconds())
            .collect();
        assert_eq!(secs, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff_without_jitter(0).num_seconds(), 30);
        assert_eq!(backoff_without_jitter(i32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn jitter_only_shortens_the_wait_and_by_at_most_a_tenth() {
        for attempts in [1, 3, 12] {
            let full = backoff_without_jitter(attempts);
            for _ in 0..50 {
                let b = backoff(attempts);
                assert!(b <= full && b >= full - full / 10, "{b:?} vs {full:?}");
            }
        }
    }

    struct Noop;
    impl JobHandler for Noop {
        fn kind(&self) -> &'static str {
            "noop"
        }
        fn run(&self, _: &mut DbConn, _: &Value) -> Result<(), JobError> {
            Ok(())
        }
    }

    #[test]
    fn the_registry_finds_handlers_by_kind() {
        let r = Registry::new().with(Noop);
        assert_eq!(r.kinds(), vec!["noop"]);
        assert!(r.get("noop").is_some());
        assert!(r.get("other").is_none());
        assert_eq!(format!("{r:?}"), "Registry { kinds: [\"noop\"] }");
    }

    #[test]
    fn mail_errors_map_to_retry_or_not() {
        assert!(JobError::from(MailError::Rejected("SMTP 550".into())).is_permanent());
        assert!(!JobError::from(MailError::Unavailable("down".into())).is_permanent());
    }
}
