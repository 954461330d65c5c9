//! Unallocated work: open episodes whose case nobody holds, with what the front door rated
//! them, and the "waiting too long" alerts raised for them.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::front_door::referrals::ReferralRow;
use crate::schema::{
    allocations, referrals, screening_decisions, threshold_levels, workload_alerts,
};

/// Ids per `IN (…)` list: well inside both databases' limits on bound parameters.
const CHUNK: usize = 500;

/// An open episode with no case holder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaitingCase {
    pub referral: ReferralRow,
    /// Since when the child has waited: the referral date, or the day the last holder's
    /// allocation ended, whichever is later.
    pub waiting_since: NaiveDate,
    /// The screening decision's RAG rating and threshold level, when the referral came
    /// through the front door.
    pub rag: Option<String>,
    pub level: Option<String>,
}

type Joined = (ReferralRow, Option<String>, Option<String>);

/// Every open episode nobody holds, oldest first; one team's, or every team's.
pub fn waiting(conn: &mut DbConn, team_id: Option<&str>) -> Result<Vec<WaitingCase>, DbError> {
    let mut q = referrals::table
        .left_join(
            allocations::table.on(allocations::work_id
                .eq(referrals::id)
                .and(allocations::work_kind.eq("case"))
                .and(allocations::ends_on.is_null())),
        )
        .left_join(
            screening_decisions::table.on(screening_decisions::id
                .nullable()
                .eq(referrals::decision_id)),
        )
        .left_join(
            threshold_levels::table
                .on(threshold_levels::id.eq(screening_decisions::threshold_level_id)),
        )
        .filter(referrals::closed_on.is_null())
        .filter(allocations::id.is_null())
        .select((
            ReferralRow::as_select(),
            screening_decisions::rag.nullable(),
            threshold_levels::name.nullable(),
        ))
        .order((referrals::referral_date.asc(), referrals::id.asc()))
        .into_boxed();
    if let Some(team) = team_id {
        q = q.filter(referrals::team_id.eq(team.to_string()));
    }
    let rows: Vec<Joined> = q.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.id.clone()).collect();
    let mut last_ended: HashMap<String, NaiveDate> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(String, Option<NaiveDate>)> = allocations::table
            .filter(allocations::work_kind.eq("case"))
            .filter(allocations::work_id.eq_any(chunk))
            .group_by(allocations::work_id)
            .select((allocations::work_id, max(allocations::ends_on)))
            .load(conn)?;
        last_ended.extend(found.into_iter().filter_map(|(id, d)| d.map(|d| (id, d))));
    }
    let mut out: Vec<WaitingCase> = rows
        .into_iter()
        .map(|(referral, rag, level)| {
            let waiting_since = last_ended
                .get(&referral.id)
                .copied()
                .map_or(referral.referral_date, |d| d.max(referral.referral_date));
            WaitingCase {
                referral,
                waiting_since,
                rag,
                level,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.waiting_since, &a.referral.id).cmp(&(b.waiting_since, &b.referral.id)));
    Ok(out)
}

/// An open "waiting too long" alert for a child's case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WaitingAlert {
    pub id: String,
    /// The referral.
    pub referral_id: String,
    pub team_id: Option<String>,
    pub raised_at: NaiveDateTime,
}

/// Every open "waiting too long" alert.
pub fn open_alerts(conn: &mut DbConn) -> Result<Vec<WaitingAlert>, DbError> {
    let rows: Vec<(String, String, Option<String>, NaiveDateTime)> = workload_alerts::table
        .filter(workload_alerts::subject_kind.eq("unallocated"))
        .filter(workload_alerts::cleared_at.is_null())
        .filter(workload_alerts::decided_at.is_null())
        .select((
            workload_alerts::id,
            workload_alerts::subject_id,
            workload_alerts::team_id,
            workload_alerts::raised_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, referral_id, team_id, raised_at)| WaitingAlert {
            id,
            referral_id,
            team_id,
            raised_at,
        })
        .collect())
}

/// Raises the "waiting too long" alert for a referral's case.
pub fn raise(
    conn: &mut DbConn,
    id: &str,
    referral_id: &str,
    team_id: &str,
    cause: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(workload_alerts::table)
        .values((
            workload_alerts::id.eq(id),
            workload_alerts::subject_kind.eq("unallocated"),
            workload_alerts::subject_id.eq(referral_id),
            workload_alerts::team_id.eq(Some(team_id)),
            workload_alerts::level.eq("waiting"),
            workload_alerts::cause.eq(cause),
            workload_alerts::load_percent.eq(None::<i32>),
            workload_alerts::raised_at.eq(now),
            workload_alerts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Clears the open "waiting too long" alerts of these referrals; how many it cleared.
pub fn clear(
    conn: &mut DbConn,
    referral_ids: &[String],
    reason: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let mut n = 0;
    for chunk in referral_ids.chunks(CHUNK) {
        n += diesel::update(
            workload_alerts::table
                .filter(workload_alerts::subject_kind.eq("unallocated"))
                .filter(workload_alerts::subject_id.eq_any(chunk))
                .filter(workload_alerts::cleared_at.is_null())
                .filter(workload_alerts::decided_at.is_null()),
        )
        .set((
            workload_alerts::cleared_at.eq(Some(now)),
            workload_alerts::cleared_reason.eq(Some(reason)),
            workload_alerts::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(n)
}

/// The active service managers: who a child waiting too long is escalated to.
pub fn service_managers(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    use crate::schema::users;
    Ok(users::table
        .filter(users::role.eq("service_manager"))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?)
}
