//! Referrals to children's social care: each starts a CIN episode for one child.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::referrals;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = referrals, treat_none_as_default_value = false)]
pub struct ReferralRow {
    pub id: String,
    pub person_id: String,
    pub contact_id: Option<String>,
    pub decision_id: Option<String>,
    pub referral_date: NaiveDate,
    pub referral_source: String,
    pub primary_need: String,
    pub team_id: String,
    pub worker_id: Option<String>,
    pub assigned_at: Option<NaiveDateTime>,
    pub re_referral: bool,
    pub previous_referral_id: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub closure_reason: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert(conn: &mut DbConn, row: &ReferralRow) -> Result<(), DbError> {
    diesel::insert_into(referrals::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_many(conn: &mut DbConn, rows: &[ReferralRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(500) {
        crate::insert_batch!(conn, referrals::table, chunk)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ReferralRow>, DbError> {
    Ok(referrals::table
        .find(id)
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every referral of these people, newest first.
pub fn for_people(conn: &mut DbConn, person_ids: &[String]) -> Result<Vec<ReferralRow>, DbError> {
    let mut out = Vec::new();
    for chunk in person_ids.chunks(500) {
        out.extend(
            referrals::table
                .filter(referrals::person_id.eq_any(chunk))
                .order(referrals::referral_date.desc())
                .select(ReferralRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The child's open episode, if any (a referral with no closure date).
pub fn open_for_person(conn: &mut DbConn, person_id: &str) -> Result<Option<ReferralRow>, DbError> {
    Ok(referrals::table
        .filter(referrals::person_id.eq(person_id))
        .filter(referrals::closed_on.is_null())
        .order(referrals::referral_date.desc())
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()?)
}

/// The child's most recent referral starting on or before `on` (for the re-referral flag).
pub fn latest_before(
    conn: &mut DbConn,
    person_id: &str,
    on: NaiveDate,
) -> Result<Option<ReferralRow>, DbError> {
    Ok(referrals::table
        .filter(referrals::person_id.eq(person_id))
        .filter(referrals::referral_date.le(on))
        .order(referrals::referral_date.desc())
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()?)
}

/// Referrals received by a team and not yet given a named worker, oldest first.
pub fn unassigned_for_team(
    conn: &mut DbConn,
    team_id: &str,
    limit: i64,
) -> Result<Vec<ReferralRow>, DbError> {
    Ok(referrals::table
        .filter(referrals::team_id.eq(team_id))
        .filter(referrals::worker_id.is_null())
        .filter(referrals::closed_on.is_null())
        .order(referrals::referral_date.asc())
        .limit(limit)
        .select(ReferralRow::as_select())
        .load(conn)?)
}

pub fn recent_for_team(
    conn: &mut DbConn,
    team_id: &str,
    limit: i64,
) -> Result<Vec<ReferralRow>, DbError> {
    Ok(referrals::table
        .filter(referrals::team_id.eq(team_id))
        .order(referrals::created_at.desc())
        .limit(limit)
        .select(ReferralRow::as_select())
        .load(conn)?)
}

/// Assigns a team and worker if the referral is still at `expected_version`.
pub fn assign(
    conn: &mut DbConn,
    id: &str,
    team_id: &str,
    worker_id: Option<&str>,
    expected_version: i32,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        referrals::table
            .filter(referrals::id.eq(id))
            .filter(referrals::version.eq(expected_version)),
    )
    .set((
        referrals::team_id.eq(team_id),
        referrals::worker_id.eq(worker_id),
        referrals::assigned_at.eq(worker_id.map(|_| now)),
        referrals::version.eq(referrals::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
