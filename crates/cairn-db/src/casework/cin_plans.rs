//! Child in need plans and their reviews.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{cin_plan_reviews, cin_plans};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cin_plans, treat_none_as_default_value = false)]
pub struct CinPlanRow {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cin_plan_reviews, treat_none_as_default_value = false)]
pub struct CinPlanReviewRow {
    pub id: String,
    pub cin_plan_id: String,
    pub held_on: NaiveDate,
    pub decision: String,
    pub summary: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// Inserts a plan. A second open plan for the same child fails with a unique violation
/// (`cin_plans_one_open_idx`), which callers turn into a conflict.
pub fn insert(conn: &mut DbConn, row: &CinPlanRow) -> Result<(), DbError> {
    diesel::insert_into(cin_plans::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CinPlanRow>, DbError> {
    Ok(cin_plans::table
        .find(id)
        .select(CinPlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// The child's open plan, if any (there is at most one).
pub fn open_for_person(conn: &mut DbConn, person_id: &str) -> Result<Option<CinPlanRow>, DbError> {
    Ok(cin_plans::table
        .filter(cin_plans::person_id.eq(person_id))
        .filter(cin_plans::ended_on.is_null())
        .select(CinPlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every plan the child has had, earliest first.
pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<CinPlanRow>, DbError> {
    Ok(cin_plans::table
        .filter(cin_plans::person_id.eq(person_id))
        .order((cin_plans::started_on.asc(), cin_plans::id.asc()))
        .select(CinPlanRow::as_select())
        .load(conn)?)
}

/// The plans of one episode, earliest first.
pub fn for_episode(conn: &mut DbConn, referral_id: &str) -> Result<Vec<CinPlanRow>, DbError> {
    Ok(cin_plans::table
        .filter(cin_plans::referral_id.eq(referral_id))
        .order((cin_plans::started_on.asc(), cin_plans::id.asc()))
        .select(CinPlanRow::as_select())
        .load(conn)?)
}

/// Moves an open plan to the next version, ending it when `ended` is given. False when
/// someone changed the plan since `expected_version`, or it has already ended.
pub fn advance(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    ended: Option<(NaiveDate, &str)>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        cin_plans::table
            .filter(cin_plans::id.eq(id))
            .filter(cin_plans::version.eq(expected_version))
            .filter(cin_plans::ended_on.is_null()),
    )
    .set((
        cin_plans::ended_on.eq(ended.map(|(d, _)| d)),
        cin_plans::end_reason.eq(ended.map(|(_, r)| r)),
        cin_plans::version.eq(cin_plans::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_review(conn: &mut DbConn, row: &CinPlanReviewRow) -> Result<(), DbError> {
    diesel::insert_into(cin_plan_reviews::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A plan's reviews, earliest first.
pub fn reviews(conn: &mut DbConn, cin_plan_id: &str) -> Result<Vec<CinPlanReviewRow>, DbError> {
    Ok(cin_plan_reviews::table
        .filter(cin_plan_reviews::cin_plan_id.eq(cin_plan_id))
        .order((cin_plan_reviews::held_on.asc(), cin_plan_reviews::id.asc()))
        .select(CinPlanReviewRow::as_select())
        .load(conn)?)
}
