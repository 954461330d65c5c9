//! Threshold documents: each version with its levels and indicators.
//!
//! A version is a draft (edited freely), agreed (immutable; the one screening uses) or
//! superseded (a newer version was agreed). The queries that change a version check its status
//! and optimistic `version` in the same statement, so a concurrent agreement or edit makes
//! them change nothing and return false instead of overwriting.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{threshold_documents, threshold_indicators, threshold_levels};

pub const DRAFT: &str = "draft";
pub const AGREED: &str = "agreed";
pub const SUPERSEDED: &str = "superseded";

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = threshold_documents)]
pub struct DocumentRow {
    pub id: String,
    pub version_number: i32,
    pub title: String,
    pub status: String,
    pub introduction: String,
    /// The signatory agencies, one per line.
    pub signatories: String,
    pub agreed_on: Option<NaiveDate>,
    pub agreed_at: Option<NaiveDateTime>,
    pub agreed_by: Option<String>,
    pub superseded_at: Option<NaiveDateTime>,
    pub based_on: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = threshold_levels)]
pub struct LevelRow {
    pub id: String,
    pub document_id: String,
    pub position: i32,
    pub name: String,
    pub summary: String,
    pub response: String,
    /// Comma-separated screening outcome codes that fit this level.
    pub outcomes: String,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = threshold_indicators)]
pub struct IndicatorRow {
    pub id: String,
    pub level_id: String,
    pub domain: String,
    pub position: i32,
    pub text: String,
}

/// One version's levels and indicators, as written together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Content {
    pub levels: Vec<LevelRow>,
    pub indicators: Vec<IndicatorRow>,
}

/// SQLite allows 32,766 bound parameters per statement; indicator rows have 5 columns.
const CHUNK: usize = 1_000;

/// Serialises the statements that decide which version is agreed and which number comes
/// next. On SQLite every write transaction already holds the single writer lock (`BEGIN
/// IMMEDIATE`). On PostgreSQL, under READ COMMITTED, two agreements committing together would
/// each supersede only what it saw and leave two agreed versions, and two new drafts could
/// pick the same number; this lock (which blocks other writers of this table, never its
/// readers, and never screening's foreign-key checks) makes them take turns. Call it first in
/// the write transaction.
pub fn lock_for_agreement(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("LOCK TABLE threshold_documents IN SHARE ROW EXCLUSIVE MODE")
            .execute(c)?;
    }
    Ok(())
}

/// The agreed version screening uses: the newest agreed one (there is only ever one, but the
/// newest is the right answer even if that were ever not so).
pub fn current_agreed(conn: &mut DbConn) -> Result<Option<DocumentRow>, DbError> {
    Ok(threshold_documents::table
        .filter(threshold_documents::status.eq(AGREED))
        .order(threshold_documents::version_number.desc())
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<DocumentRow>, DbError> {
    Ok(threshold_documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every version, newest first.
pub fn list(conn: &mut DbConn) -> Result<Vec<DocumentRow>, DbError> {
    Ok(threshold_documents::table
        .order(threshold_documents::version_number.desc())
        .select(DocumentRow::as_select())
        .load(conn)?)
}

/// Agreed and superseded versions, newest first: what partner agencies may read.
pub fn list_published(conn: &mut DbConn) -> Result<Vec<DocumentRow>, DbError> {
    Ok(threshold_documents::table
        .filter(threshold_documents::status.ne(DRAFT))
        .order(threshold_documents::version_number.desc())
        .select(DocumentRow::as_select())
        .load(conn)?)
}

/// The number the next version takes. Call after [`lock_for_agreement`] in the same write
/// transaction; the unique index refuses a duplicate in any case.
pub fn next_version_number(conn: &mut DbConn) -> Result<i32, DbError> {
    let max: Option<i32> = threshold_documents::table
        .select(diesel::dsl::max(threshold_documents::version_number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// A version's levels (in order) and their indicators (by level, then domain, then order).
pub fn content_of(conn: &mut DbConn, document_id: &str) -> Result<Content, DbError> {
    let levels: Vec<LevelRow> = threshold_levels::table
        .filter(threshold_levels::document_id.eq(document_id))
        .order(threshold_levels::position.asc())
        .select(LevelRow::as_select())
        .load(conn)?;
    let indicators: Vec<IndicatorRow> = threshold_indicators::table
        .inner_join(threshold_levels::table)
        .filter(threshold_levels::document_id.eq(document_id))
        .order((
            threshold_levels::position.asc(),
            threshold_indicators::domain.asc(),
            threshold_indicators::position.asc(),
        ))
        .select(IndicatorRow::as_select())
        .load(conn)?;
    Ok(Content { levels, indicators })
}

fn insert_content(conn: &mut DbConn, content: &Content) -> Result<(), DbError> {
    for chunk in content.levels.chunks(CHUNK) {
        crate::insert_batch!(conn, threshold_levels::table, chunk)?;
    }
    for chunk in content.indicators.chunks(CHUNK) {
        crate::insert_batch!(conn, threshold_indicators::table, chunk)?;
    }
    Ok(())
}

/// Writes a new version with its levels and indicators.
pub fn insert(conn: &mut DbConn, doc: &DocumentRow, content: &Content) -> Result<(), DbError> {
    diesel::insert_into(threshold_documents::table)
        .values(doc)
        .execute(conn)?;
    insert_content(conn, content)
}

/// What an edit of a draft changes.
pub struct DraftUpdate<'a> {
    pub title: &'a str,
    pub introduction: &'a str,
    pub signatories: &'a str,
    pub at: NaiveDateTime,
    pub by: &'a str,
}

/// Replaces a draft's title, introduction, signatories, levels and indicators, when it is
/// still a draft at `expected_version`. Returns false (changing nothing) otherwise.
///
/// A draft's levels and indicators are deleted and written again rather than matched up one
/// by one: nothing refers to them (screening uses only agreed versions), and the document
/// keeps its own history as versions.
pub fn replace_draft(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    update: &DraftUpdate<'_>,
    content: &Content,
) -> Result<bool, DbError> {
    let n = diesel::update(
        threshold_documents::table
            .filter(threshold_documents::id.eq(id))
            .filter(threshold_documents::status.eq(DRAFT))
            .filter(threshold_documents::version.eq(expected_version)),
    )
    .set((
        threshold_documents::title.eq(update.title),
        threshold_documents::introduction.eq(update.introduction),
        threshold_documents::signatories.eq(update.signatories),
        threshold_documents::version.eq(expected_version + 1),
        threshold_documents::updated_at.eq(update.at),
        threshold_documents::updated_by.eq(update.by),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    let level_ids = threshold_levels::table
        .filter(threshold_levels::document_id.eq(id))
        .select(threshold_levels::id);
    diesel::delete(
        threshold_indicators::table.filter(threshold_indicators::level_id.eq_any(level_ids)),
    )
    .execute(conn)?;
    diesel::delete(threshold_levels::table.filter(threshold_levels::document_id.eq(id)))
        .execute(conn)?;
    insert_content(conn, content)?;
    Ok(true)
}

/// Marks a draft agreed (when it is still a draft at `expected_version`) and supersedes every
/// other agreed version, in the caller's transaction. Returns the ids superseded, or `None`
/// when the draft had changed or was no longer a draft (nothing is changed then).
#[allow(clippy::too_many_arguments)]
pub fn mark_agreed(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    agreed_on: NaiveDate,
    signatories: &str,
    at: NaiveDateTime,
    by_user: Option<&str>,
    by: &str,
) -> Result<Option<Vec<String>>, DbError> {
    let n = diesel::update(
        threshold_documents::table
            .filter(threshold_documents::id.eq(id))
            .filter(threshold_documents::status.eq(DRAFT))
            .filter(threshold_documents::version.eq(expected_version)),
    )
    .set((
        threshold_documents::status.eq(AGREED),
        threshold_documents::agreed_on.eq(Some(agreed_on)),
        threshold_documents::agreed_at.eq(Some(at)),
        threshold_documents::agreed_by.eq(by_user),
        threshold_documents::signatories.eq(signatories),
        threshold_documents::version.eq(expected_version + 1),
        threshold_documents::updated_at.eq(at),
        threshold_documents::updated_by.eq(by),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(None);
    }
    let previous: Vec<String> = threshold_documents::table
        .filter(threshold_documents::status.eq(AGREED))
        .filter(threshold_documents::id.ne(id))
        .select(threshold_documents::id)
        .load(conn)?;
    diesel::update(threshold_documents::table.filter(threshold_documents::id.eq_any(&previous)))
        .set((
            threshold_documents::status.eq(SUPERSEDED),
            threshold_documents::superseded_at.eq(Some(at)),
            threshold_documents::version.eq(threshold_documents::version + 1),
            threshold_documents::updated_at.eq(at),
            threshold_documents::updated_by.eq(by),
        ))
        .execute(conn)?;
    Ok(Some(previous))
}

/// Copies a version's levels and indicators for a new version, with fresh ids from `new_id`
/// (called once per row, so callers choose how ids are made).
pub fn copy_content(
    source: &Content,
    document_id: &str,
    mut new_id: impl FnMut() -> String,
) -> Content {
    let mut out = Content::default();
    for level in &source.levels {
        let level_id = new_id();
        out.indicators.extend(
            source
                .indicators
                .iter()
                .filter(|i| i.level_id == level.id)
                .map(|i| IndicatorRow {
                    id: new_id(),
                    level_id: level_id.clone(),
                    domain: i.domain.clone(),
                    position: i.position,
                    text: i.text.clone(),
                }),
        );
        out.levels.push(LevelRow {
            id: level_id,
            document_id: document_id.to_string(),
            ..level.clone()
        });
    }
    out
}
