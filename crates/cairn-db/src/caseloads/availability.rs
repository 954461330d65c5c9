//! A worker's hours, newly qualified date, leave and leaving date: the columns of
//! `worker_profiles` the workload model reads. A profile may not exist yet; it is created
//! with defaults on the first change. The version column guards concurrent edits, shared with
//! the supervision settings on the same row.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::worker_profiles;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = worker_profiles)]
pub struct AvailabilityRow {
    pub user_id: String,
    /// Contracted hours, 100 = full time.
    pub fte_centi: i32,
    pub newly_qualified_from: Option<NaiveDate>,
    pub absent_from: Option<NaiveDate>,
    pub absent_until: Option<NaiveDate>,
    pub absence_reason: Option<String>,
    pub left_on: Option<NaiveDate>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

impl AvailabilityRow {
    /// What a worker without a profile has: full time, no leave.
    pub fn default_for(user_id: &str) -> AvailabilityRow {
        AvailabilityRow {
            user_id: user_id.to_string(),
            fte_centi: 100,
            newly_qualified_from: None,
            absent_from: None,
            absent_until: None,
            absence_reason: None,
            left_on: None,
            version: 0,
            updated_at: NaiveDateTime::default(),
            updated_by: String::new(),
        }
    }
}

pub fn find(conn: &mut DbConn, user_id: &str) -> Result<Option<AvailabilityRow>, DbError> {
    Ok(worker_profiles::table
        .find(user_id)
        .select(AvailabilityRow::as_select())
        .first(conn)
        .optional()?)
}

/// Creates a worker's profile with these answers (version 1).
pub fn insert(conn: &mut DbConn, row: &AvailabilityRow) -> Result<(), DbError> {
    diesel::insert_into(worker_profiles::table)
        .values((
            worker_profiles::user_id.eq(&row.user_id),
            worker_profiles::supervisor_user_id.eq(None::<String>),
            worker_profiles::employment_started_on.eq(None::<NaiveDate>),
            worker_profiles::newly_qualified_from.eq(row.newly_qualified_from),
            worker_profiles::version.eq(1),
            worker_profiles::updated_at.eq(row.updated_at),
            worker_profiles::updated_by.eq(&row.updated_by),
            worker_profiles::fte_centi.eq(row.fte_centi),
            worker_profiles::absent_from.eq(row.absent_from),
            worker_profiles::absent_until.eq(row.absent_until),
            worker_profiles::absence_reason.eq(&row.absence_reason),
            worker_profiles::left_on.eq(row.left_on),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces the availability answers if nobody changed the profile since
/// `expected_version`; false when someone did.
pub fn update(
    conn: &mut DbConn,
    row: &AvailabilityRow,
    expected_version: i32,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        worker_profiles::table
            .filter(worker_profiles::user_id.eq(&row.user_id))
            .filter(worker_profiles::version.eq(expected_version)),
    )
    .set((
        worker_profiles::fte_centi.eq(row.fte_centi),
        worker_profiles::newly_qualified_from.eq(row.newly_qualified_from),
        worker_profiles::absent_from.eq(row.absent_from),
        worker_profiles::absent_until.eq(row.absent_until),
        worker_profiles::absence_reason.eq(&row.absence_reason),
        worker_profiles::left_on.eq(row.left_on),
        worker_profiles::version.eq(expected_version + 1),
        worker_profiles::updated_at.eq(row.updated_at),
        worker_profiles::updated_by.eq(&row.updated_by),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The profiles of these workers (absent: none recorded).
pub fn for_users(conn: &mut DbConn, user_ids: &[String]) -> Result<Vec<AvailabilityRow>, DbError> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(500) {
        out.extend(
            worker_profiles::table
                .filter(worker_profiles::user_id.eq_any(chunk))
                .select(AvailabilityRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
