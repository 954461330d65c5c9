//! Manual chronology entries: events before Cairn or known from other agencies, typed with
//! their source (the agency or document). Amended only by their author or a manager, always
//! with a reason; the earlier text is kept.

use cairn_db::DbConn;
use cairn_db::recording::chronology::{self as repo, EntryText, ManualEntry, Replacement};
use cairn_domain::policy::Action;
use cairn_domain::recording::{ChronologyCategory, Precision};
use cairn_domain::validation::{FieldErrors, clean_text};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::casework::record_event;
use crate::casework::strategy::child_summary;
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 4_000;
const MAX_SOURCE: usize = 200;
const MAX_REASON: usize = 2_000;

/// A manual entry as typed. The date is a UK date; the time (optional) is the clock in England
/// on the 24-hour clock, e.g. "14:30".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManualInput {
    pub occurred_on: Option<NaiveDate>,
    pub time: String,
    pub title: String,
    pub summary: String,
    /// Who or what the information came from, e.g. "Police: PNC record 2004".
    pub source: String,
    pub significant: bool,
}

/// An amendment of a manual entry: the new text, why, and the version it was made against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Amendment {
    pub entry: ManualInput,
    pub reason: String,
    pub version: i32,
}

/// "14:30", "9:05" or "14.30".
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once([':', '.'])?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// When the event happened: a date (stored at midnight, time not shown) or a UK date and
/// time stored in UTC.
fn occurred(
    on: Option<NaiveDate>,
    time: &str,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<(NaiveDateTime, Precision)> {
    let Some(on) = on else {
        errors.push("occurred", "Enter the date of the event");
        return None;
    };
    if on > today {
        errors.push(
            "occurred",
            "The date of the event must be today or in the past",
        );
        return None;
    }
    if time.trim().is_empty() {
        return Some((on.and_time(NaiveTime::MIN), Precision::Date));
    }
    let Some(clock) = parse_clock(time) else {
        errors.push(
            "occurred_time",
            "Enter the time on the 24-hour clock, for example 14:30, or leave it blank",
        );
        return None;
    };
    match London.from_local_datetime(&on.and_time(clock)).earliest() {
        Some(local) => Some((local.with_timezone(&Utc).naive_utc(), Precision::DateTime)),
        None => {
            errors.push(
                "occurred_time",
                "That time did not happen: the clocks went forward an hour that night",
            );
            None
        }
    }
}

/// The entry's text, checked; every problem against its field.
fn validate(input: &ManualInput, today: NaiveDate) -> Result<EntryText, FieldErrors> {
    let mut errors = FieldErrors::new();
    let when = occurred(input.occurred_on, &input.time, today, &mut errors);
    let title = clean_text(
        "title",
        "What happened",
        &input.title,
        MAX_TITLE,
        true,
        &mut errors,
    );
    let summary = clean_text(
        "summary",
        "A summary of the event",
        &input.summary,
        MAX_SUMMARY,
        true,
        &mut errors,
    );
    let source = clean_text(
        "source",
        "Where the information came from",
        &input.source,
        MAX_SOURCE,
        true,
        &mut errors,
    );
    match (when, title, summary, source, errors.is_empty()) {
        (Some((at, precision)), Some(title), Some(summary), Some(source), true) => Ok(EntryText {
            category: ChronologyCategory::Manual.code().to_string(),
            occurred_at: cairn_db::truncate_to_micros(at),
            occurred_precision: precision.code().to_string(),
            title,
            summary,
            significant: input.significant,
            source_label: source,
        }),
        _ => Err(errors),
    }
}

/// The child a manual entry would be added to, for the form. Refused (and audited) for those
/// who may not record casework.
pub fn manual_form(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
) -> ServiceResult<PersonSummary> {
    tx::read(conn, actor, |c| {
        if !actor.may(Action::RecordCasework) {
            return Err(ServiceError::denied_on_person(
                Action::RecordCasework,
                person_id,
            ));
        }
        child_summary(c, actor, person_id)
    })
}

fn detail(text: &EntryText) -> serde_json::Value {
    json!({
        "occurred_at": text.occurred_at,
        "precision": text.occurred_precision,
        "title": text.title,
        "source": text.source_label,
        "significant": text.significant,
    })
}

/// Adds a manual entry to a child's chronology; its id.
pub fn add_manual(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    input: &ManualInput,
) -> ServiceResult<String> {
    tx::write(conn, actor, |c| {
        if !actor.may(Action::RecordCasework) {
            return Err(ServiceError::denied_on_person(
                Action::RecordCasework,
                person_id,
            ));
        }
        let child = child_summary(c, actor, person_id)?;
        let text = validate(input, super::uk_date(cairn_db::now()))?;
        let user_id = actor.user_id_string();
        let row = repo::insert_manual(
            c,
            &ManualEntry {
                person_id: &child.id,
                text: text.clone(),
                author_user_id: user_id.as_deref(),
                author_name: &actor.display_name,
            },
        )?;
        record_event(
            c,
            actor,
            ("chronology.manual_added", "chronology.manual_add"),
            ("chronology_entry", &row.id),
            &child.id,
            detail(&text),
        )?;
        Ok(row.id)
    })
}

/// Amends a manual entry: only its author or a manager, always with a reason, against the
/// version they saw (two people amending at once: the second is told, nothing is lost).
pub fn amend_manual(
    conn: &mut DbConn,
    actor: &Actor,
    entry_id: &str,
    amendment: &Amendment,
) -> ServiceResult<()> {
    tx::write(conn, actor, |c| {
        let row = repo::store::find(c, entry_id)?
            .ok_or(ServiceError::NotFound("The chronology entry"))?;
        if !actor.may(Action::RecordCasework) {
            return Err(ServiceError::denied_on_person(
                Action::RecordCasework,
                &row.person_id,
            ));
        }
        child_summary(c, actor, &row.person_id)?;
        if row.source_kind != repo::MANUAL {
            return Err(ServiceError::Conflict(
                "This entry comes from a record in Cairn: change that record and the chronology follows it".into(),
            ));
        }
        let own = row.author_user_id.is_some() && actor.user_id_string() == row.author_user_id;
        if !own && !actor.may(Action::AuthoriseCasework) {
            return Err(ServiceError::denied_on_person(
                Action::AuthoriseCasework,
                &row.person_id,
            ));
        }
        let checked = validate(&amendment.entry, super::uk_date(cairn_db::now()));
        let mut errors = match &checked {
            Ok(_) => FieldErrors::new(),
            Err(e) => e.clone(),
        };
        let reason = clean_text(
            "reason",
            "Why you are amending the entry",
            &amendment.reason,
            MAX_REASON,
            true,
            &mut errors,
        );
        let (Ok(text), Some(reason), true) = (checked, reason, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        if amendment.version != row.version {
            return Err(stale());
        }
        let by = actor.author();
        let change = Replacement {
            at: cairn_db::now(),
            by: Some(&by),
            reason: Some(&reason),
        };
        if !repo::amend_manual(c, &row, &text, &change)? {
            return Err(stale());
        }
        let mut data = detail(&text);
        data["reason"] = json!(reason);
        data["version"] = json!(row.version + 1);
        record_event(
            c,
            actor,
            ("chronology.manual_amended", "chronology.manual_amend"),
            ("chronology_entry", entry_id),
            &row.person_id,
            data,
        )?;
        Ok(())
    })
}

fn stale() -> ServiceError {
    ServiceError::Conflict(
        "Someone else amended this entry while you were working on it: open it again to see their version, then make your change".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn input() -> ManualInput {
        ManualInput {
            occurred_on: Some(d(2004, 6, 12)),
            time: String::new(),
            title: "Domestic abuse incident at the family home".into(),
            summary: "Police attended; mother injured; children present.".into(),
            source: "Police: PNC record 2004".into(),
            significant: true,
        }
    }

    #[test]
    fn a_date_alone_is_kept_as_a_date() {
        let text = validate(&input(), d(2026, 1, 1)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(text.occurred_precision, "date");
        assert_eq!(text.occurred_at, d(2004, 6, 12).and_time(NaiveTime::MIN));
        assert_eq!(text.category, "manual");
    }

    #[test]
    fn a_summer_time_is_stored_in_utc() {
        let typed = ManualInput {
            time: "14:30".into(),
            ..input()
        };
        let text = validate(&typed, d(2026, 1, 1)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(text.occurred_precision, "datetime");
        assert_eq!(
            text.occurred_at,
            d(2004, 6, 12).and_hms_opt(13, 30, 0).unwrap_or_default()
        );
    }

    #[test]
    fn every_problem_is_reported_against_its_field() {
        let typed = ManualInput {
            occurred_on: Some(d(2030, 1, 1)),
            title: " ".into(),
            source: String::new(),
            ..input()
        };
        let errors = validate(&typed, d(2026, 1, 1)).err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["occurred", "title", "source"]);
        let bad_time = ManualInput {
            time: "25:00".into(),
            ..input()
        };
        let errors = validate(&bad_time, d(2026, 1, 1)).err().unwrap_or_default();
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["occurred_time"]
        );
    }
}
