//! Timescale profiles: the statutory and local timescales that casework is measured against,
//! versioned by the date they took effect, and the due dates they give — each with the
//! sentence that explains how it was computed, so nobody has to trust a date they cannot check.
//!
//! Statutory timescales count working days by the "day 0" convention (the event is day 0 and
//! the deadline is the Nth working day after it), over England and Wales bank holidays only:
//! an authority's own closure days never move a statutory date.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::validation::FieldErrors;

/// How assessments were organised under a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum AssessmentModel {
    /// From 15 April 2013: one assessment within N working days of the referral.
    Single { working_days: u32 },
    /// 2000–2013: an initial assessment within N working days of the referral, then where
    /// needed a core assessment within M working days of its own start.
    InitialAndCore {
        initial_working_days: u32,
        core_working_days: u32,
    },
}

/// One version of the timescales. The version in force for a piece of work is the one with
/// the latest `effective_from` on or before the episode's referral date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimescaleProfile {
    pub name: String,
    pub effective_from: NaiveDate,
    pub assessment: AssessmentModel,
    /// ICPC within this many working days of the strategy discussion that started the s47.
    pub icpc_working_days: u32,
    /// First review conference within this many months of the ICPC.
    pub first_review_months: u32,
    /// Later review conferences at most this many months apart.
    pub review_interval_months: u32,
    /// First core group within this many working days of the ICPC.
    pub core_group_working_days: u32,
    /// Local rule: visits to a child on a CP plan at least every N working days.
    pub cp_visit_working_days: u32,
    /// Local rule: visits to a child on a CIN plan at least every N working days.
    pub cin_visit_working_days: u32,
    /// Local rule: CIN plans reviewed at least every N months.
    pub cin_review_months: u32,
}

/// A due date and how it was worked out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    pub date: NaiveDate,
    /// "45 working days from the referral on Wed 1 May 2024 (Working Together 2013 onwards)".
    pub basis: String,
}

impl Due {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        today > self.date
    }
}

/// What a due date runs from; the label appears in the explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Since<'a> {
    pub label: &'a str,
    pub date: NaiveDate,
}

fn day(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl TimescaleProfile {
    /// The profile in force on `date`: the latest `effective_from` on or before it, or the
    /// earliest profile for dates before any (old records keep the oldest rules known).
    pub fn in_force(profiles: &[TimescaleProfile], date: NaiveDate) -> Option<&TimescaleProfile> {
        profiles
            .iter()
            .filter(|p| p.effective_from <= date)
            .max_by_key(|p| p.effective_from)
            .or_else(|| profiles.iter().min_by_key(|p| p.effective_from))
    }

    fn working_days_from(&self, calendar: &Calendar, n: u32, from: Since<'_>) -> Due {
        // A date the calendar cannot step past (year 9999) is not a real deadline; keep the
        // start date rather than fail the whole page.
        let date = calendar.add_working_days(from.date, n).unwrap_or(from.date);
        Due {
            date,
            basis: format!(
                "{} from the {} on {} ({}; weekends and bank holidays not counted)",
                plural(n, "working day", "working days"),
                from.label,
                day(from.date),
                self.name
            ),
        }
    }

    fn months_from(&self, n: u32, from: Since<'_>) -> Due {
        let date = from
            .date
            .checked_add_months(Months::new(n))
            .unwrap_or(from.date);
        Due {
            date,
            basis: format!(
                "{} from the {} on {} ({})",
                plural(n, "month", "months"),
                from.label,
                day(from.date),
                self.name
            ),
        }
    }

    /// When an assessment of `kind` must be authorised. A single or initial assessment runs
    /// from the referral; a core assessment from its own start.
    pub fn assessment_due(
        &self,
        calendar: &Calendar,
        kind: crate::casework::AssessmentKind,
        referral_date: NaiveDate,
        started_on: NaiveDate,
    ) -> Due {
        use crate::casework::AssessmentKind as K;
        let referral = Since {
            label: "referral",
            date: referral_date,
        };
        match (kind, self.assessment) {
            (
                K::Core,
                AssessmentModel::InitialAndCore {
                    core_working_days, ..
                },
            ) => self.working_days_from(
                calendar,
                core_working_days,
                Since {
                    label: "start of the core assessment",
                    date: started_on,
                },
            ),
            (
                _,
                AssessmentModel::InitialAndCore {
                    initial_working_days,
                    ..
                },
            ) => self.working_days_from(calendar, initial_working_days, referral),
            (_, AssessmentModel::Single { working_days }) => {
                self.working_days_from(calendar, working_days, referral)
            }
        }
    }

    /// The initial child protection conference target (census `InitialCPCtarget`).
    pub fn icpc_due(&self, calendar: &Calendar, strategy_discussion: NaiveDate) -> Due {
        self.working_days_from(
            calendar,
            self.icpc_working_days,
            Since {
                label: "strategy discussion that started the section 47 enquiry",
                date: strategy_discussion,
            },
        )
    }

    pub fn first_core_group_due(&self, calendar: &Calendar, icpc: NaiveDate) -> Due {
        self.working_days_from(
            calendar,
            self.core_group_working_days,
            Since {
                label: "initial child protection conference",
                date: icpc,
            },
        )
    }

    /// The next review conference: within the first-review months of the ICPC, then at most
    /// the review interval after the latest review.
    pub fn review_conference_due(&self, icpc: NaiveDate, latest_review: Option<NaiveDate>) -> Due {
        match latest_review {
            None => self.months_from(
                self.first_review_months,
                Since {
                    label: "initial child protection conference",
                    date: icpc,
                },
            ),
            Some(review) => self.months_from(
                self.review_interval_months,
                Since {
                    label: "last review conference",
                    date: review,
                },
            ),
        }
    }

    /// The next statutory visit on a plan: the frequency counted from the latest visit in
    /// which the child was seen, or from the plan's start if there has been none.
    pub fn visit_due(
        &self,
        calendar: &Calendar,
        plan: PlanKind,
        plan_start: NaiveDate,
        latest_visit: Option<NaiveDate>,
    ) -> Due {
        let n = match plan {
            PlanKind::ChildProtection => self.cp_visit_working_days,
            PlanKind::ChildInNeed => self.cin_visit_working_days,
        };
        let from = match latest_visit {
            Some(date) if date >= plan_start => Since {
                label: "last visit with the child seen",
                date,
            },
            _ => Since {
                label: plan.start_label(),
                date: plan_start,
            },
        };
        self.working_days_from(calendar, n, from)
    }

    pub fn cin_review_due(&self, plan_start: NaiveDate, latest_review: Option<NaiveDate>) -> Due {
        let from = match latest_review {
            Some(date) => Since {
                label: "last child in need plan review",
                date,
            },
            None => Since {
                label: "start of the child in need plan",
                date: plan_start,
            },
        };
        self.months_from(self.cin_review_months, from)
    }

    /// Checks a profile typed by an administrator; every number must be a sensible positive
    /// count, so a blank or zero never silently makes everything overdue.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.name.trim().is_empty() {
            errors.push("name", "Enter a name for this version");
        }
        let mut check = |field: &str, label: &str, n: u32, max: u32| {
            if n == 0 || n > max {
                errors.push(field, format!("{label} must be between 1 and {max}"));
            }
        };
        match self.assessment {
            AssessmentModel::Single { working_days } => check(
                "single_assessment_working_days",
                "Single assessment working days",
                working_days,
                200,
            ),
            AssessmentModel::InitialAndCore {
                initial_working_days,
                core_working_days,
            } => {
                check(
                    "initial_assessment_working_days",
                    "Initial assessment working days",
                    initial_working_days,
                    200,
                );
                check(
                    "core_assessment_working_days",
                    "Core assessment working days",
                    core_working_days,
                    200,
                );
            }
        }
        check(
            "icpc_working_days",
            "Conference working days",
            self.icpc_working_days,
            100,
        );
        check(
            "first_review_months",
            "First review months",
            self.first_review_months,
            24,
        );
        check(
            "review_interval_months",
            "Review interval months",
            self.review_interval_months,
            24,
        );
        check(
            "core_group_working_days",
            "First core group working days",
            self.core_group_working_days,
            100,
        );
        check(
            "cp_visit_working_days",
            "Child protection visit working days",
            self.cp_visit_working_days,
            100,
        );
        check(
            "cin_visit_working_days",
            "Child in need visit working days",
            self.cin_visit_working_days,
            100,
        );
        check(
            "cin_review_months",
            "Child in need review months",
            self.cin_review_months,
            24,
        );
        errors.into_result(())
    }
}

/// Which plan a visit frequency belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    ChildProtection,
    ChildInNeed,
}

impl PlanKind {
    const fn start_label(&self) -> &'static str {
        match self {
            Self::ChildProtection => "start of the child protection plan",
            Self::ChildInNeed => "start of the child in need plan",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::casework::AssessmentKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn current() -> TimescaleProfile {
        TimescaleProfile {
            name: "Working Together 2013 onwards".into(),
            effective_from: d(2013, 4, 15),
            assessment: AssessmentModel::Single { working_days: 45 },
            icpc_working_days: 15,
            first_review_months: 3,
            review_interval_months: 6,
            core_group_working_days: 10,
            cp_visit_working_days: 10,
            cin_visit_working_days: 20,
            cin_review_months: 3,
        }
    }

    fn wt2006() -> TimescaleProfile {
        TimescaleProfile {
            name: "Working Together 2006".into(),
            effective_from: d(2006, 4, 1),
            assessment: AssessmentModel::InitialAndCore {
                initial_working_days: 7,
                core_working_days: 35,
            },
            ..current()
        }
    }

    fn wt2010() -> TimescaleProfile {
        TimescaleProfile {
            name: "Working Together 2010".into(),
            effective_from: d(2010, 4, 1),
            assessment: AssessmentModel::InitialAndCore {
                initial_working_days: 10,
                core_working_days: 35,
            },
            ..current()
        }
    }

    #[test]
    fn the_domain_examples_hold() {
        let cal = Calendar::england_and_wales();
        let p = current();
        // Referral Wed 1 May 2024 + 45 WD → Fri 5 Jul 2024 (bank holidays 6 and 27 May).
        let due = p.assessment_due(&cal, AssessmentKind::Single, d(2024, 5, 1), d(2024, 5, 2));
        assert_eq!(due.date, d(2024, 7, 5));
        assert!(
            due.basis
                .starts_with("45 working days from the referral on Wed 1 May 2024")
        );
        // S47 start Fri 3 May 2024 + 15 WD → Tue 28 May 2024.
        assert_eq!(p.icpc_due(&cal, d(2024, 5, 3)).date, d(2024, 5, 28));
    }

    #[test]
    fn the_profile_in_force_follows_the_referral_date() {
        let profiles = vec![current(), wt2006(), wt2010()];
        let at = |date| TimescaleProfile::in_force(&profiles, date).map(|p| p.name.clone());
        assert_eq!(at(d(2009, 6, 1)).as_deref(), Some("Working Together 2006"));
        assert_eq!(at(d(2010, 4, 1)).as_deref(), Some("Working Together 2010"));
        assert_eq!(at(d(2013, 4, 14)).as_deref(), Some("Working Together 2010"));
        assert_eq!(
            at(d(2013, 4, 15)).as_deref(),
            Some("Working Together 2013 onwards")
        );
        assert_eq!(at(d(2001, 1, 1)).as_deref(), Some("Working Together 2006"));
        assert!(TimescaleProfile::in_force(&[], d(2020, 1, 1)).is_none());
    }

    #[test]
    fn the_2009_regime_has_initial_and_core_targets() {
        let cal = Calendar::england_and_wales();
        let p = wt2006();
        // Referral Mon 2 Mar 2009 + 7 WD → Wed 11 Mar 2009.
        let initial = p.assessment_due(&cal, AssessmentKind::Initial, d(2009, 3, 2), d(2009, 3, 2));
        assert_eq!(initial.date, d(2009, 3, 11));
        // A core assessment runs 35 WD from its own start, Thu 12 Mar 2009: Good Friday
        // (10 Apr), Easter Monday (13 Apr) and the early May bank holiday (4 May) are not
        // counted, so the 35th working day is Tue 5 May 2009.
        let core = p.assessment_due(&cal, AssessmentKind::Core, d(2009, 3, 2), d(2009, 3, 12));
        assert_eq!(core.date, d(2009, 5, 5));
        assert!(core.basis.contains("start of the core assessment"));
        let initial_2010 =
            wt2010().assessment_due(&cal, AssessmentKind::Initial, d(2010, 6, 1), d(2010, 6, 1));
        assert_eq!(initial_2010.date, d(2010, 6, 15));
    }

    #[test]
    fn reviews_are_three_months_then_six() {
        let p = current();
        let icpc = d(2024, 5, 28);
        assert_eq!(p.review_conference_due(icpc, None).date, d(2024, 8, 28));
        assert_eq!(
            p.review_conference_due(icpc, Some(d(2024, 8, 20))).date,
            d(2025, 2, 20)
        );
        assert!(
            p.review_conference_due(icpc, None)
                .basis
                .contains("3 months")
        );
    }

    #[test]
    fn visits_run_from_the_latest_visit_or_the_plan_start() {
        let cal = Calendar::england_and_wales();
        let p = current();
        let start = d(2024, 5, 28);
        let first = p.visit_due(&cal, PlanKind::ChildProtection, start, None);
        assert_eq!(first.date, d(2024, 6, 11));
        assert!(first.basis.contains("start of the child protection plan"));
        let next = p.visit_due(&cal, PlanKind::ChildInNeed, start, Some(d(2024, 6, 3)));
        assert_eq!(next.date, d(2024, 7, 1));
        // A visit before the plan started does not count towards it.
        let stale = p.visit_due(&cal, PlanKind::ChildProtection, start, Some(d(2024, 5, 1)));
        assert_eq!(stale.date, first.date);
        assert!(first.is_overdue(d(2024, 6, 12)));
        assert!(!first.is_overdue(d(2024, 6, 11)));
    }

    #[test]
    fn a_zero_or_blank_timescale_is_refused() {
        let mut p = current();
        p.cp_visit_working_days = 0;
        p.name = " ".into();
        let errors = p.validate().expect_err("invalid");
        assert!(errors.for_field("cp_visit_working_days").is_some());
        assert!(errors.for_field("name").is_some());
        assert!(current().validate().is_ok());
    }
}
