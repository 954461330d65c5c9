//! Strategy discussions: when there is reasonable cause to suspect significant harm, the
//! agencies meet (or talk) and decide whether a section 47 enquiry starts. Each discussion
//! keeps who took part, by agency.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{strategy_discussions, strategy_participants};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = strategy_discussions, treat_none_as_default_value = false)]
pub struct StrategyDiscussionRow {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub held_at: NaiveDateTime,
    pub information_shared: String,
    pub decision: String,
    pub rationale: String,
    pub chaired_by: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = strategy_participants, treat_none_as_default_value = false)]
pub struct StrategyParticipantRow {
    pub id: String,
    pub strategy_discussion_id: String,
    pub agency: String,
    pub name: String,
    pub role: String,
}

pub fn insert(conn: &mut DbConn, row: &StrategyDiscussionRow) -> Result<(), DbError> {
    diesel::insert_into(strategy_discussions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_participants(
    conn: &mut DbConn,
    rows: &[StrategyParticipantRow],
) -> Result<(), DbError> {
    // A discussion has a handful of participants: one statement each keeps to the portable
    // single-row insert.
    for row in rows {
        diesel::insert_into(strategy_participants::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<StrategyDiscussionRow>, DbError> {
    Ok(strategy_discussions::table
        .find(id)
        .select(StrategyDiscussionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Who took part, in the order they were entered.
pub fn participants(
    conn: &mut DbConn,
    discussion_id: &str,
) -> Result<Vec<StrategyParticipantRow>, DbError> {
    Ok(strategy_participants::table
        .filter(strategy_participants::strategy_discussion_id.eq(discussion_id))
        .order(strategy_participants::id.asc())
        .select(StrategyParticipantRow::as_select())
        .load(conn)?)
}

/// The discussions held in one episode, most recent first.
pub fn for_referral(
    conn: &mut DbConn,
    referral_id: &str,
) -> Result<Vec<StrategyDiscussionRow>, DbError> {
    Ok(strategy_discussions::table
        .filter(strategy_discussions::referral_id.eq(referral_id))
        .order((
            strategy_discussions::held_at.desc(),
            strategy_discussions::id.desc(),
        ))
        .select(StrategyDiscussionRow::as_select())
        .load(conn)?)
}
