//! API tokens: hashed, scoped, expiring, created by administrators.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{api_tokens, users};
use crate::users::UserRow;

#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub token_prefix: String,
    #[serde(skip)]
    pub token_hash: String,
    pub scopes: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiTokenRow<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub token_prefix: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub created_by: &'a str,
}

pub fn insert(conn: &mut DbConn, row: &NewApiTokenRow<'_>) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_by_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<(ApiTokenRow, UserRow)>, DbError> {
    Ok(api_tokens::table
        .inner_join(users::table.on(users::id.eq(api_tokens::user_id)))
        .filter(api_tokens::token_hash.eq(token_hash))
        .select((ApiTokenRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<ApiTokenRow>, DbError> {
    Ok(api_tokens::table
        .order(api_tokens::created_at.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)?)
}

pub fn revoke(conn: &mut DbConn, id: &str) -> Result<usize, DbError> {
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(crate::now())))
    .execute(conn)?)
}

pub fn touch(conn: &mut DbConn, id: &str) -> Result<usize, DbError> {
    Ok(diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Some(crate::now())))
        .execute(conn)?)
}
