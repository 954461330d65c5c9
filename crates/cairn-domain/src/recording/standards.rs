//! The recording standards in force: note recording delay, oversight interval and points, and
//! supervision frequency.
//!
//! Standards are versioned like the timescale profiles: a version is never changed, and the
//! one in force on a day is the one with the latest `effective_from` on or before it.

use chrono::NaiveDate;
use serde::Serialize;

use super::OversightPoint;
use crate::calendar::Calendar;
use crate::casework::timescales::Due;
use crate::validation::FieldErrors;

/// The points at which a management decision may be required. "Regular oversight" and "Other
/// decision" are kinds of record, never a required point.
pub const REQUIRABLE_POINTS: &[OversightPoint] = &[
    OversightPoint::Allocation,
    OversightPoint::AssessmentAuthorisation,
    OversightPoint::Section47Decision,
    OversightPoint::PlanStart,
    OversightPoint::Closure,
    OversightPoint::StepDown,
];

/// One version of the recording standards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordingStandards {
    pub name: String,
    pub effective_from: NaiveDate,
    /// A note is on time when recorded within this many working days of the event (0: the
    /// same working day).
    pub note_delay_working_days: u32,
    /// An open case needs a management decision at least every this many working days.
    pub oversight_interval_working_days: u32,
    /// The points at which a management decision is required, in list order.
    pub oversight_points: Vec<OversightPoint>,
    /// A newly qualified worker is supervised weekly for this many weeks (0: no weekly phase)…
    pub newly_qualified_weekly_weeks: u32,
    /// …then fortnightly until this many months after qualifying (0: no fortnightly phase)…
    pub newly_qualified_fortnightly_months: u32,
    /// …then, like everyone else, at least every this many days.
    pub supervision_interval_days: u32,
    /// A session shorter than this many minutes is recorded with a warning.
    pub supervision_minimum_minutes: u32,
}

impl RecordingStandards {
    /// The defaults every authority starts with (the built-in version in the migration).
    pub fn defaults() -> RecordingStandards {
        RecordingStandards {
            name: "Cairn default recording standards".into(),
            effective_from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
            note_delay_working_days: 2,
            oversight_interval_working_days: 20,
            oversight_points: REQUIRABLE_POINTS.to_vec(),
            newly_qualified_weekly_weeks: 6,
            newly_qualified_fortnightly_months: 6,
            supervision_interval_days: 31,
            supervision_minimum_minutes: 90,
        }
    }

    /// The version in force on `date`: the latest `effective_from` on or before it, or the
    /// earliest version for dates before any (old records keep the oldest standards known).
    pub fn in_force(
        versions: &[RecordingStandards],
        date: NaiveDate,
    ) -> Option<&RecordingStandards> {
        versions
            .iter()
            .filter(|v| v.effective_from <= date)
            .max_by_key(|v| v.effective_from)
            .or_else(|| versions.iter().min_by_key(|v| v.effective_from))
    }

    /// When the next management decision on an open case is due: the interval in working
    /// days from the latest decision made since the referral, or from the referral itself
    /// when there has been none.
    pub fn oversight_due(
        &self,
        calendar: &Calendar,
        referral_date: NaiveDate,
        latest_decision: Option<NaiveDate>,
    ) -> Due {
        let n = self.oversight_interval_working_days;
        let (from, label) = match latest_decision {
            Some(d) if d >= referral_date => (d, "last management decision"),
            _ => (referral_date, "referral (no management decision since)"),
        };
        // A date the calendar cannot step past (year 9999) is not a real deadline.
        let date = calendar.add_working_days(from, n).unwrap_or(from);
        Due {
            date,
            basis: format!(
                "{n} working days from the {label} on {} ({}; weekends and bank holidays not counted)",
                from.format("%a %-d %b %Y"),
                self.name
            ),
        }
    }

    /// Whether a management decision is required at `point`.
    pub fn requires(&self, point: OversightPoint) -> bool {
        self.oversight_points.contains(&point)
    }

    /// Checks a version typed by an administrator. A count that can only be a mistake (a
    /// zero interval would make every case overdue at once) is refused against its field.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.name.trim().is_empty() {
            errors.push("name", "Enter a name for this version");
        }
        let mut check = |field: &str, label: &str, n: u32, min: u32, max: u32| {
            if n < min || n > max {
                errors.push(field, format!("{label} must be between {min} and {max}"));
            }
        };
        check(
            "note_delay_working_days",
            "Note recording working days",
            self.note_delay_working_days,
            0,
            30,
        );
        check(
            "oversight_interval_working_days",
            "Oversight interval working days",
            self.oversight_interval_working_days,
            1,
            130,
        );
        check(
            "newly_qualified_weekly_weeks",
            "Weekly supervision weeks",
            self.newly_qualified_weekly_weeks,
            0,
            52,
        );
        check(
            "newly_qualified_fortnightly_months",
            "Fortnightly supervision months",
            self.newly_qualified_fortnightly_months,
            0,
            36,
        );
        check(
            "supervision_interval_days",
            "Supervision interval days",
            self.supervision_interval_days,
            1,
            183,
        );
        check(
            "supervision_minimum_minutes",
            "Minimum supervision minutes",
            self.supervision_minimum_minutes,
            1,
            480,
        );
        if self
            .oversight_points
            .iter()
            .any(|p| !REQUIRABLE_POINTS.contains(p))
        {
            errors.push(
                "oversight_points",
                "Regular oversight and other decisions cannot be required points",
            );
        }
        // The fortnightly phase follows the weekly one, so it must last at least as long.
        let weekly_days = u64::from(self.newly_qualified_weekly_weeks) * 7;
        let fortnightly_days = u64::from(self.newly_qualified_fortnightly_months) * 31;
        if self.newly_qualified_fortnightly_months > 0 && fortnightly_days < weekly_days {
            errors.push(
                "newly_qualified_fortnightly_months",
                "Fortnightly supervision must run until after the weekly weeks have ended",
            );
        }
        errors.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn the_defaults_are_valid_and_match_the_issue() {
        let s = RecordingStandards::defaults();
        assert!(s.validate().is_ok());
        assert_eq!(s.note_delay_working_days, 2);
        assert_eq!(s.oversight_interval_working_days, 20);
        assert!(s.requires(OversightPoint::StepDown));
        assert!(!s.requires(OversightPoint::Periodic));
    }

    #[test]
    fn oversight_is_due_twenty_working_days_after_the_last_decision() {
        let s = RecordingStandards::defaults();
        let cal = Calendar::england_and_wales();
        // Referral Wed 1 May 2024; 20 working days skip the bank holidays of 6 and 27 May.
        let none = s.oversight_due(&cal, d(2024, 5, 1), None);
        assert_eq!(none.date, d(2024, 5, 31));
        assert!(
            none.basis.contains("no management decision"),
            "{}",
            none.basis
        );
        // A decision before this referral (an earlier episode) does not count.
        assert_eq!(
            s.oversight_due(&cal, d(2024, 5, 1), Some(d(2024, 1, 2)))
                .date,
            none.date
        );
        let after = s.oversight_due(&cal, d(2024, 5, 1), Some(d(2024, 6, 3)));
        assert_eq!(after.date, d(2024, 7, 1));
        assert!(after.is_overdue(d(2024, 7, 2)));
    }

    #[test]
    fn zero_intervals_and_unrequirable_points_are_refused() {
        let s = RecordingStandards {
            name: " ".into(),
            oversight_interval_working_days: 0,
            supervision_interval_days: 0,
            supervision_minimum_minutes: 0,
            oversight_points: vec![OversightPoint::Periodic],
            ..RecordingStandards::defaults()
        };
        let errors = s.validate().expect_err("invalid");
        for field in [
            "name",
            "oversight_interval_working_days",
            "supervision_interval_days",
            "supervision_minimum_minutes",
            "oversight_points",
        ] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
        // A same-day note standard and no newly qualified phases are real choices.
        let lenient = RecordingStandards {
            note_delay_working_days: 0,
            newly_qualified_weekly_weeks: 0,
            newly_qualified_fortnightly_months: 0,
            oversight_points: vec![],
            ..RecordingStandards::defaults()
        };
        assert!(lenient.validate().is_ok());
    }

    #[test]
    fn a_fortnightly_phase_shorter_than_the_weekly_one_is_refused() {
        let s = RecordingStandards {
            newly_qualified_weekly_weeks: 10,
            newly_qualified_fortnightly_months: 1,
            ..RecordingStandards::defaults()
        };
        let errors = s.validate().expect_err("invalid");
        assert!(
            errors
                .for_field("newly_qualified_fortnightly_months")
                .is_some()
        );
    }

    #[test]
    fn the_version_in_force_is_the_latest_before_the_day() {
        let old = RecordingStandards::defaults();
        let new = RecordingStandards {
            name: "2025".into(),
            effective_from: d(2025, 4, 1),
            oversight_interval_working_days: 15,
            ..RecordingStandards::defaults()
        };
        let all = vec![new, old];
        let at = |date| RecordingStandards::in_force(&all, date).map(|s| s.name.clone());
        assert_eq!(
            at(d(2025, 3, 31)).as_deref(),
            Some("Cairn default recording standards")
        );
        assert_eq!(at(d(2025, 4, 1)).as_deref(), Some("2025"));
        assert_eq!(
            at(d(1999, 1, 1)).as_deref(),
            Some("Cairn default recording standards")
        );
        assert!(RecordingStandards::in_force(&[], d(2020, 1, 1)).is_none());
    }
}
