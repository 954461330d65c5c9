//! Forms submitted after their session had expired, kept so that nothing typed is lost. Only
//! the hash of the token that claims one is stored; a claimed form keeps its row (with
//! `claimed_at`) but not its body, which by then lives in what it was restored into.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{parked_forms, sessions};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = parked_forms, treat_none_as_default_value = false)]
pub struct ParkedFormRow {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub path: String,
    #[serde(skip)]
    pub body: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub claimed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &ParkedFormRow) -> Result<(), DbError> {
    diesel::insert_into(parked_forms::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_by_token_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<ParkedFormRow>, DbError> {
    Ok(parked_forms::table
        .filter(parked_forms::token_hash.eq(token_hash))
        .select(ParkedFormRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a form claimed and blanks its body, if nobody claimed it first; the rows changed.
pub fn claim(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(
        parked_forms::table
            .filter(parked_forms::id.eq(id))
            .filter(parked_forms::claimed_at.is_null()),
    )
    .set((
        parked_forms::claimed_at.eq(Some(at)),
        parked_forms::body.eq(""),
    ))
    .execute(conn)?)
}

/// The CSRF tokens of a user's sessions begun since `since`, ended or not: a form posted
/// after its session ended still carries the token of the session it was written in.
pub fn recent_csrf_tokens(
    conn: &mut DbConn,
    user_id: &str,
    since: NaiveDateTime,
) -> Result<Vec<String>, DbError> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::created_at.ge(since))
        .select(sessions::csrf_token)
        .load(conn)?)
}
