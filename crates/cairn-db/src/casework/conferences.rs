//! Child protection conferences (the initial conference after a section 47 enquiry, and the
//! reviews of a plan) with who attended, and the facts of a section 47 enquiry a conference
//! needs.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{conference_attendees, conferences, section47_enquiries};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = conferences, treat_none_as_default_value = false)]
pub struct ConferenceRow {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub kind: String,
    pub section47_id: Option<String>,
    pub cp_plan_id: Option<String>,
    pub held_on: NaiveDate,
    pub chair: String,
    pub decision: String,
    pub category: Option<String>,
    pub summary: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = conference_attendees, treat_none_as_default_value = false)]
pub struct AttendeeRow {
    pub id: String,
    pub conference_id: String,
    pub name: String,
    pub agency: String,
    pub role: String,
}

/// What a conference needs to know about the section 47 enquiry it follows.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = section47_enquiries)]
pub struct Section47Facts {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub started_on: NaiveDate,
    pub outcome: Option<String>,
}

pub fn section47(conn: &mut DbConn, id: &str) -> Result<Option<Section47Facts>, DbError> {
    Ok(section47_enquiries::table
        .find(id)
        .select(Section47Facts::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &ConferenceRow) -> Result<(), DbError> {
    diesel::insert_into(conferences::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_attendees(conn: &mut DbConn, rows: &[AttendeeRow]) -> Result<(), DbError> {
    for row in rows {
        diesel::insert_into(conference_attendees::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ConferenceRow>, DbError> {
    Ok(conferences::table
        .find(id)
        .select(ConferenceRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn attendees(conn: &mut DbConn, conference_id: &str) -> Result<Vec<AttendeeRow>, DbError> {
    Ok(conference_attendees::table
        .filter(conference_attendees::conference_id.eq(conference_id))
        .order(conference_attendees::id.asc())
        .select(AttendeeRow::as_select())
        .load(conn)?)
}

/// The initial conference held after one section 47 enquiry, if there has been one.
pub fn initial_for_section47(
    conn: &mut DbConn,
    section47_id: &str,
) -> Result<Option<ConferenceRow>, DbError> {
    Ok(conferences::table
        .filter(conferences::section47_id.eq(section47_id))
        .filter(conferences::kind.eq("initial"))
        .select(ConferenceRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every conference in an episode, earliest first.
pub fn for_episode(conn: &mut DbConn, referral_id: &str) -> Result<Vec<ConferenceRow>, DbError> {
    Ok(conferences::table
        .filter(conferences::referral_id.eq(referral_id))
        .order((conferences::held_on.asc(), conferences::created_at.asc()))
        .select(ConferenceRow::as_select())
        .load(conn)?)
}

/// The review conferences of one plan, earliest first.
pub fn reviews_for_plan(
    conn: &mut DbConn,
    cp_plan_id: &str,
) -> Result<Vec<ConferenceRow>, DbError> {
    Ok(conferences::table
        .filter(conferences::cp_plan_id.eq(cp_plan_id))
        .filter(conferences::kind.eq("review"))
        .order((conferences::held_on.asc(), conferences::created_at.asc()))
        .select(ConferenceRow::as_select())
        .load(conn)?)
}
