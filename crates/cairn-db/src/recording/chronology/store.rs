//! The stored chronology: entries and their earlier versions, the filtered and paged reads the
//! pages and exports make, and the few writes (insert, revise, withdraw, restore) that keep an
//! entry in step with its source.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::connection::MultiBackend;
use crate::error::DbError;
use crate::schema::{chronology_entries, chronology_entry_versions};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = chronology_entries, treat_none_as_default_value = false)]
pub struct EntryRow {
    pub id: String,
    pub person_id: String,
    /// The event within its source, e.g. "cp_plan:<id>:start"; unique per child.
    pub entry_key: String,
    /// The entity the entry is projected from ("visit", "case_note", …) or "manual".
    pub source_kind: String,
    pub source_id: String,
    /// A `ChronologyCategory` code.
    pub category: String,
    pub occurred_at: NaiveDateTime,
    /// "date" (time unknown: midnight, not shown) or "datetime" (UTC).
    pub occurred_precision: String,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    pub source_label: String,
    pub author_user_id: Option<String>,
    pub author_name: String,
    pub version: i32,
    pub recorded_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = chronology_entry_versions, treat_none_as_default_value = false)]
pub struct EntryVersionRow {
    pub id: String,
    pub entry_id: String,
    /// The version this text was, before it was replaced.
    pub version: i32,
    pub occurred_at: NaiveDateTime,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    pub replaced_at: NaiveDateTime,
    pub replaced_by: Option<String>,
    pub reason: Option<String>,
}

/// What an entry says: the fields a change to its source may alter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryText {
    pub category: String,
    pub occurred_at: NaiveDateTime,
    pub occurred_precision: String,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    /// Changes only for a manual entry (an amended source); projected entries keep theirs.
    pub source_label: String,
}

impl EntryText {
    pub fn of(row: &EntryRow) -> EntryText {
        EntryText {
            category: row.category.clone(),
            occurred_at: row.occurred_at,
            occurred_precision: row.occurred_precision.clone(),
            title: row.title.clone(),
            summary: row.summary.clone(),
            significant: row.significant,
            source_label: row.source_label.clone(),
        }
    }
}

/// Who replaced a version, when and why.
#[derive(Clone, Debug)]
pub struct Replacement<'a> {
    pub at: NaiveDateTime,
    pub by: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// A filtered view of one or more children's chronologies.
#[derive(Clone, Debug, Default)]
pub struct EntryQuery {
    pub person_ids: Vec<String>,
    /// `ChronologyCategory` codes; empty means every category.
    pub categories: Vec<String>,
    /// Entries at or after this instant (UTC).
    pub from: Option<NaiveDateTime>,
    /// Entries before this instant (UTC).
    pub before: Option<NaiveDateTime>,
    pub significant_only: bool,
    pub include_withdrawn: bool,
    pub newest_first: bool,
}

/// Inserts this many rows per statement: 19 columns stay well under both databases' limits
/// on bound parameters.
const INSERT_CHUNK: usize = 500;

fn filtered(q: &EntryQuery) -> chronology_entries::BoxedQuery<'_, MultiBackend> {
    let mut query = chronology_entries::table.into_boxed();
    // One child (the usual page) is an equality, so the (person_id, occurred_at) index gives
    // the rows already in date order; a family is a short list.
    query = match q.person_ids.as_slice() {
        [one] => query.filter(chronology_entries::person_id.eq(one)),
        many => query.filter(chronology_entries::person_id.eq_any(many)),
    };
    if !q.categories.is_empty() {
        query = query.filter(chronology_entries::category.eq_any(&q.categories));
    }
    if let Some(from) = q.from {
        query = query.filter(chronology_entries::occurred_at.ge(from));
    }
    if let Some(before) = q.before {
        query = query.filter(chronology_entries::occurred_at.lt(before));
    }
    if q.significant_only {
        query = query.filter(chronology_entries::significant.eq(true));
    }
    if !q.include_withdrawn {
        query = query.filter(chronology_entries::withdrawn_at.is_null());
    }
    query
}

/// How many entries the query finds.
pub fn count(conn: &mut DbConn, q: &EntryQuery) -> Result<i64, DbError> {
    if q.person_ids.is_empty() {
        return Ok(0);
    }
    Ok(filtered(q).count().get_result(conn)?)
}

/// One page of the entries the query finds, in date order (ties by id, so the order and the
/// numbering are stable). The (person_id, occurred_at) index serves it.
pub fn page(
    conn: &mut DbConn,
    q: &EntryQuery,
    offset: i64,
    limit: i64,
) -> Result<Vec<EntryRow>, DbError> {
    if q.person_ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = filtered(q).select(EntryRow::as_select());
    let query = if q.newest_first {
        query.order((
            chronology_entries::occurred_at.desc(),
            chronology_entries::id.desc(),
        ))
    } else {
        query.order((
            chronology_entries::occurred_at.asc(),
            chronology_entries::id.asc(),
        ))
    };
    Ok(query.offset(offset.max(0)).limit(limit.max(0)).load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<EntryRow>, DbError> {
    Ok(chronology_entries::table
        .find(id)
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?)
}

/// The earlier versions of an entry, oldest first.
pub fn versions_of(conn: &mut DbConn, entry_id: &str) -> Result<Vec<EntryVersionRow>, DbError> {
    Ok(chronology_entry_versions::table
        .filter(chronology_entry_versions::entry_id.eq(entry_id))
        .order(chronology_entry_versions::version.asc())
        .select(EntryVersionRow::as_select())
        .load(conn)?)
}

pub fn insert_many(conn: &mut DbConn, rows: &[EntryRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        crate::insert_batch!(conn, chronology_entries::table, chunk)?;
    }
    Ok(())
}

/// Every entry (withdrawn or not) projected from these sources of one kind.
pub fn for_sources(
    conn: &mut DbConn,
    source_kind: &str,
    source_ids: &[String],
) -> Result<Vec<EntryRow>, DbError> {
    let mut out = Vec::new();
    for chunk in source_ids.chunks(INSERT_CHUNK) {
        out.extend(
            chronology_entries::table
                .filter(chronology_entries::source_kind.eq(source_kind))
                .filter(chronology_entries::source_id.eq_any(chunk))
                .select(EntryRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The (source kind, source id) of every entry on a child's chronology.
pub fn sources_of_person(
    conn: &mut DbConn,
    person_id: &str,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(chronology_entries::table
        .filter(chronology_entries::person_id.eq(person_id))
        .select((
            chronology_entries::source_kind,
            chronology_entries::source_id,
        ))
        .distinct()
        .load(conn)?)
}

/// Replaces an entry's text if it is still at `expected.version`: the text it had is kept as
/// a version, and a withdrawn entry given again is no longer withdrawn. False when someone
/// else changed the entry first (the caller reads it again).
pub fn revise(
    conn: &mut DbConn,
    expected: &EntryRow,
    text: &EntryText,
    change: &Replacement<'_>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        chronology_entries::table
            .filter(chronology_entries::id.eq(&expected.id))
            .filter(chronology_entries::version.eq(expected.version)),
    )
    .set((
        chronology_entries::category.eq(&text.category),
        chronology_entries::occurred_at.eq(text.occurred_at),
        chronology_entries::occurred_precision.eq(&text.occurred_precision),
        chronology_entries::title.eq(&text.title),
        chronology_entries::summary.eq(&text.summary),
        chronology_entries::significant.eq(text.significant),
        chronology_entries::source_label.eq(&text.source_label),
        chronology_entries::version.eq(chronology_entries::version + 1),
        chronology_entries::updated_at.eq(change.at),
        chronology_entries::withdrawn_at.eq(None::<NaiveDateTime>),
        chronology_entries::withdrawn_reason.eq(None::<String>),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    diesel::insert_into(chronology_entry_versions::table)
        .values(&EntryVersionRow {
            id: cairn_domain::ids::ChronologyEntryVersionId::new().to_string(),
            entry_id: expected.id.clone(),
            version: expected.version,
            occurred_at: expected.occurred_at,
            title: expected.title.clone(),
            summary: expected.summary.clone(),
            significant: expected.significant,
            replaced_at: change.at,
            replaced_by: change.by.map(str::to_string),
            reason: change.reason.map(str::to_string),
        })
        .execute(conn)?;
    Ok(true)
}

/// Marks an entry its source no longer gives; it is kept and shown struck through.
pub fn withdraw(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    reason: &str,
) -> Result<(), DbError> {
    diesel::update(
        chronology_entries::table
            .filter(chronology_entries::id.eq(id))
            .filter(chronology_entries::withdrawn_at.is_null()),
    )
    .set((
        chronology_entries::withdrawn_at.eq(Some(at)),
        chronology_entries::withdrawn_reason.eq(Some(reason)),
        chronology_entries::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(())
}

/// An entry its source gives again, unchanged: no longer withdrawn.
pub fn restore(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(chronology_entries::table.filter(chronology_entries::id.eq(id)))
        .set((
            chronology_entries::withdrawn_at.eq(None::<NaiveDateTime>),
            chronology_entries::withdrawn_reason.eq(None::<String>),
            chronology_entries::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
