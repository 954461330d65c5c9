//! The few facts about threshold documents that screening needs to check and show a decision:
//! which version and level it cites, and the indicators' words.

use diesel::prelude::*;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{threshold_documents, threshold_indicators, threshold_levels};

/// A level with its document's version number and status.
#[derive(Clone, Debug, PartialEq, Queryable)]
pub struct LevelRef {
    pub level_id: String,
    pub name: String,
    pub outcomes: String,
    pub document_id: String,
    pub version_number: i32,
    pub document_status: String,
}

pub fn level(conn: &mut DbConn, level_id: &str) -> Result<Option<LevelRef>, DbError> {
    Ok(threshold_levels::table
        .inner_join(threshold_documents::table)
        .filter(threshold_levels::id.eq(level_id))
        .select((
            threshold_levels::id,
            threshold_levels::name,
            threshold_levels::outcomes,
            threshold_documents::id,
            threshold_documents::version_number,
            threshold_documents::status,
        ))
        .first(conn)
        .optional()?)
}

pub fn levels(conn: &mut DbConn, level_ids: &[String]) -> Result<Vec<LevelRef>, DbError> {
    Ok(threshold_levels::table
        .inner_join(threshold_documents::table)
        .filter(threshold_levels::id.eq_any(level_ids))
        .select((
            threshold_levels::id,
            threshold_levels::name,
            threshold_levels::outcomes,
            threshold_documents::id,
            threshold_documents::version_number,
            threshold_documents::status,
        ))
        .load(conn)?)
}

/// (indicator id, its level id, its document id) for each id given that exists.
pub fn indicators(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<Vec<(String, String, String)>, DbError> {
    Ok(threshold_indicators::table
        .inner_join(threshold_levels::table)
        .filter(threshold_indicators::id.eq_any(ids))
        .select((
            threshold_indicators::id,
            threshold_indicators::level_id,
            threshold_levels::document_id,
        ))
        .load(conn)?)
}

pub fn indicator_texts(conn: &mut DbConn, ids: &[String]) -> Result<Vec<String>, DbError> {
    Ok(threshold_indicators::table
        .filter(threshold_indicators::id.eq_any(ids))
        .order((threshold_indicators::domain, threshold_indicators::position))
        .select(threshold_indicators::text)
        .load(conn)?)
}
