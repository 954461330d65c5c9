//! Closing an episode: a worker's request, a manager's authorisation or return, and the
//! referral's closure date and reason, which only an authorised request sets.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{episode_closures, referrals};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = episode_closures, treat_none_as_default_value = false)]
pub struct EpisodeClosureRow {
    pub id: String,
    pub referral_id: String,
    pub closed_on: NaiveDate,
    pub reason: String,
    pub summary: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub comments: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &EpisodeClosureRow) -> Result<(), DbError> {
    diesel::insert_into(episode_closures::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<EpisodeClosureRow>, DbError> {
    Ok(episode_closures::table
        .find(id)
        .select(EpisodeClosureRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every closure request of these episodes, oldest first (returned requests are kept).
pub fn for_referrals(
    conn: &mut DbConn,
    referral_ids: &[String],
) -> Result<Vec<EpisodeClosureRow>, DbError> {
    let mut out = Vec::new();
    for chunk in referral_ids.chunks(500) {
        out.extend(
            episode_closures::table
                .filter(episode_closures::referral_id.eq_any(chunk))
                .order((
                    episode_closures::requested_at.asc(),
                    episode_closures::id.asc(),
                ))
                .select(EpisodeClosureRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Closure requests in `status` made by one user, oldest first.
pub fn by_requester(
    conn: &mut DbConn,
    user_id: &str,
    status: &str,
) -> Result<Vec<EpisodeClosureRow>, DbError> {
    Ok(episode_closures::table
        .filter(episode_closures::requested_by.eq(user_id))
        .filter(episode_closures::status.eq(status))
        .order(episode_closures::requested_at.asc())
        .select(EpisodeClosureRow::as_select())
        .load(conn)?)
}

/// Records a manager's decision if the request is still awaiting one; false when another
/// manager decided first.
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    by: &str,
    at: NaiveDateTime,
    comments: Option<&str>,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        episode_closures::table
            .filter(episode_closures::id.eq(id))
            .filter(episode_closures::status.eq("awaiting_authorisation")),
    )
    .set((
        episode_closures::status.eq(status),
        episode_closures::decided_by.eq(by),
        episode_closures::decided_at.eq(at),
        episode_closures::comments.eq(comments),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Closes the referral (the CIN episode) if it is still open and at `expected_version`; false
/// when someone changed or closed it first.
pub fn close_referral(
    conn: &mut DbConn,
    referral_id: &str,
    expected_version: i32,
    closed_on: NaiveDate,
    reason: &str,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        referrals::table
            .filter(referrals::id.eq(referral_id))
            .filter(referrals::version.eq(expected_version))
            .filter(referrals::closed_on.is_null()),
    )
    .set((
        referrals::closed_on.eq(closed_on),
        referrals::closure_reason.eq(reason),
        referrals::version.eq(referrals::version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
