//! Versioned recording standards. Rows are never changed: a new version with a later
//! `effective_from` supersedes the last from that date.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::recording_standards;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = recording_standards, treat_none_as_default_value = false)]
pub struct RecordingStandardsRow {
    pub id: String,
    pub name: String,
    pub effective_from: NaiveDate,
    pub note_delay_working_days: i32,
    pub oversight_interval_working_days: i32,
    /// JSON array of oversight point codes.
    pub oversight_points: String,
    pub newly_qualified_weekly_weeks: i32,
    pub newly_qualified_fortnightly_months: i32,
    pub supervision_interval_days: i32,
    pub supervision_minimum_minutes: i32,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert(conn: &mut DbConn, row: &RecordingStandardsRow) -> Result<(), DbError> {
    diesel::insert_into(recording_standards::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every version, oldest first.
pub fn all(conn: &mut DbConn) -> Result<Vec<RecordingStandardsRow>, DbError> {
    Ok(recording_standards::table
        .order(recording_standards::effective_from.asc())
        .select(RecordingStandardsRow::as_select())
        .load(conn)?)
}

/// The version in force on `date`: the latest effective on or before it.
pub fn in_force_on(
    conn: &mut DbConn,
    date: NaiveDate,
) -> Result<Option<RecordingStandardsRow>, DbError> {
    Ok(recording_standards::table
        .filter(recording_standards::effective_from.le(date))
        .order(recording_standards::effective_from.desc())
        .select(RecordingStandardsRow::as_select())
        .first(conn)
        .optional()?)
}

/// The earliest version: what a date before every version is measured against.
pub fn earliest(conn: &mut DbConn) -> Result<Option<RecordingStandardsRow>, DbError> {
    Ok(recording_standards::table
        .order(recording_standards::effective_from.asc())
        .select(RecordingStandardsRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_effective_from(
    conn: &mut DbConn,
    date: NaiveDate,
) -> Result<Option<RecordingStandardsRow>, DbError> {
    Ok(recording_standards::table
        .filter(recording_standards::effective_from.eq(date))
        .select(RecordingStandardsRow::as_select())
        .first(conn)
        .optional()?)
}
