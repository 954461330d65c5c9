//! Who supervises a worker, and since when they are employed and newly qualified.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::worker_profiles;

/// Bound parameters per `IN (…)` list: well inside both databases' limits.
const CHUNK: usize = 500;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = worker_profiles, treat_none_as_default_value = false)]
pub struct WorkerProfileRow {
    pub user_id: String,
    pub supervisor_user_id: Option<String>,
    pub employment_started_on: Option<NaiveDate>,
    pub newly_qualified_from: Option<NaiveDate>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn insert(conn: &mut DbConn, row: &WorkerProfileRow) -> Result<(), DbError> {
    diesel::insert_into(worker_profiles::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, user_id: &str) -> Result<Option<WorkerProfileRow>, DbError> {
    Ok(worker_profiles::table
        .find(user_id)
        .select(WorkerProfileRow::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces a profile's answers if nobody changed it since `expected_version`; false when
/// someone did.
pub fn update(
    conn: &mut DbConn,
    row: &WorkerProfileRow,
    expected_version: i32,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        worker_profiles::table
            .filter(worker_profiles::user_id.eq(&row.user_id))
            .filter(worker_profiles::version.eq(expected_version)),
    )
    .set((
        worker_profiles::supervisor_user_id.eq(&row.supervisor_user_id),
        worker_profiles::employment_started_on.eq(row.employment_started_on),
        worker_profiles::newly_qualified_from.eq(row.newly_qualified_from),
        worker_profiles::version.eq(expected_version + 1),
        worker_profiles::updated_at.eq(row.updated_at),
        worker_profiles::updated_by.eq(&row.updated_by),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The profiles of the workers this user supervises.
pub fn supervised_by(
    conn: &mut DbConn,
    supervisor_id: &str,
) -> Result<Vec<WorkerProfileRow>, DbError> {
    Ok(worker_profiles::table
        .filter(worker_profiles::supervisor_user_id.eq(supervisor_id))
        .select(WorkerProfileRow::as_select())
        .load(conn)?)
}

/// The profiles of these workers (absent: none recorded).
pub fn for_users(conn: &mut DbConn, user_ids: &[String]) -> Result<Vec<WorkerProfileRow>, DbError> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(CHUNK) {
        out.extend(
            worker_profiles::table
                .filter(worker_profiles::user_id.eq_any(chunk))
                .select(WorkerProfileRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
