//! The records the chronology is projected from. Each source kind reads its rows (a batch of
//! ids at a time, so the event path and the bulk rebuild run the same code) and says which
//! entries they give, for which children, as the rows are now.

mod casework;
mod front_door;
mod people;
mod recording;

use std::collections::HashMap;

use cairn_domain::recording::{ChronologyCategory, Precision};
use chrono::{NaiveDate, NaiveDateTime};

use crate::DbConn;
use crate::error::DbError;

/// One entry a source gives one child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub person_id: String,
    pub entry_key: String,
    pub source_id: String,
    pub category: ChronologyCategory,
    pub occurred_at: NaiveDateTime,
    pub precision: Precision,
    pub title: String,
    pub summary: String,
    pub significant: bool,
    pub source_label: &'static str,
    /// The user (or, for work done by the system, the name) the entry is credited to.
    pub author: String,
}

/// What a batch of source rows gives: the entries, and where the source itself says why an
/// entry changed (an amendment's reason) or why it no longer gives one (a record entered in
/// error), keyed by source id.
#[derive(Clone, Debug, Default)]
pub struct Projection {
    pub entries: Vec<Given>,
    pub amended: HashMap<String, String>,
    pub withdrawn: HashMap<String, String>,
}

type ProjectFn = fn(&mut DbConn, &[String]) -> Result<Projection, DbError>;
type PageFn = fn(&mut DbConn, &str, i64) -> Result<Vec<String>, DbError>;
type PersonFn = fn(&mut DbConn, &str) -> Result<Vec<String>, DbError>;

/// One kind of record the chronology is projected from.
pub struct Source {
    /// The entity type its events carry, stored as the entries' `source_kind`.
    pub kind: &'static str,
    /// The entries a batch of rows gives.
    pub project: ProjectFn,
    /// Ids in id order after `after` (keyset paging for the bulk rebuild).
    pub page: PageFn,
    /// The ids of the rows that concern one child.
    pub for_person: PersonFn,
}

/// Every source, in the order the bulk rebuild runs them.
pub static SOURCES: &[Source] = &[
    front_door::CONTACTS,
    front_door::OUT_OF_HOURS,
    front_door::SCREENING,
    front_door::REFERRALS,
    casework::ASSESSMENTS,
    casework::STRATEGY,
    casework::SECTION47,
    casework::CONFERENCES,
    casework::CP_PLANS,
    casework::CIN_PLANS,
    casework::VISITS,
    recording::NOTES,
    recording::OVERSIGHT,
    recording::SUPERVISION,
    people::ADDRESSES,
    people::RELATIONSHIPS,
];

pub fn source(kind: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.kind == kind)
}

/// The sources an event on `entity_type`/`entity_id` may change, as (kind, id). Most entities
/// are their own source; a closure request belongs to its referral's entries, and a contact
/// also carries its out-of-hours actions (a child added to the contact gets them too).
/// Entity types the chronology does not draw on give nothing.
pub fn touched(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<(&'static str, String)>, DbError> {
    match entity_type {
        "episode_closure" => Ok(front_door::closure_referral(conn, entity_id)?
            .map(|r| vec![(front_door::REFERRALS.kind, r)])
            .unwrap_or_default()),
        "contact" => {
            let mut out = vec![(front_door::CONTACTS.kind, entity_id.to_string())];
            for id in front_door::actions_of_contact(conn, entity_id)? {
                out.push((front_door::OUT_OF_HOURS.kind, id));
            }
            Ok(out)
        }
        other => Ok(source(other)
            .map(|s| vec![(s.kind, entity_id.to_string())])
            .unwrap_or_default()),
    }
}

// ---- helpers the sources share ----

/// The start of a day, for entries whose time is not known.
pub(crate) fn day(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

/// Free text shortened for a summary: whitespace collapsed, cut at a word near `max`
/// characters with an ellipsis.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// Sentences joined into a summary, each ending with a full stop; blank ones left out.
pub(crate) fn sentences<I, S>(parts: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    parts
        .into_iter()
        .filter_map(|p| {
            let p = p.as_ref().trim();
            if p.is_empty() {
                None
            } else if p.ends_with(['.', '?', '!', '…']) {
                Some(p.to_string())
            } else {
                Some(format!("{p}."))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A code's label, or the code itself when it is not in the list (older data).
pub(crate) fn label_of<T>(
    code: &str,
    from_code: fn(&str) -> Option<T>,
    label: fn(&T) -> &str,
) -> String {
    from_code(code)
        .map(|v| label(&v).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// "Name (Agency), Name (Agency)" for the people at a meeting.
pub(crate) fn people_list(people: &[(String, String)]) -> String {
    people
        .iter()
        .map(|(name, agency)| {
            if agency.is_empty() {
                name.clone()
            } else {
                format!("{name} ({agency})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Display names of these users, for summaries that name a worker.
pub(crate) fn user_names(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, String>, DbError> {
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    crate::users::display_names(conn, &ids)
}

/// Keyset paging over a table's text primary key: the rebuild reads every row in batches.
macro_rules! page_ids {
    ($name:ident, $table:ident) => {
        fn $name(
            conn: &mut $crate::DbConn,
            after: &str,
            limit: i64,
        ) -> Result<Vec<String>, $crate::error::DbError> {
            use diesel::prelude::*;
            Ok($crate::schema::$table::table
                .filter($crate::schema::$table::id.gt(after))
                .order($crate::schema::$table::id.asc())
                .select($crate::schema::$table::id)
                .limit(limit)
                .load(conn)?)
        }
    };
}

/// The ids of a table's rows about one child, through its `person_id` column.
macro_rules! ids_for_person {
    ($name:ident, $table:ident) => {
        fn $name(
            conn: &mut $crate::DbConn,
            person_id: &str,
        ) -> Result<Vec<String>, $crate::error::DbError> {
            use diesel::prelude::*;
            Ok($crate::schema::$table::table
                .filter($crate::schema::$table::person_id.eq(person_id))
                .select($crate::schema::$table::id)
                .load(conn)?)
        }
    };
}

pub(crate) use {ids_for_person, page_ids};
