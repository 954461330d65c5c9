//! Actions with an owner and a due date, from strategy discussions, conferences, plans and
//! (later) oversight and supervision: one kind of thing, wherever it was agreed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::case_actions;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = case_actions, treat_none_as_default_value = false)]
pub struct CaseActionRow {
    pub id: String,
    pub person_id: String,
    pub source_kind: String,
    pub source_id: String,
    pub description: String,
    pub owner_user_id: Option<String>,
    pub owner_name: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub completed_at: Option<NaiveDateTime>,
    pub completed_by: Option<String>,
    pub completion_note: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert(conn: &mut DbConn, row: &CaseActionRow) -> Result<(), DbError> {
    diesel::insert_into(case_actions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CaseActionRow>, DbError> {
    Ok(case_actions::table
        .find(id)
        .select(CaseActionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The actions agreed at one discussion, conference or plan, in due-date order.
pub fn for_source(
    conn: &mut DbConn,
    source_kind: &str,
    source_id: &str,
) -> Result<Vec<CaseActionRow>, DbError> {
    Ok(case_actions::table
        .filter(case_actions::source_kind.eq(source_kind))
        .filter(case_actions::source_id.eq(source_id))
        .order((case_actions::due_on.asc(), case_actions::id.asc()))
        .select(CaseActionRow::as_select())
        .load(conn)?)
}

/// Every action about a child, newest due date first.
pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<CaseActionRow>, DbError> {
    Ok(case_actions::table
        .filter(case_actions::person_id.eq(person_id))
        .order((case_actions::due_on.desc(), case_actions::id.asc()))
        .select(CaseActionRow::as_select())
        .load(conn)?)
}

/// Open actions owned by these users, soonest first.
pub fn open_for_owners(
    conn: &mut DbConn,
    owner_ids: &[String],
) -> Result<Vec<CaseActionRow>, DbError> {
    let mut out = Vec::new();
    for chunk in owner_ids.chunks(500) {
        out.extend(
            case_actions::table
                .filter(case_actions::owner_user_id.eq_any(chunk))
                .filter(case_actions::status.eq("open"))
                .order((case_actions::due_on.asc(), case_actions::id.asc()))
                .select(CaseActionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Marks an action done or cancelled if nobody changed it since `expected_version`; false
/// when someone did (or it is already closed).
pub fn close(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    status: &str,
    note: &str,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        case_actions::table
            .filter(case_actions::id.eq(id))
            .filter(case_actions::version.eq(expected_version))
            .filter(case_actions::status.eq("open")),
    )
    .set((
        case_actions::status.eq(status),
        case_actions::completion_note.eq(note),
        case_actions::completed_by.eq(by),
        case_actions::completed_at.eq(at),
        case_actions::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
