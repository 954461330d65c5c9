//! Child protection plans, their core group and its meetings, and the latest visit at which
//! the child was seen (what the next statutory visit is counted from).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{Eq, Filter, IsNull};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{core_group_meetings, cp_core_group_members, cp_plans, visits};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cp_plans, treat_none_as_default_value = false)]
pub struct CpPlanRow {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub initial_conference_id: String,
    pub started_on: NaiveDate,
    pub initial_category: String,
    pub latest_category: String,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cp_core_group_members, treat_none_as_default_value = false)]
pub struct CoreGroupMemberRow {
    pub id: String,
    pub cp_plan_id: String,
    pub name: String,
    pub agency: String,
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = core_group_meetings, treat_none_as_default_value = false)]
pub struct CoreGroupMeetingRow {
    pub id: String,
    pub cp_plan_id: String,
    pub held_on: NaiveDate,
    pub summary: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// Inserts a plan. A second open plan for the same child fails with a unique violation
/// (`cp_plans_one_open_idx`), which callers turn into a conflict.
pub fn insert(conn: &mut DbConn, row: &CpPlanRow) -> Result<(), DbError> {
    diesel::insert_into(cp_plans::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CpPlanRow>, DbError> {
    Ok(cp_plans::table
        .find(id)
        .select(CpPlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// The child's open plan, if any (there is at most one).
pub fn open_for_person(conn: &mut DbConn, person_id: &str) -> Result<Option<CpPlanRow>, DbError> {
    Ok(cp_plans::table
        .filter(cp_plans::person_id.eq(person_id))
        .filter(cp_plans::ended_on.is_null())
        .select(CpPlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every plan the child has had, earliest first.
pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<CpPlanRow>, DbError> {
    Ok(cp_plans::table
        .filter(cp_plans::person_id.eq(person_id))
        .order((cp_plans::started_on.asc(), cp_plans::id.asc()))
        .select(CpPlanRow::as_select())
        .load(conn)?)
}

/// The plans of one episode, earliest first.
pub fn for_episode(conn: &mut DbConn, referral_id: &str) -> Result<Vec<CpPlanRow>, DbError> {
    Ok(cp_plans::table
        .filter(cp_plans::referral_id.eq(referral_id))
        .order((cp_plans::started_on.asc(), cp_plans::id.asc()))
        .select(CpPlanRow::as_select())
        .load(conn)?)
}

/// The plan `id` while it is open and still at `expected_version`: what every change to a
/// plan is conditional on.
fn open_at_version(id: &str, expected_version: i32) -> OpenAtVersion<'_> {
    cp_plans::table
        .filter(cp_plans::id.eq(id))
        .filter(cp_plans::version.eq(expected_version))
        .filter(cp_plans::ended_on.is_null())
}

type OpenAtVersion<'a> = Filter<
    Filter<Filter<cp_plans::table, Eq<cp_plans::id, &'a str>>, Eq<cp_plans::version, i32>>,
    IsNull<cp_plans::ended_on>,
>;

/// After a review conference: the latest category, and the end when the conference ended the
/// plan. False when someone changed the plan since `expected_version`, or it has ended.
pub fn reviewed(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    latest_category: &str,
    ended: Option<(NaiveDate, &str)>,
) -> Result<bool, DbError> {
    let n = diesel::update(open_at_version(id, expected_version))
        .set((
            cp_plans::latest_category.eq(latest_category),
            cp_plans::ended_on.eq(ended.map(|(d, _)| d)),
            cp_plans::end_reason.eq(ended.map(|(_, r)| r)),
            cp_plans::version.eq(cp_plans::version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Ends an open plan if nobody changed it since `expected_version`.
pub fn end(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    ended_on: NaiveDate,
    reason: &str,
) -> Result<bool, DbError> {
    let n = diesel::update(open_at_version(id, expected_version))
        .set((
            cp_plans::ended_on.eq(ended_on),
            cp_plans::end_reason.eq(reason),
            cp_plans::version.eq(cp_plans::version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_members(conn: &mut DbConn, rows: &[CoreGroupMemberRow]) -> Result<(), DbError> {
    for row in rows {
        diesel::insert_into(cp_core_group_members::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn members(conn: &mut DbConn, cp_plan_id: &str) -> Result<Vec<CoreGroupMemberRow>, DbError> {
    Ok(cp_core_group_members::table
        .filter(cp_core_group_members::cp_plan_id.eq(cp_plan_id))
        .order(cp_core_group_members::id.asc())
        .select(CoreGroupMemberRow::as_select())
        .load(conn)?)
}

pub fn insert_meeting(conn: &mut DbConn, row: &CoreGroupMeetingRow) -> Result<(), DbError> {
    diesel::insert_into(core_group_meetings::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The core group's meetings, earliest first.
pub fn meetings(conn: &mut DbConn, cp_plan_id: &str) -> Result<Vec<CoreGroupMeetingRow>, DbError> {
    Ok(core_group_meetings::table
        .filter(core_group_meetings::cp_plan_id.eq(cp_plan_id))
        .order((
            core_group_meetings::held_on.asc(),
            core_group_meetings::id.asc(),
        ))
        .select(CoreGroupMeetingRow::as_select())
        .load(conn)?)
}

/// When the child was last seen on a visit (UTC, as stored), whichever plan it was under.
pub fn latest_seen_visit(
    conn: &mut DbConn,
    person_id: &str,
) -> Result<Option<NaiveDateTime>, DbError> {
    Ok(visits::table
        .filter(visits::person_id.eq(person_id))
        .filter(visits::child_seen.eq(true))
        .select(diesel::dsl::max(visits::visited_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}
