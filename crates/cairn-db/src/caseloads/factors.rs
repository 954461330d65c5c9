//! The weighting factors a manager sets on a child's case (out of area, interpreter needed,
//! complexity, court work, looked after). A factor is cleared, never deleted, so the weight a
//! case carried on any past day can be worked out again.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::case_workload_factors;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = case_workload_factors, treat_none_as_default_value = false)]
pub struct FactorRow {
    pub id: String,
    pub person_id: String,
    /// A `ManagerFlag` code.
    pub factor: String,
    pub note: String,
    pub set_at: NaiveDateTime,
    pub set_by: String,
    pub cleared_at: Option<NaiveDateTime>,
    pub cleared_by: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &FactorRow) -> Result<(), DbError> {
    diesel::insert_into(case_workload_factors::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The factors set on a child's case now.
pub fn open_for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<FactorRow>, DbError> {
    Ok(case_workload_factors::table
        .filter(case_workload_factors::person_id.eq(person_id))
        .filter(case_workload_factors::cleared_at.is_null())
        .order(case_workload_factors::set_at.asc())
        .select(FactorRow::as_select())
        .load(conn)?)
}

/// Every factor ever set on a child's case, newest first.
pub fn for_person(conn: &mut DbConn, person_id: &str) -> Result<Vec<FactorRow>, DbError> {
    Ok(case_workload_factors::table
        .filter(case_workload_factors::person_id.eq(person_id))
        .order((
            case_workload_factors::set_at.desc(),
            case_workload_factors::id.desc(),
        ))
        .select(FactorRow::as_select())
        .load(conn)?)
}

/// Clears a factor that is still set; false when it was already cleared.
pub fn clear(conn: &mut DbConn, id: &str, by: &str, at: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        case_workload_factors::table
            .filter(case_workload_factors::id.eq(id))
            .filter(case_workload_factors::cleared_at.is_null()),
    )
    .set((
        case_workload_factors::cleared_at.eq(Some(at)),
        case_workload_factors::cleared_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
