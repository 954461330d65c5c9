//! When a worker's next supervision is due under the recording standards.
//!
//! A newly qualified worker is supervised weekly for their first weeks, then fortnightly until
//! some months after qualifying, then like everyone else at the standard interval. The
//! frequency that applies is the one in force on the day the interval starts (the last session,
//! or the worker's start when there has been none), so a due date never moves once set.

use chrono::{Days, Months, NaiveDate};
use serde::Serialize;

use super::standards::RecordingStandards;

/// How often a worker is to be supervised at a point in their career.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Weekly,
    Fortnightly,
    /// The standard interval for every worker.
    Standard,
}

impl Frequency {
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Weekly => "Weekly (newly qualified)",
            Self::Fortnightly => "Fortnightly (newly qualified)",
            Self::Standard => "Standard",
        }
    }
}

/// The frequency on `on` for a worker newly qualified from `newly_qualified_from` (None for
/// a worker who is not newly qualified).
pub fn frequency_on(
    s: &RecordingStandards,
    newly_qualified_from: Option<NaiveDate>,
    on: NaiveDate,
) -> Frequency {
    let Some(from) = newly_qualified_from.filter(|from| *from <= on) else {
        return Frequency::Standard;
    };
    let weekly_until =
        from.checked_add_days(Days::new(u64::from(s.newly_qualified_weekly_weeks) * 7));
    let fortnightly_until =
        from.checked_add_months(Months::new(s.newly_qualified_fortnightly_months));
    if weekly_until.is_some_and(|until| on < until) {
        Frequency::Weekly
    } else if fortnightly_until.is_some_and(|until| on < until) {
        Frequency::Fortnightly
    } else {
        Frequency::Standard
    }
}

/// Days between sessions at a frequency.
pub fn interval_days(s: &RecordingStandards, frequency: Frequency) -> u32 {
    match frequency {
        Frequency::Weekly => 7,
        Frequency::Fortnightly => 14,
        Frequency::Standard => s.supervision_interval_days,
    }
}

/// When the next session is due, and why then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupervisionDueDate {
    pub date: NaiveDate,
    pub frequency: Frequency,
    /// "14 days after the last session on Mon 2 Mar 2026 (fortnightly while newly qualified)".
    pub basis: String,
}

impl SupervisionDueDate {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        today > self.date
    }

    /// Calendar days past the due date; 0 when not overdue.
    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        (today - self.date).num_days().max(0)
    }
}

fn day(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// The next session's due date: the interval of the frequency in force on the last session
/// (or, with none, on `start`: when the worker started or their account was made), counted
/// from that day.
pub fn next_due(
    s: &RecordingStandards,
    newly_qualified_from: Option<NaiveDate>,
    last_session: Option<NaiveDate>,
    start: NaiveDate,
) -> SupervisionDueDate {
    let (from, label) = match last_session {
        Some(last) => (last, "the last session"),
        None => (
            start,
            "the start of their supervision record, with no session since",
        ),
    };
    let frequency = frequency_on(s, newly_qualified_from, from);
    let days = interval_days(s, frequency);
    // A date the calendar cannot reach (year 9999) is not a real deadline; keep the start.
    let date = from
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(from);
    let why = match frequency {
        Frequency::Weekly => "weekly while newly qualified",
        Frequency::Fortnightly => "fortnightly while newly qualified",
        Frequency::Standard => "the standard interval",
    };
    SupervisionDueDate {
        date,
        frequency,
        basis: format!("{days} days after {label} on {} ({why})", day(from)),
    }
}

/// The warning shown when a session was shorter than the standard's minimum.
pub fn duration_warning(s: &RecordingStandards, minutes: u32) -> Option<String> {
    (minutes < s.supervision_minimum_minutes).then(|| {
        format!(
            "This session lasted {minutes} minutes: the standard is at least {} minutes.",
            s.supervision_minimum_minutes
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    /// Weekly for 6 weeks, fortnightly to 6 months, then every 31 days.
    fn standards() -> RecordingStandards {
        RecordingStandards::defaults()
    }

    #[test]
    fn a_newly_qualified_worker_goes_weekly_then_fortnightly_then_monthly() {
        let s = standards();
        let nq = Some(d(2026, 1, 5));
        assert_eq!(frequency_on(&s, nq, d(2026, 1, 5)), Frequency::Weekly);
        // Six weeks end on 16 February.
        assert_eq!(frequency_on(&s, nq, d(2026, 2, 15)), Frequency::Weekly);
        assert_eq!(frequency_on(&s, nq, d(2026, 2, 16)), Frequency::Fortnightly);
        // Six months end on 5 July.
        assert_eq!(frequency_on(&s, nq, d(2026, 7, 4)), Frequency::Fortnightly);
        assert_eq!(frequency_on(&s, nq, d(2026, 7, 5)), Frequency::Standard);
        // Someone not newly qualified, or before they qualified, is on the standard.
        assert_eq!(frequency_on(&s, None, d(2026, 1, 5)), Frequency::Standard);
        assert_eq!(frequency_on(&s, nq, d(2025, 12, 1)), Frequency::Standard);
    }

    #[test]
    fn the_next_session_is_due_from_the_last_at_its_frequency() {
        let s = standards();
        let nq = Some(d(2026, 1, 5));
        let weekly = next_due(&s, nq, Some(d(2026, 1, 20)), d(2026, 1, 5));
        assert_eq!(weekly.date, d(2026, 1, 27));
        assert_eq!(weekly.frequency, Frequency::Weekly);
        let fortnightly = next_due(&s, nq, Some(d(2026, 3, 2)), d(2026, 1, 5));
        assert_eq!(fortnightly.date, d(2026, 3, 16));
        assert!(
            fortnightly.basis.contains("Mon 2 Mar 2026"),
            "{}",
            fortnightly.basis
        );
        let monthly = next_due(&s, nq, Some(d(2026, 7, 10)), d(2026, 1, 5));
        assert_eq!(monthly.date, d(2026, 8, 10));
        assert_eq!(monthly.frequency, Frequency::Standard);
        assert!(monthly.is_overdue(d(2026, 8, 11)));
        assert!(!monthly.is_overdue(d(2026, 8, 10)));
        assert_eq!(monthly.days_overdue(d(2026, 8, 13)), 3);
    }

    #[test]
    fn with_no_session_the_interval_runs_from_the_start() {
        let s = standards();
        let never = next_due(&s, None, None, d(2026, 1, 1));
        assert_eq!(never.date, d(2026, 2, 1));
        assert!(never.basis.contains("no session since"));
        let new_nq = next_due(&s, Some(d(2026, 1, 1)), None, d(2026, 1, 1));
        assert_eq!(new_nq.date, d(2026, 1, 8));
    }

    #[test]
    fn the_phases_follow_the_standards() {
        let s = RecordingStandards {
            newly_qualified_weekly_weeks: 0,
            newly_qualified_fortnightly_months: 0,
            supervision_interval_days: 28,
            ..standards()
        };
        let nq = Some(d(2026, 1, 5));
        assert_eq!(frequency_on(&s, nq, d(2026, 1, 5)), Frequency::Standard);
        assert_eq!(
            next_due(&s, nq, Some(d(2026, 1, 5)), d(2026, 1, 5)).date,
            d(2026, 2, 2)
        );
    }

    #[test]
    fn a_short_session_is_warned_about() {
        let s = standards();
        assert!(duration_warning(&s, 60).is_some_and(|w| w.contains("90 minutes")));
        assert_eq!(duration_warning(&s, 90), None);
    }
}
