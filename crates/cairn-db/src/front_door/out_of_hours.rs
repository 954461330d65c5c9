//! What the emergency duty team did on a contact out of hours.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::out_of_hours_actions;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = out_of_hours_actions, treat_none_as_default_value = false)]
pub struct OutOfHoursActionRow {
    pub id: String,
    pub contact_id: String,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub details: String,
    pub outstanding: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &OutOfHoursActionRow) -> Result<(), DbError> {
    diesel::insert_into(out_of_hours_actions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn for_contacts(
    conn: &mut DbConn,
    contact_ids: &[String],
) -> Result<Vec<OutOfHoursActionRow>, DbError> {
    let mut out = Vec::new();
    for chunk in contact_ids.chunks(500) {
        out.extend(
            out_of_hours_actions::table
                .filter(out_of_hours_actions::contact_id.eq_any(chunk))
                .order(out_of_hours_actions::occurred_at.asc())
                .select(OutOfHoursActionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
