//! Staff accounts.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::users;

#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub team_id: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub active: bool,
    pub access_expires_on: Option<NaiveDate>,
    pub failed_login_count: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub last_login_at: Option<NaiveDateTime>,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub team_id: Option<&'a str>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub active: bool,
    pub access_expires_on: Option<NaiveDate>,
    pub failed_login_count: i32,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

pub fn insert(conn: &mut DbConn, row: &NewUserRow<'_>) -> Result<(), DbError> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_many(conn: &mut DbConn, rows: &[NewUserRow<'_>]) -> Result<(), DbError> {
    for chunk in rows.chunks(500) {
        crate::insert_batch!(conn, users::table, chunk)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<UserRow>, DbError> {
    Ok(users::table
        .order(users::display_name.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

/// The editable profile of an account; `expected_version` guards against a concurrent edit.
pub struct UserProfileUpdate<'a> {
    pub display_name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub team_id: Option<&'a str>,
    pub active: bool,
    pub access_expires_on: Option<NaiveDate>,
}

/// Returns false when the version did not match (someone else saved first).
pub fn update_profile(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    u: &UserProfileUpdate<'_>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(expected_version)),
    )
    .set((
        users::display_name.eq(u.display_name),
        users::email.eq(u.email),
        users::role.eq(u.role),
        users::team_id.eq(u.team_id),
        users::active.eq(u.active),
        users::access_expires_on.eq(u.access_expires_on),
        users::updated_at.eq(crate::now()),
        users::version.eq(users::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_active(conn: &mut DbConn, id: &str, active: bool) -> Result<usize, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set((
            users::active.eq(active),
            users::updated_at.eq(crate::now()),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?)
}

pub fn set_password(
    conn: &mut DbConn,
    id: &str,
    password_hash: &str,
    must_change: bool,
) -> Result<usize, DbError> {
    let now = crate::now();
    Ok(diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(must_change),
            users::password_changed_at.eq(now),
            users::failed_login_count.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?)
}

/// Counts a failed sign-in atomically and returns the new count.
pub fn record_failed_login(conn: &mut DbConn, id: &str) -> Result<i32, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set(users::failed_login_count.eq(users::failed_login_count + 1))
        .returning(users::failed_login_count)
        .get_result(conn)?)
}

pub fn lock_until(conn: &mut DbConn, id: &str, until: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set(users::locked_until.eq(Some(until)))
        .execute(conn)?)
}

pub fn record_successful_login(conn: &mut DbConn, id: &str) -> Result<usize, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set((
            users::failed_login_count.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::last_login_at.eq(Some(crate::now())),
        ))
        .execute(conn)?)
}

/// Display names of these users, for lists that show who did what.
pub fn display_names(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::display_name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Every active user who belongs to a team, by name: one query for pickers that group workers
/// by team.
pub fn active_with_team(conn: &mut DbConn) -> Result<Vec<UserRow>, DbError> {
    Ok(users::table
        .filter(users::team_id.is_not_null())
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Active users of one team, for choosing a worker.
pub fn active_in_team(conn: &mut DbConn, team_id: &str) -> Result<Vec<UserRow>, DbError> {
    Ok(users::table
        .filter(users::team_id.eq(team_id))
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}
