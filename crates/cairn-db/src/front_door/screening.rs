//! Screening decisions, the threshold indicators they cite, and managers' reviews of them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{decision_indicators, decision_reviews, screening_decisions};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = screening_decisions, treat_none_as_default_value = false)]
pub struct DecisionRow {
    pub id: String,
    pub contact_id: String,
    pub threshold_document_id: String,
    pub threshold_level_id: String,
    pub rationale: String,
    pub rag: String,
    pub outcome: String,
    pub early_help_service: Option<String>,
    pub override_reason: Option<String>,
    pub receiving_team_id: Option<String>,
    pub receiving_worker_id: Option<String>,
    pub primary_need: Option<String>,
    pub status: String,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
    pub finalised_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = decision_indicators, treat_none_as_default_value = false)]
pub struct DecisionIndicatorRow {
    pub decision_id: String,
    pub indicator_id: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = decision_reviews, treat_none_as_default_value = false)]
pub struct ReviewRow {
    pub id: String,
    pub decision_id: String,
    pub reviewer_id: String,
    pub action: String,
    pub comments: String,
    pub at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    decision: &DecisionRow,
    indicators: &[DecisionIndicatorRow],
) -> Result<(), DbError> {
    diesel::insert_into(screening_decisions::table)
        .values(decision)
        .execute(conn)?;
    for chunk in indicators.chunks(200) {
        crate::insert_batch!(conn, decision_indicators::table, chunk)?;
    }
    Ok(())
}

pub fn insert_many(conn: &mut DbConn, rows: &[DecisionRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(500) {
        crate::insert_batch!(conn, screening_decisions::table, chunk)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<DecisionRow>, DbError> {
    Ok(screening_decisions::table
        .find(id)
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn for_contact(conn: &mut DbConn, contact_id: &str) -> Result<Vec<DecisionRow>, DbError> {
    Ok(screening_decisions::table
        .filter(screening_decisions::contact_id.eq(contact_id))
        .order(screening_decisions::decided_at.asc())
        .select(DecisionRow::as_select())
        .load(conn)?)
}

pub fn for_contacts(
    conn: &mut DbConn,
    contact_ids: &[String],
) -> Result<Vec<DecisionRow>, DbError> {
    let mut out = Vec::new();
    for chunk in contact_ids.chunks(500) {
        out.extend(
            screening_decisions::table
                .filter(screening_decisions::contact_id.eq_any(chunk))
                .select(DecisionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn indicators_of(conn: &mut DbConn, decision_id: &str) -> Result<Vec<String>, DbError> {
    Ok(decision_indicators::table
        .filter(decision_indicators::decision_id.eq(decision_id))
        .select(decision_indicators::indicator_id)
        .load(conn)?)
}

pub fn reviews_of(conn: &mut DbConn, decision_ids: &[String]) -> Result<Vec<ReviewRow>, DbError> {
    Ok(decision_reviews::table
        .filter(decision_reviews::decision_id.eq_any(decision_ids))
        .order(decision_reviews::at.asc())
        .select(ReviewRow::as_select())
        .load(conn)?)
}

pub fn awaiting_authorisation(conn: &mut DbConn, limit: i64) -> Result<Vec<DecisionRow>, DbError> {
    Ok(screening_decisions::table
        .filter(screening_decisions::status.eq("awaiting_authorisation"))
        .order(screening_decisions::decided_at.asc())
        .limit(limit)
        .select(DecisionRow::as_select())
        .load(conn)?)
}

/// Moves a decision out of `awaiting_authorisation`. Conditional, so of two managers acting at
/// once only the first changes it; the caller tells the second.
pub fn review(conn: &mut DbConn, review: &ReviewRow, new_status: &str) -> Result<bool, DbError> {
    let finalised = (new_status == "final").then_some(review.at);
    let n = diesel::update(
        screening_decisions::table
            .filter(screening_decisions::id.eq(&review.decision_id))
            .filter(screening_decisions::status.eq("awaiting_authorisation")),
    )
    .set((
        screening_decisions::status.eq(new_status),
        screening_decisions::finalised_at.eq(finalised),
    ))
    .execute(conn)?;
    if n == 1 {
        diesel::insert_into(decision_reviews::table)
            .values(review)
            .execute(conn)?;
    }
    Ok(n == 1)
}
