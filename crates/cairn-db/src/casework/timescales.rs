//! Versions of the timescales casework is measured against. Rows are never changed: a new
//! version with a later `effective_from` supersedes the last for referrals from that date.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::timescale_profiles;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = timescale_profiles, treat_none_as_default_value = false)]
pub struct TimescaleProfileRow {
    pub id: String,
    pub name: String,
    pub effective_from: NaiveDate,
    pub assessment_model: String,
    pub single_assessment_working_days: Option<i32>,
    pub initial_assessment_working_days: Option<i32>,
    pub core_assessment_working_days: Option<i32>,
    pub icpc_working_days: i32,
    pub first_review_months: i32,
    pub review_interval_months: i32,
    pub core_group_working_days: i32,
    pub cp_visit_working_days: i32,
    pub cin_visit_working_days: i32,
    pub cin_review_months: i32,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert(conn: &mut DbConn, row: &TimescaleProfileRow) -> Result<(), DbError> {
    diesel::insert_into(timescale_profiles::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every version, oldest first.
pub fn all(conn: &mut DbConn) -> Result<Vec<TimescaleProfileRow>, DbError> {
    Ok(timescale_profiles::table
        .order(timescale_profiles::effective_from.asc())
        .select(TimescaleProfileRow::as_select())
        .load(conn)?)
}

pub fn find_effective_from(
    conn: &mut DbConn,
    date: NaiveDate,
) -> Result<Option<TimescaleProfileRow>, DbError> {
    Ok(timescale_profiles::table
        .filter(timescale_profiles::effective_from.eq(date))
        .select(TimescaleProfileRow::as_select())
        .first(conn)
        .optional()?)
}
