//! Section 47 enquiries: started by a strategy discussion (the census start date is the
//! discussion's date), concluded with an outcome and a manager's sign-off.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{conferences, section47_enquiries};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = section47_enquiries, treat_none_as_default_value = false)]
pub struct Section47Row {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub strategy_discussion_id: String,
    pub started_on: NaiveDate,
    pub outcome: Option<String>,
    pub outcome_on: Option<NaiveDate>,
    pub outcome_notes: Option<String>,
    pub recorded_by: Option<String>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// The outcome as recorded, for [`record_outcome`].
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeChange<'a> {
    pub outcome: &'a str,
    pub outcome_on: NaiveDate,
    pub notes: Option<&'a str>,
    pub recorded_by: &'a str,
}

pub fn insert(conn: &mut DbConn, row: &Section47Row) -> Result<(), DbError> {
    diesel::insert_into(section47_enquiries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Section47Row>, DbError> {
    Ok(section47_enquiries::table
        .find(id)
        .select(Section47Row::as_select())
        .first(conn)
        .optional()?)
}

/// The enquiries of one episode, most recent first.
pub fn for_referral(conn: &mut DbConn, referral_id: &str) -> Result<Vec<Section47Row>, DbError> {
    Ok(section47_enquiries::table
        .filter(section47_enquiries::referral_id.eq(referral_id))
        .order((
            section47_enquiries::started_on.desc(),
            section47_enquiries::id.desc(),
        ))
        .select(Section47Row::as_select())
        .load(conn)?)
}

/// The enquiry a strategy discussion started, if it started one.
pub fn for_discussion(
    conn: &mut DbConn,
    discussion_id: &str,
) -> Result<Option<Section47Row>, DbError> {
    Ok(section47_enquiries::table
        .filter(section47_enquiries::strategy_discussion_id.eq(discussion_id))
        .select(Section47Row::as_select())
        .first(conn)
        .optional()?)
}

/// The ids among `ids` that have an initial child protection conference recorded against them.
pub fn with_initial_conference(conn: &mut DbConn, ids: &[String]) -> Result<Vec<String>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            conferences::table
                .filter(conferences::section47_id.eq_any(chunk))
                .filter(conferences::kind.eq("initial"))
                .select(conferences::section47_id)
                .distinct()
                .load::<Option<String>>(conn)?
                .into_iter()
                .flatten(),
        );
    }
    Ok(out)
}

/// Records (or corrects, until sign-off) the outcome if nobody changed the enquiry since
/// `expected_version`; false when someone did or it has been signed off.
pub fn record_outcome(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    change: &OutcomeChange<'_>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        section47_enquiries::table
            .filter(section47_enquiries::id.eq(id))
            .filter(section47_enquiries::version.eq(expected_version))
            .filter(section47_enquiries::signed_off_at.is_null()),
    )
    .set((
        section47_enquiries::outcome.eq(Some(change.outcome)),
        section47_enquiries::outcome_on.eq(Some(change.outcome_on)),
        section47_enquiries::outcome_notes.eq(change.notes),
        section47_enquiries::recorded_by.eq(Some(change.recorded_by)),
        section47_enquiries::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A manager's sign-off of the recorded outcome, if the enquiry is still at
/// `expected_version`, has an outcome and is not yet signed off.
pub fn sign_off(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        section47_enquiries::table
            .filter(section47_enquiries::id.eq(id))
            .filter(section47_enquiries::version.eq(expected_version))
            .filter(section47_enquiries::outcome.is_not_null())
            .filter(section47_enquiries::signed_off_at.is_null()),
    )
    .set((
        section47_enquiries::signed_off_by.eq(Some(by)),
        section47_enquiries::signed_off_at.eq(Some(at)),
        section47_enquiries::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The initial child protection conference held after an enquiry, if one is recorded: its id
/// and date.
pub fn initial_conference(
    conn: &mut DbConn,
    section47_id: &str,
) -> Result<Option<(String, NaiveDate)>, DbError> {
    Ok(conferences::table
        .filter(conferences::section47_id.eq(section47_id))
        .filter(conferences::kind.eq("initial"))
        .order(conferences::held_on.asc())
        .select((conferences::id, conferences::held_on))
        .first(conn)
        .optional()?)
}
