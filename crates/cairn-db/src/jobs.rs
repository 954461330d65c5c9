//! The job queue: an outbox table written in the same transaction as the business change.
//!
//! A service calls [`enqueue`] inside its own write transaction, so an email or a letter is
//! queued exactly when the change that asks for it commits. A worker then [`claim_next`]s one
//! due job at a time (atomically: two workers never take the same job), runs it outside the
//! claim transaction, and records the outcome with [`complete`], [`reschedule`] or [`fail`].
//!
//! Payloads may hold personal data (a referrer's name and address), so nothing here logs them:
//! logs and errors carry only ids, kinds and technical error text.

use std::fmt;

use cairn_domain::ids::JobId;
use chrono::{Duration, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::jobs;

/// Where a job is in its life. Stored as text (the table has a CHECK on these four).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the queue.
#[derive(Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    /// JSON text. Never logged or shown: it may hold personal data.
    #[serde(skip)]
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_after: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

// Written by hand so that `{:?}` in a log line or a test failure never prints the payload.
impl fmt::Debug for JobRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("payload", &format_args!("<{} bytes>", self.payload.len()))
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .field("max_attempts", &self.max_attempts)
            .field("run_after", &self.run_after)
            .field("locked_by", &self.locked_by)
            .field("locked_at", &self.locked_at)
            .field("last_error", &self.last_error)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("finished_at", &self.finished_at)
            .finish()
    }
}

impl JobRow {
    pub fn job_id(&self) -> Result<JobId, DbError> {
        JobId::parse(&self.id).map_err(|e| DbError::Corrupt(format!("job id: {e}")))
    }

    pub fn job_status(&self) -> Option<JobStatus> {
        JobStatus::parse(&self.status)
    }

    /// The payload as JSON. The error names the job, never the content.
    pub fn payload_json(&self) -> Result<serde_json::Value, DbError> {
        serde_json::from_str(&self.payload)
            .map_err(|_| DbError::Corrupt(format!("the payload of job {} is not JSON", self.id)))
    }
}

/// Queues a job. Call it INSIDE the business transaction that asks for it (the outbox
/// pattern): if that transaction rolls back, the job was never queued.
pub fn enqueue(
    conn: &mut DbConn,
    kind: &str,
    payload: &serde_json::Value,
    run_after: NaiveDateTime,
    max_attempts: i32,
) -> Result<JobId, DbError> {
    let id = JobId::new();
    let now = crate::now();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id.to_string()),
            jobs::kind.eq(kind),
            jobs::payload.eq(payload.to_string()),
            jobs::status.eq(JobStatus::Queued.as_str()),
            jobs::attempts.eq(0),
            // At least one attempt, whatever the caller asked for: a job that may never run
            // would sit in the queue for ever.
            jobs::max_attempts.eq(max_attempts.max(1)),
            jobs::run_after.eq(crate::truncate_to_micros(run_after)),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    tracing::debug!(job_id = %id, kind, "job queued");
    Ok(id)
}

/// How many stale-but-exhausted jobs one claim may mark failed before giving up for this
/// round; bounds the work done under the write lock.
const MAX_EXHAUSTED_PER_CLAIM: usize = 50;

/// Takes one due job and marks it running (attempts + 1, locked by `worker` at `now`).
///
/// Due means queued with `run_after <= now`, or running with a lock older than `stale_after`
/// (its worker crashed or was killed mid-job). A stale job that has already used all its
/// attempts is marked failed instead of being run again.
///
/// Opens its own write transaction, so it must not be called inside another one. On
/// PostgreSQL the candidate row is locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers
/// each take a different job without waiting on each other; on SQLite the `BEGIN IMMEDIATE`
/// write lock serialises claims.
pub fn claim_next(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    stale_after: Duration,
) -> Result<Option<JobRow>, DbError> {
    let now = crate::truncate_to_micros(now);
    let stale_before = now - stale_after;
    conn.write(|c| {
        for _ in 0..MAX_EXHAUSTED_PER_CLAIM {
            let Some((id, status, attempts, max_attempts)) = next_due(c, now, stale_before)? else {
                return Ok(None);
            };
            if status == JobStatus::Running.as_str() && attempts >= max_attempts {
                diesel::update(jobs::table.find(&id))
                    .set((
                        jobs::status.eq(JobStatus::Failed.as_str()),
                        jobs::last_error.eq(Some(
                            "the worker stopped during the last attempt; no attempts left",
                        )),
                        jobs::locked_by.eq(None::<String>),
                        jobs::locked_at.eq(None::<NaiveDateTime>),
                        jobs::updated_at.eq(now),
                        jobs::finished_at.eq(Some(now)),
                    ))
                    .execute(c)?;
                tracing::warn!(job_id = %id, "stale job had no attempts left; marked failed");
                continue;
            }
            if status == JobStatus::Running.as_str() {
                tracing::warn!(job_id = %id, "reclaiming a job whose worker stopped mid-run");
            }
            diesel::update(jobs::table.find(&id))
                .set((
                    jobs::status.eq(JobStatus::Running.as_str()),
                    jobs::attempts.eq(jobs::attempts + 1),
                    jobs::locked_by.eq(Some(worker)),
                    jobs::locked_at.eq(Some(now)),
                    jobs::updated_at.eq(now),
                ))
                .execute(c)?;
            let row = jobs::table.find(&id).select(JobRow::as_select()).first(c)?;
            return Ok(Some(row));
        }
        Ok(None)
    })
}

type Candidate = (String, String, i32, i32);

/// The oldest due job, locked on PostgreSQL. `FOR UPDATE` cannot be written on the
/// `MultiConnection` enum, hence the per-backend arms (the filter is the same on both).
fn next_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> Result<Option<Candidate>, DbError> {
    macro_rules! due {
        () => {
            jobs::table
                .filter(
                    jobs::status
                        .eq(JobStatus::Queued.as_str())
                        .and(jobs::run_after.le(now))
                        .or(jobs::status
                            .eq(JobStatus::Running.as_str())
                            .and(jobs::locked_at.lt(stale_before))),
                )
                .order((jobs::run_after.asc(), jobs::id.asc()))
                .select((jobs::id, jobs::status, jobs::attempts, jobs::max_attempts))
        };
    }
    let found = match conn {
        DbConn::Pg(c) => due!()
            .for_update()
            .skip_locked()
            .first::<Candidate>(c)
            .optional()?,
        DbConn::Sqlite(c) => due!().first::<Candidate>(c).optional()?,
    };
    Ok(found)
}

/// The job with this id, only while it is running: a worker records an outcome only for the
/// attempt it still holds.
macro_rules! running {
    ($id:expr) => {
        jobs::table
            .filter(jobs::id.eq($id.to_string()))
            .filter(jobs::status.eq(JobStatus::Running.as_str()))
    };
}

/// Marks a running job done. False when the job was not running (another worker reclaimed it
/// as stale, or an administrator changed it), so the caller can say so.
pub fn complete(conn: &mut DbConn, id: &JobId, now: NaiveDateTime) -> Result<bool, DbError> {
    let now = crate::truncate_to_micros(now);
    let n = diesel::update(running!(id))
        .set((
            jobs::status.eq(JobStatus::Done.as_str()),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_at.eq(None::<NaiveDateTime>),
            jobs::updated_at.eq(now),
            jobs::finished_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Puts a running job back in the queue to try again at `run_after`, keeping its attempts.
pub fn reschedule(
    conn: &mut DbConn,
    id: &JobId,
    error: &str,
    run_after: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(running!(id))
        .set((
            jobs::status.eq(JobStatus::Queued.as_str()),
            jobs::last_error.eq(Some(clip_error(error))),
            jobs::run_after.eq(crate::truncate_to_micros(run_after)),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_at.eq(None::<NaiveDateTime>),
            jobs::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Marks a running job failed for good; it stays in the table for an administrator to see
/// and retry.
pub fn fail(
    conn: &mut DbConn,
    id: &JobId,
    error: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let now = crate::truncate_to_micros(now);
    let n = diesel::update(running!(id))
        .set((
            jobs::status.eq(JobStatus::Failed.as_str()),
            jobs::last_error.eq(Some(clip_error(error))),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_at.eq(None::<NaiveDateTime>),
            jobs::updated_at.eq(now),
            jobs::finished_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// An administrator's "retry now": a failed job goes back to the queue, due at once, with its
/// attempts reset. Its last error is kept so the page still shows why it had failed. False
/// when the job does not exist or is not failed.
pub fn retry_now(conn: &mut DbConn, id: &JobId, now: NaiveDateTime) -> Result<bool, DbError> {
    let now = crate::truncate_to_micros(now);
    let n = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id.to_string()))
            .filter(jobs::status.eq(JobStatus::Failed.as_str())),
    )
    .set((
        jobs::status.eq(JobStatus::Queued.as_str()),
        jobs::attempts.eq(0),
        jobs::run_after.eq(now),
        jobs::locked_by.eq(None::<String>),
        jobs::locked_at.eq(None::<NaiveDateTime>),
        jobs::updated_at.eq(now),
        jobs::finished_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Errors are stored for administrators; keep them to a readable length (on a character
/// boundary, so multi-byte text never splits).
pub const MAX_ERROR_CHARS: usize = 1000;

fn clip_error(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        Some((end, _)) => format!("{}…", &error[..end]),
        None => error.to_string(),
    }
}

pub fn get(conn: &mut DbConn, id: &JobId) -> Result<Option<JobRow>, DbError> {
    Ok(jobs::table
        .find(id.to_string())
        .select(JobRow::as_select())
        .first(conn)
        .optional()?)
}

/// Which jobs a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobFilter {
    All,
    Status(JobStatus),
    /// What an administrator should look at: failed jobs, and queued jobs that have failed at
    /// least once and are waiting to try again.
    NeedsAttention,
}

/// Jobs, most recently changed first.
pub fn list(
    conn: &mut DbConn,
    filter: JobFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<JobRow>, DbError> {
    let mut query = jobs::table.select(JobRow::as_select()).into_boxed();
    query = match filter {
        JobFilter::All => query,
        JobFilter::Status(s) => query.filter(jobs::status.eq(s.as_str())),
        JobFilter::NeedsAttention => query.filter(
            jobs::status.eq(JobStatus::Failed.as_str()).or(jobs::status
                .eq(JobStatus::Queued.as_str())
                .and(jobs::last_error.is_not_null())),
        ),
    };
    Ok(query
        .order((jobs::updated_at.desc(), jobs::id.desc()))
        .limit(limit.max(0))
        .offset(offset.max(0))
        .load(conn)?)
}

/// How many jobs are in each state; `retrying` counts the queued jobs that have failed before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
    pub retrying: i64,
}

pub fn counts_by_status(conn: &mut DbConn) -> Result<JobCounts, DbError> {
    let rows: Vec<(String, i64)> = jobs::table
        .group_by(jobs::status)
        .select((jobs::status, count_star()))
        .load(conn)?;
    let mut counts = JobCounts::default();
    for (status, n) in rows {
        match JobStatus::parse(&status) {
            Some(JobStatus::Queued) => counts.queued = n,
            Some(JobStatus::Running) => counts.running = n,
            Some(JobStatus::Done) => counts.done = n,
            Some(JobStatus::Failed) => counts.failed = n,
            None => return Err(DbError::Corrupt(format!("unknown job status {status:?}"))),
        }
    }
    counts.retrying = jobs::table
        .filter(jobs::status.eq(JobStatus::Queued.as_str()))
        .filter(jobs::last_error.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobStatus::parse("nonsense"), None);
    }

    #[test]
    fn long_errors_are_clipped_on_a_character_boundary() {
        let long = "é".repeat(MAX_ERROR_CHARS + 10);
        let clipped = clip_error(&long);
        assert_eq!(clipped.chars().count(), MAX_ERROR_CHARS + 1);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip_error("short"), "short");
    }

    #[test]
    fn debug_output_hides_the_payload() {
        let now = crate::now();
        let row = JobRow {
            id: "j".into(),
            kind: "k".into(),
            payload: r#"{"name":"Amelia Hughes"}"#.into(),
            status: "queued".into(),
            attempts: 0,
            max_attempts: 3,
            run_after: now,
            locked_by: None,
            locked_at: None,
            last_error: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        };
        let shown = format!("{row:?}");
        assert!(!shown.contains("Amelia"), "{shown}");
        assert!(shown.contains("bytes"), "{shown}");
    }
}
