//! Counting queries for the recording-quality page: recording delay, drafts left unfinished,
//! and children with an open episode whose chronology or management oversight has gone quiet.
//!
//! The database does the counting: recording delay comes back as a histogram (one row per
//! worker and number of working days, so the service can take exact medians and percentiles
//! from a few dozen rows), drafts as one row per worker, and the quiet children as one row per
//! child found by a `NOT EXISTS` probe of the `(person_id, occurred_at)` and
//! `(person_id, decided_at)` indexes.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, exists, max, min, not};
use diesel::prelude::*;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{case_notes, chronology_entries, oversight_records, people, referrals};

/// Ids per query when a list of ids is bound (well inside both backends' limits).
const CHUNK: usize = 500;

/// Final notes one worker recorded this many working days after the event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayCount {
    pub author_user_id: String,
    /// `None` for a note finalised before delays were measured.
    pub delay_working_days: Option<i32>,
    pub notes: i64,
}

/// Final notes by these authors recorded in `[from, to)` (UTC), counted by author and delay.
pub fn delay_histogram(
    conn: &mut DbConn,
    authors: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<DelayCount>, DbError> {
    let mut out = Vec::new();
    for chunk in authors.chunks(CHUNK) {
        let rows: Vec<(String, Option<i32>, i64)> = case_notes::table
            .filter(case_notes::author_user_id.eq_any(chunk))
            .filter(case_notes::status.eq("final"))
            .filter(case_notes::recorded_at.ge(from))
            .filter(case_notes::recorded_at.lt(to))
            .group_by((
                case_notes::author_user_id,
                case_notes::recording_delay_working_days,
            ))
            .select((
                case_notes::author_user_id,
                case_notes::recording_delay_working_days,
                count_star(),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(a, d, n)| DelayCount {
            author_user_id: a,
            delay_working_days: d,
            notes: n,
        }));
    }
    Ok(out)
}

/// One worker's drafts about events before the cut-off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueDrafts {
    pub author_user_id: String,
    pub drafts: i64,
    pub oldest_event: Option<NaiveDateTime>,
}

/// Draft notes by these authors about events before `event_before` (UTC), by author.
pub fn overdue_drafts(
    conn: &mut DbConn,
    authors: &[String],
    event_before: NaiveDateTime,
) -> Result<Vec<OverdueDrafts>, DbError> {
    let mut out = Vec::new();
    for chunk in authors.chunks(CHUNK) {
        let rows: Vec<(String, i64, Option<NaiveDateTime>)> = case_notes::table
            .filter(case_notes::author_user_id.eq_any(chunk))
            .filter(case_notes::status.eq("draft"))
            .filter(case_notes::occurred_at.lt(event_before))
            .group_by(case_notes::author_user_id)
            .select((
                case_notes::author_user_id,
                count_star(),
                min(case_notes::occurred_at),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(a, n, oldest)| OverdueDrafts {
            author_user_id: a,
            drafts: n,
            oldest_event: oldest,
        }));
    }
    Ok(out)
}

/// A child with an open episode, as the quiet-children lists show them.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct OpenChild {
    pub person_id: String,
    pub referral_id: String,
    pub team_id: String,
    pub worker_id: Option<String>,
    pub referral_date: NaiveDate,
}

/// Open episodes referred before `$opened_before`, of children not entered in error. A macro
/// rather than a function, because the query's type is spelled out by the compiler alone.
macro_rules! open_children {
    ($opened_before:expr) => {
        referrals::table
            .inner_join(people::table)
            .filter(referrals::closed_on.is_null())
            .filter(referrals::referral_date.lt($opened_before))
            .filter(people::entered_in_error_at.is_null())
            .select((
                referrals::person_id,
                referrals::id,
                referrals::team_id,
                referrals::worker_id,
                referrals::referral_date,
            ))
    };
}

/// Children (not entered in error) with an episode open since before `opened_before`, in
/// one team or all, and no chronology entry (withdrawn ones aside) at or after `since` (UTC).
pub fn without_chronology_since(
    conn: &mut DbConn,
    team_id: Option<&str>,
    opened_before: NaiveDate,
    since: NaiveDateTime,
) -> Result<Vec<OpenChild>, DbError> {
    let recent = chronology_entries::table
        .filter(chronology_entries::person_id.eq(referrals::person_id))
        .filter(chronology_entries::occurred_at.ge(since))
        .filter(chronology_entries::withdrawn_at.is_null())
        .select(chronology_entries::id);
    let mut query = open_children!(opened_before)
        .filter(not(exists(recent)))
        .into_boxed();
    if let Some(team) = team_id {
        query = query.filter(referrals::team_id.eq(team.to_string()));
    }
    Ok(query.load(conn)?)
}

/// Like [`without_chronology_since`], for management oversight decided at or after `since`.
pub fn without_oversight_since(
    conn: &mut DbConn,
    team_id: Option<&str>,
    opened_before: NaiveDate,
    since: NaiveDateTime,
) -> Result<Vec<OpenChild>, DbError> {
    let recent = oversight_records::table
        .filter(oversight_records::person_id.eq(referrals::person_id))
        .filter(oversight_records::decided_at.ge(since))
        .select(oversight_records::id);
    let mut query = open_children!(opened_before)
        .filter(not(exists(recent)))
        .into_boxed();
    if let Some(team) = team_id {
        query = query.filter(referrals::team_id.eq(team.to_string()));
    }
    Ok(query.load(conn)?)
}

/// When each of these children's latest chronology entry (withdrawn ones aside) happened.
pub fn last_chronology_entries(
    conn: &mut DbConn,
    person_ids: &[String],
) -> Result<HashMap<String, NaiveDateTime>, DbError> {
    let mut out = HashMap::new();
    for chunk in person_ids.chunks(CHUNK) {
        let rows: Vec<(String, Option<NaiveDateTime>)> = chronology_entries::table
            .filter(chronology_entries::person_id.eq_any(chunk))
            .filter(chronology_entries::withdrawn_at.is_null())
            .group_by(chronology_entries::person_id)
            .select((
                chronology_entries::person_id,
                max(chronology_entries::occurred_at),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(p, at)| Some((p, at?))));
    }
    Ok(out)
}

/// When each of these children's latest management decision was made.
pub fn last_oversight(
    conn: &mut DbConn,
    person_ids: &[String],
) -> Result<HashMap<String, NaiveDateTime>, DbError> {
    let mut out = HashMap::new();
    for chunk in person_ids.chunks(CHUNK) {
        let rows: Vec<(String, Option<NaiveDateTime>)> = oversight_records::table
            .filter(oversight_records::person_id.eq_any(chunk))
            .group_by(oversight_records::person_id)
            .select((
                oversight_records::person_id,
                max(oversight_records::decided_at),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(p, at)| Some((p, at?))));
    }
    Ok(out)
}
