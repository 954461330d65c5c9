//! Server-side sign-in sessions. The cookie carries a random token; only its hash is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{sessions, users};
use crate::users::UserRow;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    token_hash: &str,
    user_id: &str,
    csrf_token: &str,
    absolute_expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    let now = crate::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::absolute_expires_at.eq(absolute_expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The open session for a token, with its user, in one query (this runs on every request).
pub fn find_open_by_token_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<(SessionRow, UserRow)>, DbError> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::ended_at.is_null())
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?)
}

pub fn touch(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(at))
        .execute(conn)?)
}

pub fn end(conn: &mut DbConn, id: &str, reason: &str) -> Result<usize, DbError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::ended_at.is_null()),
    )
    .set((
        sessions::ended_at.eq(Some(crate::now())),
        sessions::end_reason.eq(Some(reason)),
    ))
    .execute(conn)?)
}

/// Ends every open session of a user (on disable or password reset).
pub fn end_all_for_user(conn: &mut DbConn, user_id: &str, reason: &str) -> Result<usize, DbError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null()),
    )
    .set((
        sessions::ended_at.eq(Some(crate::now())),
        sessions::end_reason.eq(Some(reason)),
    ))
    .execute(conn)?)
}

pub fn count_open(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(sessions::table
        .filter(sessions::ended_at.is_null())
        .count()
        .get_result(conn)?)
}
