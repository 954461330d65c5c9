//! Supervision sessions and the case discussions written onto each child's record.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{supervision_case_discussions, supervision_sessions};

/// Bound parameters per `IN (…)` list: well inside both databases' limits.
const CHUNK: usize = 500;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = supervision_sessions, treat_none_as_default_value = false)]
pub struct SupervisionSessionRow {
    pub id: String,
    pub worker_user_id: String,
    pub supervisor_user_id: String,
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
    /// The private part: reflection, wellbeing, workload and learning.
    pub reflective_discussion: String,
    pub wellbeing: String,
    pub workload: String,
    pub learning: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = supervision_case_discussions, treat_none_as_default_value = false)]
pub struct SupervisionDiscussionRow {
    pub id: String,
    pub session_id: String,
    pub person_id: String,
    pub discussion: String,
    pub decisions: String,
    pub created_at: NaiveDateTime,
}

/// A session's non-private facts, for lists and for a case discussion shown on a child's
/// record: who, with whom, when and how long.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = supervision_sessions)]
pub struct SessionBrief {
    pub id: String,
    pub worker_user_id: String,
    pub supervisor_user_id: String,
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
}

pub fn insert_session(conn: &mut DbConn, row: &SupervisionSessionRow) -> Result<(), DbError> {
    diesel::insert_into(supervision_sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_discussion(conn: &mut DbConn, row: &SupervisionDiscussionRow) -> Result<(), DbError> {
    diesel::insert_into(supervision_case_discussions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_session(conn: &mut DbConn, id: &str) -> Result<Option<SupervisionSessionRow>, DbError> {
    Ok(supervision_sessions::table
        .find(id)
        .select(SupervisionSessionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_discussion(
    conn: &mut DbConn,
    id: &str,
) -> Result<Option<SupervisionDiscussionRow>, DbError> {
    Ok(supervision_case_discussions::table
        .find(id)
        .select(SupervisionDiscussionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The cases discussed in one session, in the order they were recorded.
pub fn discussions_of_session(
    conn: &mut DbConn,
    session_id: &str,
) -> Result<Vec<SupervisionDiscussionRow>, DbError> {
    Ok(supervision_case_discussions::table
        .filter(supervision_case_discussions::session_id.eq(session_id))
        .order(supervision_case_discussions::id.asc())
        .select(SupervisionDiscussionRow::as_select())
        .load(conn)?)
}

/// Every discussion of a child in supervision with its session's facts, newest first.
pub fn discussions_of_person(
    conn: &mut DbConn,
    person_id: &str,
) -> Result<Vec<(SupervisionDiscussionRow, SessionBrief)>, DbError> {
    Ok(supervision_case_discussions::table
        .inner_join(supervision_sessions::table)
        .filter(supervision_case_discussions::person_id.eq(person_id))
        .order((
            supervision_sessions::held_on.desc(),
            supervision_case_discussions::created_at.desc(),
            supervision_case_discussions::id.desc(),
        ))
        .select((
            SupervisionDiscussionRow::as_select(),
            SessionBrief::as_select(),
        ))
        .load(conn)?)
}

/// The latest discussion of a child in supervision that recorded a decision, with its
/// session: pinned beside the latest management decision on the child's page.
pub fn latest_decision_of_person(
    conn: &mut DbConn,
    person_id: &str,
) -> Result<Option<(SupervisionDiscussionRow, SessionBrief)>, DbError> {
    Ok(supervision_case_discussions::table
        .inner_join(supervision_sessions::table)
        .filter(supervision_case_discussions::person_id.eq(person_id))
        .filter(supervision_case_discussions::decisions.ne(""))
        .order((
            supervision_case_discussions::created_at.desc(),
            supervision_case_discussions::id.desc(),
        ))
        .select((
            SupervisionDiscussionRow::as_select(),
            SessionBrief::as_select(),
        ))
        .first(conn)
        .optional()?)
}

/// Sessions in which this user was the worker or the supervisor, newest first.
pub fn sessions_of_user(
    conn: &mut DbConn,
    user_id: &str,
    limit: i64,
) -> Result<Vec<SessionBrief>, DbError> {
    Ok(supervision_sessions::table
        .filter(
            supervision_sessions::worker_user_id
                .eq(user_id)
                .or(supervision_sessions::supervisor_user_id.eq(user_id)),
        )
        .order((
            supervision_sessions::held_on.desc(),
            supervision_sessions::id.desc(),
        ))
        .limit(limit)
        .select(SessionBrief::as_select())
        .load(conn)?)
}

/// The date of each worker's latest session (absent: none ever).
pub fn latest_per_worker(
    conn: &mut DbConn,
    worker_ids: &[String],
) -> Result<HashMap<String, NaiveDate>, DbError> {
    let mut out = HashMap::new();
    for chunk in worker_ids.chunks(CHUNK) {
        let rows: Vec<(String, Option<NaiveDate>)> = supervision_sessions::table
            .filter(supervision_sessions::worker_user_id.eq_any(chunk))
            .group_by(supervision_sessions::worker_user_id)
            .select((
                supervision_sessions::worker_user_id,
                max(supervision_sessions::held_on),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(w, on)| Some((w, on?))));
    }
    Ok(out)
}
