//! Typed case events: the history from which chronologies and reports are projected.
//!
//! Appending an event that names a person also projects the records it touched onto the
//! chronology, in the same transaction (see [`crate::recording::chronology`]), so a child's
//! chronology never lags the record it is built from.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::events;

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub kind: String,
    pub person_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub actor_user_id: String,
    pub data: String,
}

pub fn append(conn: &mut DbConn, row: &EventRow) -> Result<(), DbError> {
    diesel::insert_into(events::table)
        .values(row)
        .execute(conn)?;
    if row.person_id.is_some() {
        crate::recording::chronology::on_events(conn, std::slice::from_ref(row))?;
    }
    Ok(())
}

pub fn append_many(conn: &mut DbConn, rows: &[EventRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(500) {
        crate::insert_batch!(conn, events::table, chunk)?;
    }
    crate::recording::chronology::on_events(conn, rows)?;
    Ok(())
}

pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<EventRow>, DbError> {
    Ok(events::table
        .filter(events::person_id.eq(person_id))
        .order(events::at.desc())
        .select(EventRow::as_select())
        .load(conn)?)
}
