//! Allocations: who holds each child's case and each piece of work, from when to when. A
//! reallocation ends the open row and opens another; nothing is deleted. The unique index on
//! the open row of each piece of work means two managers allocating the same work at once
//! cannot both succeed.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{allocations, referrals};

/// Ids per `IN (…)` list: well inside both databases' limits on bound parameters.
const CHUNK: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = allocations, treat_none_as_default_value = false)]
pub struct AllocationRow {
    pub id: String,
    pub person_id: String,
    pub referral_id: String,
    /// An `AllocatedWork` code: "case", "assessment" or "section47".
    pub work_kind: String,
    /// The referral for a case; the assessment or enquiry for a piece of work.
    pub work_id: String,
    pub team_id: String,
    pub worker_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub reason: String,
    pub end_reason: Option<String>,
    pub load_before_centi: Option<i32>,
    pub load_after_centi: Option<i32>,
    pub capacity_centi: Option<i32>,
    pub rating: Option<String>,
    pub override_reason: Option<String>,
    pub overridden_by: Option<String>,
    pub back_dated: bool,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_by: Option<String>,
    pub version: i32,
}

pub fn insert(conn: &mut DbConn, row: &AllocationRow) -> Result<(), DbError> {
    diesel::insert_into(allocations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<AllocationRow>, DbError> {
    Ok(allocations::table
        .find(id)
        .select(AllocationRow::as_select())
        .first(conn)
        .optional()?)
}

/// The open allocation of one piece of work (or case), if it has one.
pub fn open_for_work(
    conn: &mut DbConn,
    work_kind: &str,
    work_id: &str,
) -> Result<Option<AllocationRow>, DbError> {
    Ok(allocations::table
        .filter(allocations::work_kind.eq(work_kind))
        .filter(allocations::work_id.eq(work_id))
        .filter(allocations::ends_on.is_null())
        .select(AllocationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every allocation of a child's case and work, newest first.
pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<AllocationRow>, DbError> {
    Ok(allocations::table
        .filter(allocations::person_id.eq(person_id))
        .order((
            allocations::starts_on.desc(),
            allocations::created_at.desc(),
            allocations::id.desc(),
        ))
        .select(AllocationRow::as_select())
        .load(conn)?)
}

/// The referrals among `referral_ids` whose case has an open allocation.
pub fn open_cases(conn: &mut DbConn, referral_ids: &[String]) -> Result<HashSet<String>, DbError> {
    let mut out = HashSet::new();
    for chunk in referral_ids.chunks(CHUNK) {
        out.extend(
            allocations::table
                .filter(allocations::work_kind.eq("case"))
                .filter(allocations::work_id.eq_any(chunk))
                .filter(allocations::ends_on.is_null())
                .select(allocations::work_id)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// What ending an allocation records.
#[derive(Clone, Debug)]
pub struct Ending<'a> {
    pub ends_on: NaiveDate,
    pub reason: &'a str,
    pub by: &'a str,
    pub at: NaiveDateTime,
}

/// Ends an open allocation if it is still open and at `expected_version`; false when someone
/// else changed or ended it first.
pub fn end(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    ending: &Ending<'_>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        allocations::table
            .filter(allocations::id.eq(id))
            .filter(allocations::ends_on.is_null())
            .filter(allocations::version.eq(expected_version)),
    )
    .set((
        allocations::ends_on.eq(Some(ending.ends_on)),
        allocations::end_reason.eq(Some(ending.reason)),
        allocations::ended_by.eq(Some(ending.by)),
        allocations::ended_at.eq(Some(ending.at)),
        allocations::version.eq(allocations::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sets a referral's case holder (`None`: nobody) if the referral is still at
/// `expected_version`, keeping the referral's team and worker in step with its open case
/// allocation; false when someone else changed the referral first.
pub fn set_case_holder(
    conn: &mut DbConn,
    referral_id: &str,
    holder: Option<(&str, &str)>,
    expected_version: i32,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let target = referrals::table
        .filter(referrals::id.eq(referral_id))
        .filter(referrals::version.eq(expected_version));
    let n = match holder {
        Some((team_id, worker_id)) => diesel::update(target)
            .set((
                referrals::team_id.eq(team_id),
                referrals::worker_id.eq(Some(worker_id)),
                referrals::assigned_at.eq(Some(now)),
                referrals::version.eq(referrals::version + 1),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                referrals::worker_id.eq(None::<String>),
                referrals::assigned_at.eq(None::<NaiveDateTime>),
                referrals::version.eq(referrals::version + 1),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Allocations made over the red safe working level with a manager's override, started
/// from `from` to `to` inclusive, newest first; optionally one team's.
pub fn overrides(
    conn: &mut DbConn,
    team_id: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<AllocationRow>, DbError> {
    let mut q = allocations::table
        .filter(allocations::override_reason.is_not_null())
        .filter(allocations::starts_on.ge(from))
        .filter(allocations::starts_on.le(to))
        .order((allocations::created_at.desc(), allocations::id.desc()))
        .select(AllocationRow::as_select())
        .into_boxed();
    if let Some(team) = team_id {
        q = q.filter(allocations::team_id.eq(team.to_string()));
    }
    Ok(q.load(conn)?)
}

/// A piece of work that can be allocated on its own: its child, its episode and whether it
/// is finished (an authorised assessment, an enquiry with its outcome).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub person_id: String,
    pub referral_id: String,
    pub finished: bool,
}

/// The assessment (`kind` "assessment") or enquiry ("section47") with this id.
pub fn piece(conn: &mut DbConn, kind: &str, id: &str) -> Result<Option<Piece>, DbError> {
    use crate::schema::{assessments, section47_enquiries};
    let found: Option<(String, String, bool)> = match kind {
        "assessment" => assessments::table
            .find(id)
            .select((
                assessments::person_id,
                assessments::referral_id,
                assessments::authorised_on.is_not_null(),
            ))
            .first(conn)
            .optional()?,
        "section47" => section47_enquiries::table
            .find(id)
            .select((
                section47_enquiries::person_id,
                section47_enquiries::referral_id,
                section47_enquiries::outcome_on.is_not_null(),
            ))
            .first(conn)
            .optional()?,
        _ => None,
    };
    Ok(found.map(|(person_id, referral_id, finished)| Piece {
        person_id,
        referral_id,
        finished,
    }))
}

/// The brothers and sisters of a child (not entered in error), by id.
pub fn siblings_of(conn: &mut DbConn, person_id: &str) -> Result<Vec<String>, DbError> {
    let mut out: Vec<String> = super::load::sibling_pairs(conn, &[person_id.to_string()])?
        .into_iter()
        .map(|(_, sibling)| sibling)
        .filter(|p| p != person_id)
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}
