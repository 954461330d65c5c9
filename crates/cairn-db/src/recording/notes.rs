//! Case notes, the children they concern, their finalised versions and the full-text index rows.
//!
//! A draft is changed in place (each save checks and bumps `version`); a final note changes
//! only by amendment, which is checked against `version` the same way, so two people amending
//! at once cannot overwrite each other. On SQLite the full-text index (`case_notes_fts`, FTS5
//! with external content) holds final notes only and is kept in step here; on PostgreSQL a GIN
//! index over an expression on `case_notes` covers every row and needs nothing.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{case_note_children, case_note_versions, case_notes, id_sequences};

pub const DRAFT: &str = "draft";
pub const FINAL: &str = "final";
pub const DISCARDED: &str = "discarded";

/// The counter `search_rowid` values are reserved from.
const SEARCH_ROWID_SEQUENCE: &str = "case_note_search_rowid";

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = case_notes, treat_none_as_default_value = false)]
pub struct CaseNoteRow {
    pub id: String,
    pub search_rowid: i64,
    pub status: String,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: Option<NaiveDateTime>,
    pub recording_delay_working_days: Option<i32>,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
    pub significant: bool,
    pub author_user_id: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub amended_at: Option<NaiveDateTime>,
    pub amended_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = case_note_children)]
pub struct CaseNoteChildRow {
    pub note_id: String,
    pub person_id: String,
    pub child_seen: bool,
    pub child_seen_alone: bool,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = case_note_versions, treat_none_as_default_value = false)]
pub struct CaseNoteVersionRow {
    pub id: String,
    pub note_id: String,
    pub version: i32,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
    pub significant: bool,
    /// JSON array of `{person_id, child_seen, child_seen_alone}`.
    pub children: String,
    pub reason: Option<String>,
    pub saved_at: NaiveDateTime,
    pub saved_by: String,
}

/// The content of a note that a draft save or an amendment changes.
#[derive(Clone, Debug, PartialEq, AsChangeset)]
#[diesel(table_name = case_notes)]
pub struct NoteChange<'a> {
    pub kind: &'a str,
    pub occurred_at: NaiveDateTime,
    pub title: &'a str,
    pub narrative: &'a str,
    pub people_involved: &'a str,
    pub significant: bool,
}

/// Rows per multi-row insert: notes have 17 columns, and SQLite allows 32,766 parameters.
const NOTES_PER_INSERT: usize = 500;

/// Reserves `count` consecutive `search_rowid` values and returns the first. The counter is
/// created on first use, starting above any value already stored (so rows loaded in bulk
/// before it existed are never collided with).
pub fn reserve_search_rowids(conn: &mut DbConn, count: i64) -> Result<i64, DbError> {
    let highest: Option<i64> = case_notes::table
        .select(max(case_notes::search_rowid))
        .first(conn)?;
    let start = highest.unwrap_or(0) + 1;
    crate::each_backend!(conn, c => diesel::insert_into(id_sequences::table)
        .values((
            id_sequences::name.eq(SEARCH_ROWID_SEQUENCE),
            id_sequences::next_value.eq(start),
        ))
        .on_conflict(id_sequences::name)
        .do_nothing()
        .execute(c))?;
    crate::sequences::reserve(conn, SEARCH_ROWID_SEQUENCE, count)
}

pub fn insert(conn: &mut DbConn, row: &CaseNoteRow) -> Result<(), DbError> {
    diesel::insert_into(case_notes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Many notes at once, for bulk loading; their `search_rowid`s should come from
/// [`reserve_search_rowids`]. Final notes loaded this way are not in the SQLite full-text
/// index until [`rebuild_search_index`] runs.
pub fn insert_many(conn: &mut DbConn, rows: &[CaseNoteRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(NOTES_PER_INSERT) {
        crate::insert_batch!(conn, case_notes::table, chunk)?;
    }
    Ok(())
}

pub fn insert_children(conn: &mut DbConn, rows: &[CaseNoteChildRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(NOTES_PER_INSERT * 4) {
        crate::insert_batch!(conn, case_note_children::table, chunk)?;
    }
    Ok(())
}

pub fn insert_versions(conn: &mut DbConn, rows: &[CaseNoteVersionRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(NOTES_PER_INSERT) {
        crate::insert_batch!(conn, case_note_versions::table, chunk)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CaseNoteRow>, DbError> {
    Ok(case_notes::table
        .find(id)
        .select(CaseNoteRow::as_select())
        .first(conn)
        .optional()?)
}

/// The children of one note, in a stable order.
pub fn children_of(conn: &mut DbConn, note_id: &str) -> Result<Vec<CaseNoteChildRow>, DbError> {
    Ok(case_note_children::table
        .filter(case_note_children::note_id.eq(note_id))
        .order(case_note_children::person_id.asc())
        .select(CaseNoteChildRow::as_select())
        .load(conn)?)
}

/// The children of many notes (for lists), in one query per thousand notes.
pub fn children_of_notes(
    conn: &mut DbConn,
    note_ids: &[String],
) -> Result<Vec<CaseNoteChildRow>, DbError> {
    let mut out = Vec::new();
    for chunk in note_ids.chunks(1_000) {
        out.extend(
            case_note_children::table
                .filter(case_note_children::note_id.eq_any(chunk))
                .order((
                    case_note_children::note_id.asc(),
                    case_note_children::person_id.asc(),
                ))
                .select(CaseNoteChildRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Every finalised version of a note, the first first.
pub fn versions_of(conn: &mut DbConn, note_id: &str) -> Result<Vec<CaseNoteVersionRow>, DbError> {
    Ok(case_note_versions::table
        .filter(case_note_versions::note_id.eq(note_id))
        .order(case_note_versions::version.asc())
        .select(CaseNoteVersionRow::as_select())
        .load(conn)?)
}

/// Saves a draft's content in place, if it is still a draft at `expected_version`; the
/// number of rows changed (0: it was changed meanwhile, finalised or discarded).
pub fn update_draft(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    change: &NoteChange<'_>,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        case_notes::table
            .filter(case_notes::id.eq(id))
            .filter(case_notes::status.eq(DRAFT))
            .filter(case_notes::version.eq(expected_version)),
    )
    .set((
        change,
        case_notes::version.eq(case_notes::version + 1),
        case_notes::updated_at.eq(at),
    ))
    .execute(conn)?)
}

/// Sets which children a draft is about. A draft is changed in place, its children included;
/// the children of a final note are never touched here (the status is checked by the query).
pub fn replace_draft_children(
    conn: &mut DbConn,
    note_id: &str,
    rows: &[CaseNoteChildRow],
) -> Result<(), DbError> {
    let still_draft: i64 = case_notes::table
        .filter(case_notes::id.eq(note_id))
        .filter(case_notes::status.eq(DRAFT))
        .count()
        .get_result(conn)?;
    if still_draft == 0 {
        return Ok(());
    }
    diesel::delete(case_note_children::table.filter(case_note_children::note_id.eq(note_id)))
        .execute(conn)?;
    insert_children(conn, rows)
}

/// Makes a draft at `expected_version` final: recorded now, with its delay. Its version
/// becomes 1, the number of the first entry in its version history. 0 rows: it changed.
pub fn finalise(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    recorded_at: NaiveDateTime,
    delay_working_days: i32,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        case_notes::table
            .filter(case_notes::id.eq(id))
            .filter(case_notes::status.eq(DRAFT))
            .filter(case_notes::version.eq(expected_version)),
    )
    .set((
        case_notes::status.eq(FINAL),
        case_notes::recorded_at.eq(Some(recorded_at)),
        case_notes::recording_delay_working_days.eq(Some(delay_working_days)),
        case_notes::version.eq(1),
        case_notes::updated_at.eq(recorded_at),
    ))
    .execute(conn)?)
}

/// Amends a final note at `expected_version`; 0 rows when someone else amended it first.
pub fn amend(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    change: &NoteChange<'_>,
    at: NaiveDateTime,
    by: &str,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        case_notes::table
            .filter(case_notes::id.eq(id))
            .filter(case_notes::status.eq(FINAL))
            .filter(case_notes::version.eq(expected_version)),
    )
    .set((
        change,
        case_notes::version.eq(case_notes::version + 1),
        case_notes::updated_at.eq(at),
        case_notes::amended_at.eq(Some(at)),
        case_notes::amended_by.eq(Some(by)),
    ))
    .execute(conn)?)
}

/// The children of an amended note: their seen and seen-alone answers may be corrected, and
/// children added (a note is never taken off a child's record: the version history shows
/// that it was there).
pub fn upsert_children(conn: &mut DbConn, rows: &[CaseNoteChildRow]) -> Result<(), DbError> {
    for row in rows {
        let changed = diesel::update(
            case_note_children::table
                .filter(case_note_children::note_id.eq(&row.note_id))
                .filter(case_note_children::person_id.eq(&row.person_id)),
        )
        .set((
            case_note_children::child_seen.eq(row.child_seen),
            case_note_children::child_seen_alone.eq(row.child_seen_alone),
        ))
        .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(case_note_children::table)
                .values(row)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Marks a draft discarded (it is kept); 0 rows when it is no longer that draft.
pub fn discard(
    conn: &mut DbConn,
    id: &str,
    expected_version: i32,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        case_notes::table
            .filter(case_notes::id.eq(id))
            .filter(case_notes::status.eq(DRAFT))
            .filter(case_notes::version.eq(expected_version)),
    )
    .set((
        case_notes::status.eq(DISCARDED),
        case_notes::version.eq(case_notes::version + 1),
        case_notes::updated_at.eq(at),
    ))
    .execute(conn)?)
}

/// Which of a child's final notes a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoteFilter {
    pub kind: Option<String>,
    pub significant_only: bool,
}

macro_rules! final_notes_about {
    ($person_id:expr, $filter:expr) => {{
        let about = case_note_children::table
            .filter(case_note_children::person_id.eq($person_id))
            .select(case_note_children::note_id);
        let mut q = case_notes::table
            .filter(case_notes::status.eq(FINAL))
            .filter(case_notes::id.eq_any(about))
            .into_boxed();
        if let Some(kind) = &$filter.kind {
            q = q.filter(case_notes::kind.eq(kind.clone()));
        }
        if $filter.significant_only {
            q = q.filter(case_notes::significant.eq(true));
        }
        q
    }};
}

/// One page of a child's final notes, the latest event first.
pub fn final_for_person(
    conn: &mut DbConn,
    person_id: &str,
    filter: &NoteFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<CaseNoteRow>, DbError> {
    Ok(final_notes_about!(person_id, filter)
        .order((case_notes::occurred_at.desc(), case_notes::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(CaseNoteRow::as_select())
        .load(conn)?)
}

/// How many of a child's final notes the filter lets through.
pub fn count_final_for_person(
    conn: &mut DbConn,
    person_id: &str,
    filter: &NoteFilter,
) -> Result<i64, DbError> {
    Ok(final_notes_about!(person_id, filter)
        .select(count_star())
        .first(conn)?)
}

/// An author's drafts, the most recently saved first; only those about `person_id` if given.
pub fn drafts_of(
    conn: &mut DbConn,
    author_user_id: &str,
    person_id: Option<&str>,
) -> Result<Vec<CaseNoteRow>, DbError> {
    let mut q = case_notes::table
        .filter(case_notes::author_user_id.eq(author_user_id))
        .filter(case_notes::status.eq(DRAFT))
        .into_boxed();
    if let Some(person) = person_id {
        let about = case_note_children::table
            .filter(case_note_children::person_id.eq(person.to_string()))
            .select(case_note_children::note_id);
        q = q.filter(case_notes::id.eq_any(about));
    }
    Ok(
        q.order((case_notes::updated_at.desc(), case_notes::id.desc()))
            .select(CaseNoteRow::as_select())
            .load(conn)?,
    )
}

// ---- the SQLite full-text index ----
//
// `case_notes_fts` indexes the view `case_notes_search_content`: each final note's title,
// narrative and a token per child it concerns ([`child_token`]). An external-content FTS5
// table must be told exactly what it indexed to remove an entry, so both adding and removing
// read the note from that view: remove a note before its text or children change, add it
// again after.

/// The token the full-text index holds for a child a note concerns: `c`, the person id in
/// lower case without hyphens, then `x` (a letter no stemming rule removes). The view
/// `case_notes_search_content` writes the same. `None` for an id holding anything but ASCII
/// letters, digits and hyphens: such a token could not be put in a query safely.
pub fn child_token(person_id: &str) -> Option<String> {
    let id = person_id.replace('-', "").to_ascii_lowercase();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())).then(|| format!("c{id}x"))
}

/// Adds a final note to the full-text index, as it now is (SQLite; nothing to do on
/// PostgreSQL). Call it once the note is final, with its children recorded.
pub fn index_note(conn: &mut DbConn, search_rowid: i64) -> Result<(), DbError> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query(
            "INSERT INTO case_notes_fts (rowid, title, narrative, children) \
             SELECT search_rowid, title, narrative, children FROM case_notes_search_content \
             WHERE search_rowid = ?",
        )
        .bind::<BigInt, _>(search_rowid)
        .execute(c)?;
    }
    Ok(())
}

/// Removes a final note from the full-text index (SQLite; nothing to do on PostgreSQL). Call
/// it before the note's text or children change, then [`index_note`] after: FTS5 removes an
/// entry by the text it indexed, which is the note as it still is.
pub fn unindex_note(conn: &mut DbConn, search_rowid: i64) -> Result<(), DbError> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query(
            "INSERT INTO case_notes_fts (case_notes_fts, rowid, title, narrative, children) \
             SELECT 'delete', search_rowid, title, narrative, children \
             FROM case_notes_search_content WHERE search_rowid = ?",
        )
        .bind::<BigInt, _>(search_rowid)
        .execute(c)?;
    }
    Ok(())
}

/// Rebuilds the SQLite full-text index from the final notes (FTS5's own 'rebuild': its
/// content, the view, holds final notes only, so drafts and discarded drafts are never
/// searchable). Nothing to do on PostgreSQL, whose index is maintained by the database.
pub fn rebuild_search_index(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query("INSERT INTO case_notes_fts (case_notes_fts) VALUES ('rebuild')")
            .execute(c)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_token_is_letters_and_digits_or_nothing() {
        assert_eq!(
            child_token("0190A1B2-c3d4-7e5f-8a6b-9c0d1e2f3a4b").as_deref(),
            Some("c0190a1b2c3d47e5f8a6b9c0d1e2f3a4bx")
        );
        for bad in ["", "-", "abc\" OR x", "a b", "a:b", "é1"] {
            assert_eq!(child_token(bad), None, "{bad:?}");
        }
    }
}
