//! In-app notifications: one row per user per thing to look at. Read, never deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::notifications;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub href: String,
    pub source_kind: String,
    pub source_id: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &NotificationRow) -> Result<(), DbError> {
    diesel::insert_into(notifications::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<NotificationRow>, DbError> {
    Ok(notifications::table
        .find(id)
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()?)
}

/// A user's notifications, newest first, at most `limit`.
pub fn for_user(
    conn: &mut DbConn,
    user_id: &str,
    limit: i64,
) -> Result<Vec<NotificationRow>, DbError> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)?)
}

/// How many of a user's notifications are unread.
pub fn unread_count(conn: &mut DbConn, user_id: &str) -> Result<i64, DbError> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of the user's notifications read; false when it is not theirs or was already
/// read.
pub fn mark_read(
    conn: &mut DbConn,
    user_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(at)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Marks every unread notification of the user read; how many were.
pub fn mark_all_read(
    conn: &mut DbConn,
    user_id: &str,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(at)))
    .execute(conn)?)
}

/// The notifications about one thing (an alert, an allocation), oldest first.
pub fn for_source(
    conn: &mut DbConn,
    source_kind: &str,
    source_id: &str,
) -> Result<Vec<NotificationRow>, DbError> {
    Ok(notifications::table
        .filter(notifications::source_kind.eq(source_kind))
        .filter(notifications::source_id.eq(source_id))
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .select(NotificationRow::as_select())
        .load(conn)?)
}
