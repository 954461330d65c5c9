//! Workload alerts. An alert is open until it is cleared (the load is back under the level) or
//! a manager records a decision about it. A decided alert keeps `cleared_at` empty until the
//! subject's level changes, so that the same level does not raise it again; nothing is
//! deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{teams, users, workload_alerts};

/// Bound parameters per `IN (…)` list: well inside both databases' limits.
const CHUNK: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = workload_alerts, treat_none_as_default_value = false)]
pub struct AlertRow {
    pub id: String,
    /// An `AlertSubject` code: "worker", "team" or "unallocated".
    pub subject_kind: String,
    /// The worker's user id, the team's id, or the waiting case's id.
    pub subject_id: String,
    pub team_id: Option<String>,
    /// An `AlertLevel` code.
    pub level: String,
    pub cause: String,
    pub load_percent: Option<i32>,
    pub raised_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub decision: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
    pub cleared_at: Option<NaiveDateTime>,
    pub cleared_reason: Option<String>,
}

impl AlertRow {
    pub fn is_open(&self) -> bool {
        self.cleared_at.is_none() && self.decided_at.is_none()
    }
}

pub fn insert(conn: &mut DbConn, row: &AlertRow) -> Result<(), DbError> {
    diesel::insert_into(workload_alerts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<AlertRow>, DbError> {
    Ok(workload_alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
        .optional()?)
}

/// The alerts about these subjects that are not cleared: the open ones and those closed by a
/// decision (at most one of either per subject).
pub fn uncleared_for(
    conn: &mut DbConn,
    subject_kind: &str,
    subject_ids: &[String],
) -> Result<Vec<AlertRow>, DbError> {
    let mut out = Vec::new();
    for chunk in subject_ids.chunks(CHUNK) {
        out.extend(
            workload_alerts::table
                .filter(workload_alerts::subject_kind.eq(subject_kind))
                .filter(workload_alerts::subject_id.eq_any(chunk))
                .filter(workload_alerts::cleared_at.is_null())
                .order((workload_alerts::raised_at.asc(), workload_alerts::id.asc()))
                .select(AlertRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Moves an open alert to another level (amber to red); false when it is no longer open.
pub fn escalate(
    conn: &mut DbConn,
    id: &str,
    level: &str,
    cause: &str,
    load_percent: Option<i32>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        workload_alerts::table
            .filter(workload_alerts::id.eq(id))
            .filter(workload_alerts::cleared_at.is_null())
            .filter(workload_alerts::decided_at.is_null()),
    )
    .set((
        workload_alerts::level.eq(level),
        workload_alerts::cause.eq(cause),
        workload_alerts::load_percent.eq(load_percent),
        workload_alerts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records the latest load of an alert still at the same level (no one is told again).
pub fn touch(
    conn: &mut DbConn,
    id: &str,
    load_percent: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(workload_alerts::table.filter(workload_alerts::id.eq(id)))
        .set((
            workload_alerts::load_percent.eq(load_percent),
            workload_alerts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Clears an alert (open or decided); false when it was already cleared.
pub fn clear(
    conn: &mut DbConn,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        workload_alerts::table
            .filter(workload_alerts::id.eq(id))
            .filter(workload_alerts::cleared_at.is_null()),
    )
    .set((
        workload_alerts::cleared_at.eq(Some(now)),
        workload_alerts::cleared_reason.eq(Some(reason)),
        workload_alerts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records a manager's decision on an open alert, which closes it; false when it was no
/// longer open (cleared, or decided by someone else first).
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    decision: &str,
    decided_by: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        workload_alerts::table
            .filter(workload_alerts::id.eq(id))
            .filter(workload_alerts::cleared_at.is_null())
            .filter(workload_alerts::decided_at.is_null()),
    )
    .set((
        workload_alerts::decision.eq(Some(decision)),
        workload_alerts::decided_at.eq(Some(now)),
        workload_alerts::decided_by.eq(Some(decided_by)),
        workload_alerts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Which alerts to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing<'a> {
    /// Open alerts, in one team or all.
    Open(Option<&'a str>),
    /// Decided or cleared alerts, newest first, in one team or all.
    Closed(Option<&'a str>),
}

/// Alerts, open ones oldest first (the longest-standing at the top), closed ones newest
/// first; at most `limit`.
pub fn list(conn: &mut DbConn, which: Listing<'_>, limit: i64) -> Result<Vec<AlertRow>, DbError> {
    let mut q = workload_alerts::table
        .select(AlertRow::as_select())
        .limit(limit)
        .into_boxed();
    let team = match which {
        Listing::Open(team) => {
            q = q
                .filter(workload_alerts::cleared_at.is_null())
                .filter(workload_alerts::decided_at.is_null())
                .order((workload_alerts::raised_at.asc(), workload_alerts::id.asc()));
            team
        }
        Listing::Closed(team) => {
            q = q
                .filter(
                    workload_alerts::cleared_at
                        .is_not_null()
                        .or(workload_alerts::decided_at.is_not_null()),
                )
                .order((
                    workload_alerts::updated_at.desc(),
                    workload_alerts::id.desc(),
                ));
            team
        }
    };
    if let Some(team) = team {
        q = q.filter(workload_alerts::team_id.eq(team));
    }
    Ok(q.load(conn)?)
}

/// Who is told about an alert in a team: the team's active team managers and every active
/// service manager, by name.
pub fn managers_to_notify(
    conn: &mut DbConn,
    team_id: Option<&str>,
) -> Result<Vec<(String, String)>, DbError> {
    let mut q = users::table
        .filter(users::active.eq(true))
        .select((users::id, users::display_name))
        .order((users::display_name.asc(), users::id.asc()))
        .into_boxed();
    q = match team_id {
        Some(team) => q.filter(
            users::role
                .eq("service_manager")
                .or(users::role.eq("team_manager").and(users::team_id.eq(team))),
        ),
        None => q.filter(users::role.eq("service_manager")),
    };
    Ok(q.load(conn)?)
}

/// Names of the teams, for showing a team alert.
pub fn team_names(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = teams::table
            .filter(teams::id.eq_any(chunk))
            .select((teams::id, teams::name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
