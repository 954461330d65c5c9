//! Visits to a child, each a distinct record: whether the child was seen, seen alone, their
//! bedroom seen, who was present and what was observed (Annex A List 7 asks for the last one).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::visits;

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = visits, treat_none_as_default_value = false)]
pub struct VisitRow {
    pub id: String,
    pub person_id: String,
    pub referral_id: String,
    pub visited_at: NaiveDateTime,
    pub kind: String,
    pub child_seen: bool,
    pub seen_alone: bool,
    pub bedroom_seen: bool,
    pub not_seen_reason: Option<String>,
    pub present: String,
    pub observations: String,
    pub worker_id: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// How many children one grouped query covers. Both databases accept far more bound
/// parameters than this (SQLite 32,766, PostgreSQL 65,535), so a county's caseload is one
/// query or very few.
const PEOPLE_PER_QUERY: usize = 10_000;

pub fn insert(conn: &mut DbConn, row: &VisitRow) -> Result<(), DbError> {
    diesel::insert_into(visits::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<VisitRow>, DbError> {
    Ok(visits::table
        .find(id)
        .select(VisitRow::as_select())
        .first(conn)
        .optional()?)
}

/// The visits in one episode, most recent first.
pub fn for_referral(conn: &mut DbConn, referral_id: &str) -> Result<Vec<VisitRow>, DbError> {
    Ok(visits::table
        .filter(visits::referral_id.eq(referral_id))
        .order((visits::visited_at.desc(), visits::id.desc()))
        .select(VisitRow::as_select())
        .load(conn)?)
}

/// When the child was last seen on a visit, in any episode.
pub fn latest_seen(conn: &mut DbConn, person_id: &str) -> Result<Option<NaiveDateTime>, DbError> {
    Ok(visits::table
        .filter(visits::person_id.eq(person_id))
        .filter(visits::child_seen.eq(true))
        .select(max(visits::visited_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// When each of these children was last seen on a visit; children never seen are absent.
/// One grouped query (per ten thousand children), for lists of whole caseloads.
pub fn latest_seen_for_people(
    conn: &mut DbConn,
    person_ids: &[String],
) -> Result<HashMap<String, NaiveDateTime>, DbError> {
    let mut out = HashMap::new();
    for chunk in person_ids.chunks(PEOPLE_PER_QUERY) {
        let rows: Vec<(String, Option<NaiveDateTime>)> = visits::table
            .filter(visits::person_id.eq_any(chunk))
            .filter(visits::child_seen.eq(true))
            .group_by(visits::person_id)
            .select((visits::person_id, max(visits::visited_at)))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(id, at)| Some((id, at?))));
    }
    Ok(out)
}
