//! The chronology: entries projected from every module's records, kept in step with them, plus
//! manual entries; earlier versions kept.
//!
//! Nothing is typed twice. Every event appended with a person (see [`crate::events`]) projects
//! the records it touched in the same transaction: the source rows are read as they are now,
//! the entries they give are compared with the stored ones by (child, entry key), and
//! - a new entry is inserted;
//! - a changed one keeps its earlier text as a version (who changed it and why) and moves on
//!   a version;
//! - one the source no longer gives is withdrawn with the reason, never deleted.
//!
//! [`rebuild_all`] runs the same projection over every record in batches (after a bulk load
//! that wrote no events) and [`rebuild_person`] over one child's records; both give the same
//! entries as the event path. Manual entries (source kind "manual") are their own source: the
//! projection never touches them.

mod sources;
pub mod store;

use std::collections::HashMap;

use chrono::NaiveDateTime;

pub use store::{EntryQuery, EntryRow, EntryText, EntryVersionRow, Replacement};

use crate::DbConn;
use crate::error::DbError;
use crate::events::EventRow;
use sources::{Given, Projection, Source};

/// The source kind of entries typed by hand.
pub const MANUAL: &str = "manual";

/// How many source rows one batch of the bulk rebuild reads.
const REBUILD_BATCH: i64 = 1_000;

/// Why the projection is running: the event's actor and kind, when there is one.
#[derive(Clone, Debug)]
struct Trigger {
    actor: String,
    kind: String,
}

/// What one projection did, for the rebuild's count and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Projected {
    pub given: usize,
    pub inserted: usize,
    pub revised: usize,
    pub withdrawn: usize,
}

impl Projected {
    fn add(&mut self, other: Projected) {
        self.given += other.given;
        self.inserted += other.inserted;
        self.revised += other.revised;
        self.withdrawn += other.withdrawn;
    }
}

/// The reason written on a version when the source itself gives none, from the event that
/// changed it.
fn change_reason(event_kind: Option<&str>) -> &'static str {
    match event_kind {
        Some("assessment.revised") => "The assessment was reopened as a new revision",
        Some("assessment.authorised") => "The assessment was authorised",
        Some(k) if k.starts_with("assessment.") => "The assessment changed",
        Some("section47.outcome_recorded") => "The enquiry's outcome was recorded",
        Some("note.amended") => "The case note was amended",
        Some("chronology.manual_amended") => "The entry was amended",
        Some(_) => "The record it comes from changed",
        None => "Brought into step with the record it comes from",
    }
}

/// Projects the records touched by these events (those naming a person); called by
/// [`crate::events::append`] and [`crate::events::append_many`] inside the caller's
/// transaction. Each record is projected once however many events name it.
pub(crate) fn on_events(conn: &mut DbConn, rows: &[EventRow]) -> Result<(), DbError> {
    let mut by_kind: HashMap<&'static str, HashMap<String, Trigger>> = HashMap::new();
    for row in rows.iter().filter(|r| r.person_id.is_some()) {
        for (kind, id) in sources::touched(conn, &row.entity_type, &row.entity_id)? {
            by_kind.entry(kind).or_default().insert(
                id,
                Trigger {
                    actor: row.actor_user_id.clone(),
                    kind: row.kind.clone(),
                },
            );
        }
    }
    for source in sources::SOURCES {
        if let Some(triggers) = by_kind.remove(source.kind) {
            let ids: Vec<String> = triggers.keys().cloned().collect();
            // A bulk append may name thousands of records: batches keep each read within
            // the databases' limits on bound parameters.
            for chunk in ids.chunks(REBUILD_BATCH as usize) {
                project(conn, source, chunk, &triggers)?;
            }
        }
    }
    Ok(())
}

/// Recomputes the entries one record gives (for every child it concerns), as an event on
/// `entity_type`/`entity_id` would. Entity types the chronology does not draw on do nothing.
pub fn project_source(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
) -> Result<Projected, DbError> {
    let mut done = Projected::default();
    for (kind, id) in sources::touched(conn, entity_type, entity_id)? {
        if let Some(source) = sources::source(kind) {
            done.add(project(conn, source, &[id], &HashMap::new())?);
        }
    }
    Ok(done)
}

/// Projects every record of every kind, in batches: what a bulk load that wrote no events
/// needs. Returns how many entries the records give (inserted, changed or already in step).
pub fn rebuild_all(conn: &mut DbConn) -> Result<usize, DbError> {
    let mut done = Projected::default();
    for source in sources::SOURCES {
        let mut after = String::new();
        loop {
            let ids = (source.page)(conn, &after, REBUILD_BATCH)?;
            let Some(last) = ids.last() else { break };
            after = last.clone();
            done.add(project(conn, source, &ids, &HashMap::new())?);
        }
    }
    Ok(done.given)
}

/// Projects every record that concerns one child (and so also the other children those
/// records concern), including records whose entries the child already has.
pub fn rebuild_person(conn: &mut DbConn, person_id: &str) -> Result<Projected, DbError> {
    let mut stored: HashMap<String, Vec<String>> = HashMap::new();
    for (kind, id) in store::sources_of_person(conn, person_id)? {
        stored.entry(kind).or_default().push(id);
    }
    let mut done = Projected::default();
    for source in sources::SOURCES {
        let mut ids = (source.for_person)(conn, person_id)?;
        ids.extend(stored.remove(source.kind).unwrap_or_default());
        ids.sort();
        ids.dedup();
        for chunk in ids.chunks(REBUILD_BATCH as usize) {
            done.add(project(conn, source, chunk, &HashMap::new())?);
        }
    }
    Ok(done)
}

/// Reads what the source rows give and brings their stored entries into step.
fn project(
    conn: &mut DbConn,
    source: &Source,
    ids: &[String],
    triggers: &HashMap<String, Trigger>,
) -> Result<Projected, DbError> {
    let projection = (source.project)(conn, ids)?;
    let stored = store::for_sources(conn, source.kind, ids)?;
    apply(conn, source.kind, projection, stored, triggers)
}

fn apply(
    conn: &mut DbConn,
    kind: &str,
    projection: Projection,
    stored: Vec<EntryRow>,
    triggers: &HashMap<String, Trigger>,
) -> Result<Projected, DbError> {
    let Projection {
        entries,
        amended,
        withdrawn,
    } = projection;
    let mut stored: HashMap<(String, String), EntryRow> = stored
        .into_iter()
        .map(|e| ((e.person_id.clone(), e.entry_key.clone()), e))
        .collect();
    let now = crate::now();
    let authors = crate::users::display_names(
        conn,
        &entries.iter().map(|g| g.author.clone()).collect::<Vec<_>>(),
    )?;
    let mut done = Projected {
        given: entries.len(),
        ..Projected::default()
    };
    let mut new_rows = Vec::new();
    for g in entries {
        let text = text_of(&g);
        match stored.remove(&(g.person_id.clone(), g.entry_key.clone())) {
            None => new_rows.push(new_row(kind, g, text, &authors, now)),
            Some(s) if EntryText::of(&s) != text => {
                let trigger = triggers.get(&s.source_id);
                let reason = amended
                    .get(&s.source_id)
                    .map(String::as_str)
                    .unwrap_or_else(|| change_reason(trigger.map(|t| t.kind.as_str())));
                let change = Replacement {
                    at: now,
                    by: trigger.map(|t| t.actor.as_str()),
                    reason: Some(reason),
                };
                revise(conn, s, &text, &change)?;
                done.revised += 1;
            }
            Some(s) if s.withdrawn_at.is_some() => store::restore(conn, &s.id, now)?,
            Some(_) => {}
        }
    }
    done.inserted = new_rows.len();
    store::insert_many(conn, &new_rows)?;
    for s in stored.values().filter(|s| s.withdrawn_at.is_none()) {
        let reason = withdrawn
            .get(&s.source_id)
            .map(String::as_str)
            .unwrap_or("The record it came from no longer gives this entry");
        store::withdraw(conn, &s.id, now, reason)?;
        done.withdrawn += 1;
    }
    Ok(done)
}

/// Revises an entry, reading it again if another transaction revised it first (on
/// PostgreSQL two projections of one record can meet; the later one wins with its text).
fn revise(
    conn: &mut DbConn,
    mut current: EntryRow,
    text: &EntryText,
    change: &Replacement<'_>,
) -> Result<(), DbError> {
    for _ in 0..3 {
        if store::revise(conn, &current, text, change)? {
            return Ok(());
        }
        match store::find(conn, &current.id)? {
            Some(again) if EntryText::of(&again) == *text => return Ok(()),
            Some(again) => current = again,
            None => break,
        }
    }
    Err(DbError::Corrupt(format!(
        "chronology entry {} kept changing while it was projected",
        current.id
    )))
}

fn text_of(g: &Given) -> EntryText {
    EntryText {
        category: g.category.code().to_string(),
        occurred_at: g.occurred_at,
        occurred_precision: g.precision.code().to_string(),
        title: g.title.clone(),
        summary: g.summary.clone(),
        significant: g.significant,
        source_label: g.source_label.to_string(),
    }
}

fn new_row(
    kind: &str,
    g: Given,
    text: EntryText,
    authors: &HashMap<String, String>,
    now: NaiveDateTime,
) -> EntryRow {
    // The author is linked only when they are a user: work done by the system or loaded
    // from elsewhere keeps the name it was recorded with.
    let (author_user_id, author_name) = match authors.get(&g.author) {
        Some(name) => (Some(g.author.clone()), name.clone()),
        None => (None, g.author.clone()),
    };
    EntryRow {
        id: cairn_domain::ids::ChronologyEntryId::new().to_string(),
        person_id: g.person_id,
        entry_key: g.entry_key,
        source_kind: kind.to_string(),
        source_id: g.source_id,
        category: text.category,
        occurred_at: text.occurred_at,
        occurred_precision: text.occurred_precision,
        title: text.title,
        summary: text.summary,
        significant: text.significant,
        source_label: text.source_label,
        author_user_id,
        author_name,
        version: 1,
        recorded_at: now,
        updated_at: now,
        withdrawn_at: None,
        withdrawn_reason: None,
    }
}

// ---- manual entries ----

/// A manual entry as typed, checked by the service.
#[derive(Clone, Debug)]
pub struct ManualEntry<'a> {
    pub person_id: &'a str,
    pub text: EntryText,
    pub author_user_id: Option<&'a str>,
    pub author_name: &'a str,
}

/// Inserts a manual entry (its own source: entry key and source id are its id).
pub fn insert_manual(conn: &mut DbConn, entry: &ManualEntry<'_>) -> Result<EntryRow, DbError> {
    let now = crate::now();
    let id = cairn_domain::ids::ChronologyEntryId::new().to_string();
    let row = EntryRow {
        id: id.clone(),
        person_id: entry.person_id.to_string(),
        entry_key: format!("{MANUAL}:{id}"),
        source_kind: MANUAL.to_string(),
        source_id: id,
        category: entry.text.category.clone(),
        occurred_at: entry.text.occurred_at,
        occurred_precision: entry.text.occurred_precision.clone(),
        title: entry.text.title.clone(),
        summary: entry.text.summary.clone(),
        significant: entry.text.significant,
        source_label: entry.text.source_label.clone(),
        author_user_id: entry.author_user_id.map(str::to_string),
        author_name: entry.author_name.to_string(),
        version: 1,
        recorded_at: now,
        updated_at: now,
        withdrawn_at: None,
        withdrawn_reason: None,
    };
    store::insert_many(conn, std::slice::from_ref(&row))?;
    Ok(row)
}

/// Amends a manual entry at the version the amender saw, keeping the earlier text with the
/// reason. False when the entry has moved on since (someone else amended it).
pub fn amend_manual(
    conn: &mut DbConn,
    seen: &EntryRow,
    text: &EntryText,
    change: &Replacement<'_>,
) -> Result<bool, DbError> {
    store::revise(conn, seen, text, change)
}

#[cfg(test)]
mod tests {
    use super::sources::{excerpt, sentences};

    #[test]
    fn excerpts_cut_at_a_word_with_an_ellipsis() {
        assert_eq!(excerpt("  short\n text ", 20), "short text");
        let long = "The child said she was frightened when her father shouted at night";
        let cut = excerpt(long, 30);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(cut.chars().count() <= 31, "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')), "{cut}");
    }

    #[test]
    fn sentences_end_with_a_full_stop_and_skip_blanks() {
        assert_eq!(
            sentences(["Outcome: NFA", "", "Seen alone.", "Cut short…"]),
            "Outcome: NFA. Seen alone. Cut short…"
        );
    }
}
