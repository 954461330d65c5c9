//! Rules about case notes that need no database: recording delay and note validation.
//!
//! A note is written as a draft (anything typed is kept, however unfinished) and becomes part
//! of the record when it is finalised, which is when every rule below applies. The time of the
//! event and the time it was recorded are both kept, and the recording delay between them is
//! counted in working days on the statutory calendar.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::recording::NoteKind;
use crate::validation::{FieldErrors, clean_line, clean_text};

/// The longest narrative, in characters: a long visit or a whole day in court fits.
pub const MAX_NARRATIVE_CHARS: usize = 100_000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_PEOPLE_CHARS: usize = 2_000;
pub const MAX_REASON_CHARS: usize = 2_000;
/// One note may be about a whole sibling group, but not about a whole caseload.
pub const MAX_CHILDREN: usize = 20;
/// A clock a few minutes fast on a worker's laptop is not a time in the future.
pub const FUTURE_GRACE_MINUTES: i64 = 5;
/// What the recording standard is when none is configured: two working days.
pub const DEFAULT_DELAY_STANDARD: i32 = 2;

/// One child a note is about, with whether they were seen and seen alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoteChild {
    pub person_id: String,
    pub child_seen: bool,
    pub child_seen_alone: bool,
}

/// A note as typed. `occurred_at` is UTC (the page reads UK local time; the API takes
/// RFC 3339); `kind` is a [`NoteKind`] code, blank when not chosen yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoteContent {
    pub kind: String,
    pub occurred_at: Option<NaiveDateTime>,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
    pub significant: bool,
    pub children: Vec<NoteChild>,
}

/// A note that may become, or stay, part of the record: every rule met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidNote {
    pub kind: NoteKind,
    pub occurred_at: NaiveDateTime,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
    pub significant: bool,
    pub children: Vec<NoteChild>,
}

/// What a draft keeps. Nothing typed is refused here: a draft that cannot yet be finalised is
/// still worth keeping, so only what would corrupt storage is tidied away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftNote {
    pub kind: Option<NoteKind>,
    pub occurred_at: Option<NaiveDateTime>,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
    pub significant: bool,
    pub children: Vec<NoteChild>,
}

/// Seen alone means seen; each child once, in the order given; blanks dropped.
fn tidy_children(children: &[NoteChild]) -> Vec<NoteChild> {
    let mut out: Vec<NoteChild> = Vec::new();
    for c in children {
        let id = c.person_id.trim();
        if id.is_empty() || out.iter().any(|o| o.person_id == id) {
            continue;
        }
        out.push(NoteChild {
            person_id: id.to_string(),
            child_seen: c.child_seen || c.child_seen_alone,
            child_seen_alone: c.child_seen_alone,
        });
    }
    out
}

/// Line breaks as LF and no control characters other than line break and tab: what a draft
/// may hold (PostgreSQL refuses NUL, and exports choke on the rest).
pub fn tidy_text(text: &str) -> String {
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    };
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// A draft as it will be kept. Refuses only a note about no child, or about too many.
pub fn tidy_draft(content: &NoteContent) -> Result<DraftNote, FieldErrors> {
    let mut errors = FieldErrors::new();
    let children = tidy_children(&content.children);
    check_children(&children, &mut errors);
    errors.into_result(DraftNote {
        kind: NoteKind::from_code(content.kind.trim()),
        occurred_at: content.occurred_at.map(truncate_to_second),
        title: tidy_text(content.title.trim()),
        narrative: tidy_text(&content.narrative),
        people_involved: tidy_text(content.people_involved.trim()),
        significant: content.significant,
        children,
    })
}

fn check_children(children: &[NoteChild], errors: &mut FieldErrors) {
    if children.is_empty() {
        errors.push("about", "Select the child or children this note is about");
    } else if children.len() > MAX_CHILDREN {
        errors.push(
            "about",
            format!("A note can be about at most {MAX_CHILDREN} children"),
        );
    }
}

/// Event times are kept to the second: nobody records an event more precisely, and both
/// databases then hold exactly the same value.
fn truncate_to_second(t: NaiveDateTime) -> NaiveDateTime {
    t - Duration::nanoseconds(i64::from(t.and_utc().timestamp_subsec_nanos()))
}

/// Checks a note that is to be finalised or amended; `now` is UTC.
pub fn validate(content: &NoteContent, now: NaiveDateTime) -> Result<ValidNote, FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = NoteKind::from_code(content.kind.trim());
    if kind.is_none() {
        errors.push("kind", "Select what kind of note this is");
    }
    match content.occurred_at {
        None => errors.push("occurred", "Enter the date and time of the event"),
        Some(t) if t > now + Duration::minutes(FUTURE_GRACE_MINUTES) => errors.push(
            "occurred",
            "The date and time of the event must not be in the future",
        ),
        Some(t) if t.date() < earliest_event() => errors.push(
            "occurred",
            "The date of the event must be after 1 January 1900",
        ),
        Some(_) => {}
    }
    let title = clean_line(
        "title",
        "A title",
        &content.title,
        MAX_TITLE_CHARS,
        true,
        &mut errors,
    );
    let narrative = clean_text(
        "narrative",
        "The note",
        &content.narrative,
        MAX_NARRATIVE_CHARS,
        true,
        &mut errors,
    );
    let people = clean_text(
        "people_involved",
        "People involved",
        &content.people_involved,
        MAX_PEOPLE_CHARS,
        false,
        &mut errors,
    );
    let children = tidy_children(&content.children);
    check_children(&children, &mut errors);
    match (
        kind,
        content.occurred_at,
        title,
        narrative,
        errors.is_empty(),
    ) {
        (Some(kind), Some(at), Some(title), Some(narrative), true) => Ok(ValidNote {
            kind,
            occurred_at: truncate_to_second(at),
            title,
            narrative,
            people_involved: people.unwrap_or_default(),
            significant: content.significant,
            children,
        }),
        _ => Err(errors),
    }
}

fn earliest_event() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The reason an amendment is made: required, on its own terms.
pub fn validate_reason(reason: &str, errors: &mut FieldErrors) -> Option<String> {
    clean_text(
        "reason",
        "The reason for the amendment",
        reason,
        MAX_REASON_CHARS,
        true,
        errors,
    )
}

/// The date in England of a stored (UTC) time: what working days are counted between.
pub fn date_in_england(at: NaiveDateTime) -> NaiveDate {
    crate::thresholds::date_in_england(DateTime::<Utc>::from_naive_utc_and_offset(at, Utc))
}

/// Working days from the day of the event to the day it was recorded: the day of the event
/// itself never counts, so a note written the same day (or over the following weekend) is 0
/// and one written the next working day is 1. Never negative.
pub fn recording_delay(calendar: &Calendar, occurred_on: NaiveDate, recorded_on: NaiveDate) -> i32 {
    let days = calendar
        .working_days_between(occurred_on, recorded_on)
        .max(0);
    i32::try_from(days).unwrap_or(i32::MAX)
}

/// A note's recording delay beside the standard it is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RecordingDelay {
    pub working_days: i32,
    pub standard: i32,
}

impl RecordingDelay {
    pub fn is_late(&self) -> bool {
        self.working_days > self.standard
    }

    /// "recorded 3 working days after the event; the standard is 2".
    pub fn describe(&self) -> String {
        let standard = self.standard;
        match self.working_days {
            0 => format!("recorded on the day of the event; the standard is {standard}"),
            1 => format!("recorded 1 working day after the event; the standard is {standard}"),
            n => format!("recorded {n} working days after the event; the standard is {standard}"),
        }
    }
}

/// The parts of a note that differ between two versions, as a reader names them.
pub fn what_changed(before: &NoteContent, after: &NoteContent) -> Vec<&'static str> {
    let mut out = Vec::new();
    if before.kind != after.kind {
        out.push("Kind of note");
    }
    if before.occurred_at != after.occurred_at {
        out.push("Date and time of the event");
    }
    if before.title != after.title {
        out.push("Title");
    }
    if before.narrative != after.narrative {
        out.push("Note");
    }
    if before.people_involved != after.people_involved {
        out.push("People involved");
    }
    if before.significant != after.significant {
        out.push("Significant event");
    }
    if sorted_children(&before.children) != sorted_children(&after.children) {
        out.push("Children, seen and seen alone");
    }
    out
}

fn sorted_children(children: &[NoteChild]) -> Vec<NoteChild> {
    let mut out = children.to_vec();
    out.sort_by(|a, b| a.person_id.cmp(&b.person_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default()
    }

    fn child(id: &str, seen: bool, alone: bool) -> NoteChild {
        NoteChild {
            person_id: id.into(),
            child_seen: seen,
            child_seen_alone: alone,
        }
    }

    fn content() -> NoteContent {
        NoteContent {
            kind: "visit".into(),
            occurred_at: Some(at(2024, 5, 1, 10)),
            title: "Home visit".into(),
            narrative: "Amelia showed me her room.\r\nShe was happy.".into(),
            people_involved: "Mother".into(),
            significant: true,
            children: vec![child("a", false, true), child("b", true, false)],
        }
    }

    fn fields(e: &FieldErrors) -> Vec<&str> {
        e.iter().map(|x| x.field.as_str()).collect()
    }

    #[test]
    fn a_complete_note_is_valid_and_tidied() {
        let mut c = content();
        c.children.push(child("a", false, false));
        let v = validate(&c, at(2024, 5, 2, 9)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.kind, NoteKind::Visit);
        assert_eq!(v.narrative, "Amelia showed me her room.\nShe was happy.");
        assert_eq!(
            v.children,
            vec![child("a", true, true), child("b", true, false)],
            "seen alone is seen; each child once"
        );
    }

    #[test]
    fn missing_answers_are_each_named() {
        let blank = NoteContent::default();
        let Err(e) = validate(&blank, at(2024, 5, 2, 9)) else {
            panic!("a blank note is refused");
        };
        assert_eq!(
            fields(&e),
            ["kind", "occurred", "title", "narrative", "about"]
        );
    }

    #[test]
    fn the_event_may_be_back_dated_but_not_in_the_future() {
        let now = at(2024, 5, 2, 9);
        let mut c = content();
        c.occurred_at = Some(at(2019, 1, 1, 9));
        assert!(validate(&c, now).is_ok(), "back-dated is allowed");
        c.occurred_at = Some(now + Duration::minutes(4));
        assert!(validate(&c, now).is_ok(), "a fast clock is forgiven");
        c.occurred_at = Some(now + Duration::hours(1));
        let Err(e) = validate(&c, now) else {
            panic!("the future is refused")
        };
        assert_eq!(
            e.for_field("occurred"),
            Some("The date and time of the event must not be in the future")
        );
    }

    #[test]
    fn the_narrative_may_be_one_hundred_thousand_characters_and_no_more() {
        let now = at(2024, 5, 2, 9);
        let mut c = content();
        c.narrative = "é".repeat(MAX_NARRATIVE_CHARS);
        assert!(validate(&c, now).is_ok());
        c.narrative.push('x');
        let Err(e) = validate(&c, now) else {
            panic!("too long")
        };
        assert_eq!(
            e.for_field("narrative"),
            Some("The note must be 100,000 characters or fewer")
        );
    }

    #[test]
    fn a_draft_keeps_everything_but_control_characters() {
        let mut c = NoteContent {
            narrative: format!("{}\u{0}end", "x".repeat(MAX_NARRATIVE_CHARS + 5)),
            children: vec![child("a", false, false)],
            ..NoteContent::default()
        };
        let d = tidy_draft(&c).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.narrative.chars().count(), MAX_NARRATIVE_CHARS + 8);
        assert!(!d.narrative.contains('\u{0}'));
        assert_eq!(d.kind, None);
        c.children.clear();
        assert!(tidy_draft(&c).is_err(), "a note is about a child");
    }

    #[test]
    fn the_delay_counts_working_days_after_the_event() {
        let cal = Calendar::england_and_wales();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        // Friday 3 May 2024, then the early May bank holiday on Monday 6 May.
        assert_eq!(recording_delay(&cal, d(2024, 5, 3), d(2024, 5, 3)), 0);
        assert_eq!(recording_delay(&cal, d(2024, 5, 3), d(2024, 5, 6)), 0);
        assert_eq!(recording_delay(&cal, d(2024, 5, 3), d(2024, 5, 7)), 1);
        assert_eq!(recording_delay(&cal, d(2024, 5, 3), d(2024, 5, 10)), 4);
        assert_eq!(recording_delay(&cal, d(2024, 5, 10), d(2024, 5, 3)), 0);
        let late = RecordingDelay {
            working_days: 3,
            standard: 2,
        };
        assert!(late.is_late());
        assert_eq!(
            late.describe(),
            "recorded 3 working days after the event; the standard is 2"
        );
    }

    #[test]
    fn what_changed_names_the_parts() {
        let before = content();
        let mut after = content();
        after.narrative.push_str(" More.");
        after.children.reverse();
        assert_eq!(what_changed(&before, &after), ["Note"]);
        after.significant = false;
        assert_eq!(what_changed(&before, &after), ["Note", "Significant event"]);
    }

    #[test]
    fn a_reason_is_required() {
        let mut e = FieldErrors::new();
        assert_eq!(validate_reason("  ", &mut e), None);
        assert_eq!(
            e.for_field("reason"),
            Some("Enter the reason for the amendment")
        );
    }
}
