//! The working-day calendar against the published bank holiday list, the worked examples in
//! the domain reference (§1.6, §8.4) and properties of the day-0 and inclusive conventions.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use cairn_domain::calendar::{Calendar, CalendarError, WorkingHours};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday, Weekday::*};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn cal() -> Calendar {
    Calendar::england_and_wales()
}

type YearTable = (i32, &'static [(u32, u32, Weekday)]);

/// Domain reference §8.3, transcribed as (month, day, weekday as printed). 2012–2027 are
/// the gov.uk list; the other years are the document's own rule computation.
const PUBLISHED: &[YearTable] = &[
    (
        2005,
        &[
            (1, 3, Mon),   // New Year (subst.)
            (3, 25, Fri),  // Good Fri
            (3, 28, Mon),  // Easter Mon
            (5, 2, Mon),   // Early May
            (5, 30, Mon),  // Spring
            (8, 29, Mon),  // Summer
            (12, 26, Mon), // Boxing Day
            (12, 27, Tue), // Christmas (subst.)
        ],
    ),
    (
        2006,
        &[
            (1, 2, Mon),   // New Year (subst.)
            (4, 14, Fri),  // Good Fri
            (4, 17, Mon),  // Easter Mon
            (5, 1, Mon),   // Early May
            (5, 29, Mon),  // Spring
            (8, 28, Mon),  // Summer
            (12, 25, Mon), // Christmas
            (12, 26, Tue), // Boxing Day
        ],
    ),
    (
        2007,
        &[
            (1, 1, Mon),   // New Year
            (4, 6, Fri),   // Good Fri
            (4, 9, Mon),   // Easter Mon
            (5, 7, Mon),   // Early May
            (5, 28, Mon),  // Spring
            (8, 27, Mon),  // Summer
            (12, 25, Tue), // Christmas
            (12, 26, Wed), // Boxing Day
        ],
    ),
    (
        2008,
        &[
            (1, 1, Tue),   // New Year
            (3, 21, Fri),  // Good Fri
            (3, 24, Mon),  // Easter Mon
            (5, 5, Mon),   // Early May
            (5, 26, Mon),  // Spring
            (8, 25, Mon),  // Summer
            (12, 25, Thu), // Christmas
            (12, 26, Fri), // Boxing Day
        ],
    ),
    (
        2009,
        &[
            (1, 1, Thu),   // New Year
            (4, 10, Fri),  // Good Fri
            (4, 13, Mon),  // Easter Mon
            (5, 4, Mon),   // Early May
            (5, 25, Mon),  // Spring
            (8, 31, Mon),  // Summer
            (12, 25, Fri), // Christmas
            (12, 28, Mon), // Boxing Day (subst.)
        ],
    ),
    (
        2010,
        &[
            (1, 1, Fri),   // New Year
            (4, 2, Fri),   // Good Fri
            (4, 5, Mon),   // Easter Mon
            (5, 3, Mon),   // Early May
            (5, 31, Mon),  // Spring
            (8, 30, Mon),  // Summer
            (12, 27, Mon), // Christmas (subst.)
            (12, 28, Tue), // Boxing Day (subst.)
        ],
    ),
    (
        2011,
        &[
            (1, 3, Mon),   // New Year (subst.)
            (4, 22, Fri),  // Good Fri
            (4, 25, Mon),  // Easter Mon
            (4, 29, Fri),  // Royal Wedding (extra)
            (5, 2, Mon),   // Early May
            (5, 30, Mon),  // Spring
            (8, 29, Mon),  // Summer
            (12, 26, Mon), // Boxing Day
            (12, 27, Tue), // Christmas (subst.)
        ],
    ),
    (
        2012,
        &[
            (1, 2, Mon),   // New Year (subst.)
            (4, 6, Fri),   // Good Fri
            (4, 9, Mon),   // Easter Mon
            (5, 7, Mon),   // Early May
            (6, 4, Mon),   // Spring (moved)
            (6, 5, Tue),   // Queen's Diamond Jubilee (extra)
            (8, 27, Mon),  // Summer
            (12, 25, Tue), // Christmas
            (12, 26, Wed), // Boxing Day
        ],
    ),
    (
        2013,
        &[
            (1, 1, Tue),   // New Year
            (3, 29, Fri),  // Good Fri
            (4, 1, Mon),   // Easter Mon
            (5, 6, Mon),   // Early May
            (5, 27, Mon),  // Spring
            (8, 26, Mon),  // Summer
            (12, 25, Wed), // Christmas
            (12, 26, Thu), // Boxing Day
        ],
    ),
    (
        2014,
        &[
            (1, 1, Wed),   // New Year
            (4, 18, Fri),  // Good Fri
            (4, 21, Mon),  // Easter Mon
            (5, 5, Mon),   // Early May
            (5, 26, Mon),  // Spring
            (8, 25, Mon),  // Summer
            (12, 25, Thu), // Christmas
            (12, 26, Fri), // Boxing Day
        ],
    ),
    (
        2015,
        &[
            (1, 1, Thu),   // New Year
            (4, 3, Fri),   // Good Fri
            (4, 6, Mon),   // Easter Mon
            (5, 4, Mon),   // Early May
            (5, 25, Mon),  // Spring
            (8, 31, Mon),  // Summer
            (12, 25, Fri), // Christmas
            (12, 28, Mon), // Boxing Day (subst.)
        ],
    ),
    (
        2016,
        &[
            (1, 1, Fri),   // New Year
            (3, 25, Fri),  // Good Fri
            (3, 28, Mon),  // Easter Mon
            (5, 2, Mon),   // Early May
            (5, 30, Mon),  // Spring
            (8, 29, Mon),  // Summer
            (12, 26, Mon), // Boxing Day
            (12, 27, Tue), // Christmas (subst.)
        ],
    ),
    (
        2017,
        &[
            (1, 2, Mon),   // New Year (subst.)
            (4, 14, Fri),  // Good Fri
            (4, 17, Mon),  // Easter Mon
            (5, 1, Mon),   // Early May
            (5, 29, Mon),  // Spring
            (8, 28, Mon),  // Summer
            (12, 25, Mon), // Christmas
            (12, 26, Tue), // Boxing Day
        ],
    ),
    (
        2018,
        &[
            (1, 1, Mon),   // New Year
            (3, 30, Fri),  // Good Fri
            (4, 2, Mon),   // Easter Mon
            (5, 7, Mon),   // Early May
            (5, 28, Mon),  // Spring
            (8, 27, Mon),  // Summer
            (12, 25, Tue), // Christmas
            (12, 26, Wed), // Boxing Day
        ],
    ),
    (
        2019,
        &[
            (1, 1, Tue),   // New Year
            (4, 19, Fri),  // Good Fri
            (4, 22, Mon),  // Easter Mon
            (5, 6, Mon),   // Early May
            (5, 27, Mon),  // Spring
            (8, 26, Mon),  // Summer
            (12, 25, Wed), // Christmas
            (12, 26, Thu), // Boxing Day
        ],
    ),
    (
        2020,
        &[
            (1, 1, Wed),   // New Year
            (4, 10, Fri),  // Good Fri
            (4, 13, Mon),  // Easter Mon
            (5, 8, Fri),   // Early May moved to Fri 8 May (VE Day 75)
            (5, 25, Mon),  // Spring
            (8, 31, Mon),  // Summer
            (12, 25, Fri), // Christmas
            (12, 28, Mon), // Boxing Day (subst.)
        ],
    ),
    (
        2021,
        &[
            (1, 1, Fri),   // New Year
            (4, 2, Fri),   // Good Fri
            (4, 5, Mon),   // Easter Mon
            (5, 3, Mon),   // Early May
            (5, 31, Mon),  // Spring
            (8, 30, Mon),  // Summer
            (12, 27, Mon), // Christmas (subst.)
            (12, 28, Tue), // Boxing Day (subst.)
        ],
    ),
    (
        2022,
        &[
            (1, 3, Mon),   // New Year (subst.)
            (4, 15, Fri),  // Good Fri
            (4, 18, Mon),  // Easter Mon
            (5, 2, Mon),   // Early May
            (6, 2, Thu),   // Spring (moved)
            (6, 3, Fri),   // Platinum Jubilee (extra)
            (8, 29, Mon),  // Summer
            (9, 19, Mon),  // State Funeral of Queen Elizabeth II (extra)
            (12, 26, Mon), // Boxing Day
            (12, 27, Tue), // Christmas (subst.)
        ],
    ),
    (
        2023,
        &[
            (1, 2, Mon),   // New Year (subst.)
            (4, 7, Fri),   // Good Fri
            (4, 10, Mon),  // Easter Mon
            (5, 1, Mon),   // Early May
            (5, 8, Mon),   // Coronation of King Charles III (extra)
            (5, 29, Mon),  // Spring
            (8, 28, Mon),  // Summer
            (12, 25, Mon), // Christmas
            (12, 26, Tue), // Boxing Day
        ],
    ),
    (
        2024,
        &[
            (1, 1, Mon),   // New Year
            (3, 29, Fri),  // Good Fri
            (4, 1, Mon),   // Easter Mon
            (5, 6, Mon),   // Early May
            (5, 27, Mon),  // Spring
            (8, 26, Mon),  // Summer
            (12, 25, Wed), // Christmas
            (12, 26, Thu), // Boxing Day
        ],
    ),
    (
        2025,
        &[
            (1, 1, Wed),   // New Year
            (4, 18, Fri),  // Good Fri
            (4, 21, Mon),  // Easter Mon
            (5, 5, Mon),   // Early May
            (5, 26, Mon),  // Spring
            (8, 25, Mon),  // Summer
            (12, 25, Thu), // Christmas
            (12, 26, Fri), // Boxing Day
        ],
    ),
    (
        2026,
        &[
            (1, 1, Thu),   // New Year
            (4, 3, Fri),   // Good Fri
            (4, 6, Mon),   // Easter Mon
            (5, 4, Mon),   // Early May
            (5, 25, Mon),  // Spring
            (8, 31, Mon),  // Summer
            (12, 25, Fri), // Christmas
            (12, 28, Mon), // Boxing Day (subst.)
        ],
    ),
    (
        2027,
        &[
            (1, 1, Fri),   // New Year
            (3, 26, Fri),  // Good Fri
            (3, 29, Mon),  // Easter Mon
            (5, 3, Mon),   // Early May
            (5, 31, Mon),  // Spring
            (8, 30, Mon),  // Summer
            (12, 27, Mon), // Christmas (subst.)
            (12, 28, Tue), // Boxing Day (subst.)
        ],
    ),
    (
        2028,
        &[
            (1, 3, Mon),   // New Year (subst.)
            (4, 14, Fri),  // Good Fri
            (4, 17, Mon),  // Easter Mon
            (5, 1, Mon),   // Early May
            (5, 29, Mon),  // Spring
            (8, 28, Mon),  // Summer
            (12, 25, Mon), // Christmas
            (12, 26, Tue), // Boxing Day
        ],
    ),
    (
        2029,
        &[
            (1, 1, Mon),   // New Year
            (3, 30, Fri),  // Good Fri
            (4, 2, Mon),   // Easter Mon
            (5, 7, Mon),   // Early May
            (5, 28, Mon),  // Spring
            (8, 27, Mon),  // Summer
            (12, 25, Tue), // Christmas
            (12, 26, Wed), // Boxing Day
        ],
    ),
    (
        2030,
        &[
            (1, 1, Tue),   // New Year
            (4, 19, Fri),  // Good Fri
            (4, 22, Mon),  // Easter Mon
            (5, 6, Mon),   // Early May
            (5, 27, Mon),  // Spring
            (8, 26, Mon),  // Summer
            (12, 25, Wed), // Christmas
            (12, 26, Thu), // Boxing Day
        ],
    ),
];

#[test]
fn bank_holidays_match_the_published_list_for_every_year_2005_to_2030() {
    let cal = cal();
    assert_eq!(PUBLISHED.len(), 26);
    for (year, expected) in PUBLISHED {
        for (m, day, weekday) in *expected {
            assert_eq!(
                d(*year, *m, *day).weekday(),
                *weekday,
                "{year}-{m}-{day} weekday"
            );
        }
        let expected: BTreeSet<NaiveDate> = expected
            .iter()
            .map(|(m, day, _)| d(*year, *m, *day))
            .collect();
        let actual: BTreeSet<NaiveDate> = cal.bank_holidays(*year).iter().map(|h| h.date).collect();
        assert_eq!(actual, expected, "bank holidays in {year}");
        for date in &expected {
            assert!(cal.is_bank_holiday(*date), "{date}");
            assert!(!cal.is_working_day(*date), "{date}");
        }
    }
}

#[test]
fn bank_holidays_are_sorted_and_named() {
    let cal = cal();
    for year in 2005..=2030 {
        let list = cal.bank_holidays(year);
        assert!(
            list.windows(2).all(|w| w[0].date < w[1].date),
            "{year} sorted"
        );
        assert!(list.iter().all(|h| !h.name.is_empty()));
    }
    let name = |date| cal.bank_holiday(date).map(|h| h.name);
    assert_eq!(name(d(2024, 3, 29)), Some("Good Friday"));
    assert_eq!(name(d(2024, 4, 1)), Some("Easter Monday"));
    assert_eq!(name(d(2024, 5, 6)), Some("Early May bank holiday"));
    assert_eq!(name(d(2024, 5, 27)), Some("Spring bank holiday"));
    assert_eq!(name(d(2024, 8, 26)), Some("Summer bank holiday"));
    assert_eq!(name(d(2024, 12, 25)), Some("Christmas Day"));
    assert_eq!(name(d(2024, 12, 26)), Some("Boxing Day"));
    assert_eq!(name(d(2025, 1, 1)), Some("New Year's Day"));
    assert_eq!(name(d(2009, 12, 28)), Some("Boxing Day (substitute day)"));
    assert_eq!(
        name(d(2021, 12, 27)),
        Some("Christmas Day (substitute day)")
    );
    assert_eq!(name(d(2022, 1, 3)), Some("New Year's Day (substitute day)"));
    assert_eq!(name(d(2024, 5, 7)), None);
}

#[test]
fn christmas_on_a_saturday_moves_both_days() {
    // 25 Dec 2010, 2021 and 2027 are Saturdays: Mon 27 and Tue 28 are the holidays.
    let cal = cal();
    for year in [2010, 2021, 2027] {
        assert_eq!(d(year, 12, 25).weekday(), Sat);
        let dec: Vec<_> = cal
            .bank_holidays(year)
            .into_iter()
            .filter(|h| h.date.month() == 12)
            .map(|h| (h.date, h.name))
            .collect();
        assert_eq!(
            dec,
            [
                (d(year, 12, 27), "Christmas Day (substitute day)"),
                (d(year, 12, 28), "Boxing Day (substitute day)")
            ]
        );
        assert!(cal.is_working_day(d(year, 12, 24)));
        assert!(cal.is_working_day(d(year, 12, 29)));
    }
}

#[test]
fn christmas_on_a_sunday_keeps_boxing_day_and_moves_christmas_to_tuesday() {
    let cal = cal();
    for year in [2011, 2016, 2022, 2033] {
        assert_eq!(d(year, 12, 25).weekday(), Sun);
        let dec: Vec<_> = cal
            .bank_holidays(year)
            .into_iter()
            .filter(|h| h.date.month() == 12)
            .map(|h| (h.date, h.name))
            .collect();
        assert_eq!(
            dec,
            [
                (d(year, 12, 26), "Boxing Day"),
                (d(year, 12, 27), "Christmas Day (substitute day)")
            ]
        );
    }
}

#[test]
fn christmas_on_a_friday_moves_boxing_day_to_monday() {
    let cal = cal();
    assert_eq!(d(2026, 12, 25).weekday(), Fri);
    assert!(!cal.is_working_day(d(2026, 12, 25)));
    assert!(!cal.is_working_day(d(2026, 12, 28)));
    assert!(cal.is_working_day(d(2026, 12, 29)));
}

#[test]
fn new_year_at_a_weekend_moves_to_monday() {
    let cal = cal();
    assert!(!cal.is_working_day(d(2022, 1, 3))); // 1 Jan 2022 a Saturday
    assert!(!cal.is_working_day(d(2023, 1, 2))); // 1 Jan 2023 a Sunday
    assert!(cal.is_working_day(d(2022, 1, 4)));
    assert!(cal.is_working_day(d(2023, 1, 3)));
}

#[test]
fn one_off_and_moved_holidays() {
    let cal = cal();
    // Extra days.
    for date in [
        d(2011, 4, 29),
        d(2012, 6, 5),
        d(2022, 6, 3),
        d(2022, 9, 19),
        d(2023, 5, 8),
    ] {
        assert!(cal.is_bank_holiday(date), "{date}");
    }
    // Moved holidays: the new day is off, the rule's day is an ordinary working day.
    for (from, to) in [
        (d(2012, 5, 28), d(2012, 6, 4)),
        (d(2020, 5, 4), d(2020, 5, 8)),
        (d(2022, 5, 30), d(2022, 6, 2)),
    ] {
        assert!(cal.is_working_day(from), "{from} should be a working day");
        assert!(!cal.is_working_day(to), "{to} should be a holiday");
    }
    assert_eq!(
        cal.bank_holiday(d(2022, 9, 19)).map(|h| h.name),
        Some("Bank holiday for the State Funeral of Queen Elizabeth II")
    );
    // The 2023 coronation fell the week after the early May holiday.
    assert_eq!(cal.add_working_days(d(2023, 4, 28), 1), Ok(d(2023, 5, 2)));
    assert_eq!(cal.add_working_days(d(2023, 5, 5), 1), Ok(d(2023, 5, 9)));
}

#[test]
fn rules_keep_working_beyond_the_table() {
    let cal = cal();
    for year in [2031, 2050, 2100, 2500] {
        assert_eq!(cal.bank_holidays(year).len(), 8, "{year}");
    }
    // 2038: Easter Sunday 25 April, the latest possible.
    assert!(cal.is_bank_holiday(d(2038, 4, 23)));
    assert!(cal.is_bank_holiday(d(2038, 4, 26)));
}

#[test]
fn worked_examples_from_the_domain_reference() {
    let cal = cal();
    // §1.6: S47 started Fri 3 May 2024 + 15 WD (6 and 27 May were bank holidays).
    assert_eq!(cal.add_working_days(d(2024, 5, 3), 15), Ok(d(2024, 5, 28)));
    assert_eq!(cal.working_days_between(d(2024, 5, 3), d(2024, 5, 28)), 15);
    // §1.6: referral Wed 1 May 2024 + 45 WD.
    assert_eq!(cal.add_working_days(d(2024, 5, 1), 45), Ok(d(2024, 7, 5)));
    assert_eq!(cal.working_days_between(d(2024, 5, 1), d(2024, 7, 5)), 45);
    assert_eq!(cal.working_days_between(d(2024, 5, 1), d(2024, 7, 8)), 46);
}

#[test]
fn validator_cutoffs_match_section_8_4() {
    let cal = cal();
    // (ReferenceDate, start of year, 8670Q (45), 8675Q (15), 8569Q (1)).
    let rows = [
        (
            d(2023, 3, 31),
            d(2022, 4, 1),
            d(2023, 1, 30),
            d(2023, 3, 13),
            d(2022, 4, 1),
        ),
        (
            d(2024, 3, 31),
            d(2023, 4, 1),
            d(2024, 1, 29),
            d(2024, 3, 11),
            d(2023, 4, 3),
        ),
        (
            d(2025, 3, 31),
            d(2024, 4, 1),
            d(2025, 1, 28),
            d(2025, 3, 11),
            d(2024, 4, 2),
        ),
        (
            d(2026, 3, 31),
            d(2025, 4, 1),
            d(2026, 1, 28),
            d(2026, 3, 11),
            d(2025, 4, 1),
        ),
        (
            d(2027, 3, 31),
            d(2026, 4, 1),
            d(2027, 1, 26),
            d(2027, 3, 9),
            d(2026, 4, 1),
        ),
    ];
    for (reference, start, c45, c15, c1) in rows {
        assert_eq!(
            cal.validator_cutoff(reference, 45),
            Ok(c45),
            "8670Q {reference}"
        );
        assert_eq!(
            cal.validator_cutoff(reference, 15),
            Ok(c15),
            "8675Q {reference}"
        );
        assert_eq!(cal.validator_cutoff(start, 1), Ok(c1), "8569Q {start}");
        if cal.is_working_day(reference) {
            // The reference date is day 1, the cut-off day N.
            assert_eq!(cal.working_days_inclusive(c45, reference), 45);
            assert_eq!(cal.working_days_inclusive(c15, reference), 15);
        }
    }
    // 31 Mar 2024 was a Sunday before Easter Monday: pandas rolls forward to Tue 2 Apr.
    assert_eq!(
        cal.working_days_inclusive(d(2024, 3, 11), d(2024, 4, 2)),
        15
    );
    // §3.4: the DfE wording of 8569Q, "start of year minus 1 working day".
    assert_eq!(
        cal.subtract_working_days(d(2024, 4, 1), 1),
        Ok(d(2024, 3, 28))
    );
}

#[test]
fn weekend_handling_and_the_day_zero_convention() {
    let cal = cal();
    let (fri, sat, sun, mon) = (d(2024, 6, 7), d(2024, 6, 8), d(2024, 6, 9), d(2024, 6, 10));
    assert!(cal.is_working_day(fri) && cal.is_working_day(mon));
    assert!(!cal.is_working_day(sat) && !cal.is_working_day(sun));
    assert_eq!(cal.add_working_days(fri, 0), Ok(fri));
    assert_eq!(cal.add_working_days(sat, 0), Ok(mon));
    assert_eq!(cal.add_working_days(sat, 1), Ok(mon));
    assert_eq!(cal.add_working_days(fri, 1), Ok(mon));
    assert_eq!(cal.add_working_days(fri, 5), Ok(d(2024, 6, 14)));
    assert_eq!(cal.next_working_day(fri), Ok(mon));
    assert_eq!(cal.next_working_day(sun), Ok(mon));
    assert_eq!(cal.previous_working_day(mon), Ok(fri));
    assert_eq!(cal.working_day_on_or_after(sun), Ok(mon));
    assert_eq!(cal.working_day_on_or_after(mon), Ok(mon));
    assert_eq!(cal.subtract_working_days(sun, 0), Ok(fri));
    assert_eq!(cal.subtract_working_days(mon, 5), Ok(d(2024, 6, 3)));

    assert_eq!(cal.working_days_between(fri, fri), 0);
    assert_eq!(cal.working_days_between(fri, mon), 1);
    assert_eq!(cal.working_days_between(sat, sun), 0);
    assert_eq!(cal.working_days_between(sat, mon), 1);
    assert_eq!(cal.working_days_between(mon, fri), -1);
    assert_eq!(cal.working_days_inclusive(fri, fri), 1);
    assert_eq!(cal.working_days_inclusive(fri, mon), 2);
    assert_eq!(cal.working_days_inclusive(sat, sun), 0);
    assert_eq!(cal.working_days_inclusive(mon, fri), 0);
}

#[test]
fn easter_weekend_counts() {
    let cal = cal();
    // Thu 28 Mar 2024 → Tue 2 Apr 2024 over Good Friday and Easter Monday.
    assert_eq!(cal.next_working_day(d(2024, 3, 28)), Ok(d(2024, 4, 2)));
    assert_eq!(cal.working_days_between(d(2024, 3, 28), d(2024, 4, 2)), 1);
    assert_eq!(cal.previous_working_day(d(2024, 4, 2)), Ok(d(2024, 3, 28)));
}

#[test]
fn extra_closure_days_from_configuration() {
    let national = cal();
    let local = cal().with_extra_closures([d(2024, 12, 27), d(2024, 12, 30), d(2024, 12, 31)]);
    assert_eq!(local.extra_closures().count(), 3);
    assert!(national.is_working_day(d(2024, 12, 27)));
    assert!(!local.is_working_day(d(2024, 12, 27)));
    assert!(
        !local.is_bank_holiday(d(2024, 12, 27)),
        "a closure is not a bank holiday"
    );
    assert_eq!(
        national.add_working_days(d(2024, 12, 24), 1),
        Ok(d(2024, 12, 27))
    );
    assert_eq!(
        local.add_working_days(d(2024, 12, 24), 1),
        Ok(d(2025, 1, 2))
    );
    assert_eq!(
        national.working_days_between(d(2024, 12, 24), d(2025, 1, 2)),
        4
    );
    assert_eq!(
        local.working_days_between(d(2024, 12, 24), d(2025, 1, 2)),
        1
    );

    // A closure on a weekend or a bank holiday is not counted twice.
    let overlapping = cal().with_extra_closures([d(2024, 12, 25), d(2024, 12, 28)]);
    assert_eq!(
        overlapping.working_days_between(d(2024, 12, 20), d(2025, 1, 3)),
        national.working_days_between(d(2024, 12, 20), d(2025, 1, 3))
    );
    // Counting an empty span with closures configured.
    assert_eq!(
        local.working_days_between(d(2024, 12, 27), d(2024, 12, 27)),
        0
    );
    assert_eq!(
        local.working_days_inclusive(d(2024, 12, 27), d(2024, 12, 27)),
        0
    );
    assert_eq!(
        local.working_days_inclusive(d(2024, 12, 24), d(2024, 12, 24)),
        1
    );
    // Adding more closures later keeps the earlier ones.
    let more = local.clone().with_extra_closures([d(2025, 1, 2)]);
    assert_eq!(more.add_working_days(d(2024, 12, 24), 1), Ok(d(2025, 1, 3)));
}

#[test]
fn working_hours_follow_british_summer_time() {
    let cal = cal();
    // July is BST (UTC+1): 08:30 UTC is 09:30 local.
    assert!(cal.is_within_working_hours(utc("2024-07-10T08:30:00Z")));
    assert!(!cal.is_within_working_hours(utc("2024-07-10T07:59:59Z")));
    assert!(cal.is_within_working_hours(utc("2024-07-10T15:59:59Z")));
    assert!(!cal.is_within_working_hours(utc("2024-07-10T16:00:00Z"))); // 17:00 BST
    // January is GMT: 08:30 UTC is 08:30 local.
    assert!(!cal.is_within_working_hours(utc("2024-01-10T08:30:00Z")));
    assert!(cal.is_within_working_hours(utc("2024-01-10T09:00:00Z")));
    assert!(cal.is_within_working_hours(utc("2024-01-10T16:30:00Z")));
    // Weekends and bank holidays have no working hours.
    assert!(!cal.is_within_working_hours(utc("2024-07-13T10:00:00Z")));
    assert!(!cal.is_within_working_hours(utc("2024-08-26T10:00:00Z")));
    // Configured hours.
    let hours = WorkingHours::parse("08:30", "17:30").unwrap();
    let custom = cal.clone().with_working_hours(hours);
    assert_eq!(custom.working_hours(), hours);
    assert!(custom.is_within_working_hours(utc("2024-01-10T08:30:00Z")));
    assert!(!custom.is_within_working_hours(utc("2024-07-10T16:30:00Z"))); // 17:30 BST
    assert!(matches!(
        WorkingHours::parse("17:00", "09:00"),
        Err(CalendarError::EmptyWorkingHours { .. })
    ));
    assert!(matches!(
        WorkingHours::parse("9 o'clock", "17:00"),
        Err(CalendarError::InvalidTime(_))
    ));
}

#[test]
fn next_working_day_start_over_a_bank_holiday_weekend_and_clock_change() {
    let cal = cal();
    // Thu 28 Mar 2024 17:30 GMT. Good Friday, the weekend (clocks go forward on Sunday)
    // and Easter Monday intervene: Tue 2 Apr 09:00 BST = 08:00 UTC.
    assert_eq!(
        cal.next_working_day_start(utc("2024-03-28T17:30:00Z")),
        Ok(utc("2024-04-02T08:00:00Z"))
    );
    // During hours: the next working day, not later today.
    assert_eq!(
        cal.next_working_day_start(utc("2024-03-28T10:00:00Z")),
        Ok(utc("2024-04-02T08:00:00Z"))
    );
    // Before the start of hours on a working day: that same morning.
    assert_eq!(
        cal.next_working_day_start(utc("2024-07-10T06:00:00Z")),
        Ok(utc("2024-07-10T08:00:00Z"))
    );
    // Saturday in January: Monday 09:00 GMT.
    assert_eq!(
        cal.next_working_day_start(utc("2025-01-04T12:00:00Z")),
        Ok(utc("2025-01-06T09:00:00Z"))
    );
    // 23:30 UTC on Sun 25 Aug 2024 is already 00:30 BST on Mon 26 Aug, a bank holiday.
    assert_eq!(
        cal.next_working_day_start(utc("2024-08-25T23:30:00Z")),
        Ok(utc("2024-08-27T08:00:00Z"))
    );
}

#[test]
fn add_working_days_at_keeps_the_local_clock_time_across_a_clock_change() {
    let cal = cal();
    // Fri 25 Oct 2024 10:00 BST; clocks go back on Sunday; Mon 28 Oct 10:00 GMT.
    assert_eq!(
        cal.add_working_days_at(utc("2024-10-25T09:00:00Z"), 1),
        Ok(utc("2024-10-28T10:00:00Z"))
    );
    assert_eq!(
        cal.add_working_days_at(utc("2024-10-25T09:00:00Z"), 0),
        Ok(utc("2024-10-25T09:00:00Z"))
    );
}

#[test]
fn decision_deadline_in_hours() {
    let cal = cal();
    // Fri 24 May 2024 14:00 BST; Mon 27 May is a bank holiday: Tue 28 May 14:00 BST.
    assert_eq!(
        cal.decision_deadline(utc("2024-05-24T13:00:00Z"), 1),
        Ok(utc("2024-05-28T13:00:00Z"))
    );
    // Tue 14:00 GMT + 1 → Wed 14:00; + 0 → now.
    assert_eq!(
        cal.decision_deadline(utc("2024-01-09T14:00:00Z"), 1),
        Ok(utc("2024-01-10T14:00:00Z"))
    );
    assert_eq!(
        cal.decision_deadline(utc("2024-01-09T14:00:00Z"), 0),
        Ok(utc("2024-01-09T14:00:00Z"))
    );
}

#[test]
fn decision_deadline_out_of_hours() {
    let cal = cal();
    // Fri 12 Jan 2024 18:00 GMT + 1 → close of Monday 15 Jan, 17:00 GMT.
    assert_eq!(
        cal.decision_deadline(utc("2024-01-12T18:00:00Z"), 1),
        Ok(utc("2024-01-15T17:00:00Z"))
    );
    // + 2 → close of Tuesday.
    assert_eq!(
        cal.decision_deadline(utc("2024-01-12T18:00:00Z"), 2),
        Ok(utc("2024-01-16T17:00:00Z"))
    );
    // + 0 → when the clock starts.
    assert_eq!(
        cal.decision_deadline(utc("2024-01-12T18:00:00Z"), 0),
        Ok(utc("2024-01-15T09:00:00Z"))
    );
    // Tue 07:00 GMT, before opening: close of that same Tuesday.
    assert_eq!(
        cal.decision_deadline(utc("2024-01-16T07:00:00Z"), 1),
        Ok(utc("2024-01-16T17:00:00Z"))
    );
    // Exactly 17:00 is out of hours.
    assert_eq!(
        cal.decision_deadline(utc("2024-01-16T17:00:00Z"), 1),
        Ok(utc("2024-01-17T17:00:00Z"))
    );
    // Thu 28 Mar 2024 20:00 GMT, over Easter and the clock change: Tue 2 Apr 17:00 BST.
    assert_eq!(
        cal.decision_deadline(utc("2024-03-28T20:00:00Z"), 1),
        Ok(utc("2024-04-02T16:00:00Z"))
    );
    // Received on the bank holiday itself, Mon 26 Aug 2024 11:00 BST: close of Tue 27.
    assert_eq!(
        cal.decision_deadline(utc("2024-08-26T10:00:00Z"), 1),
        Ok(utc("2024-08-27T16:00:00Z"))
    );
}

// ---------------------------------------------------------------------------------------
// Properties.

fn days_after(start: NaiveDate, days: i64) -> NaiveDate {
    start + TimeDelta::days(days)
}

/// 1990 to about 2110.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..44_000).prop_map(|offset| days_after(d(1990, 1, 1), offset))
}

/// Dates around the closures that `closures()` generates, so they actually get hit.
fn date_near_closures() -> impl Strategy<Value = NaiveDate> {
    (0i64..150).prop_map(|offset| days_after(d(2024, 9, 15), offset))
}

fn closures() -> impl Strategy<Value = Vec<NaiveDate>> {
    proptest::collection::vec(
        (0i64..120).prop_map(|o| days_after(d(2024, 11, 1), o)),
        0..12,
    )
}

fn brute_force_between(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
    let count = from
        .iter_days()
        .skip(1)
        .take_while(|day| *day <= to)
        .filter(|day| cal.is_working_day(*day))
        .count();
    i64::try_from(count).unwrap()
}

proptest! {
    #[test]
    fn adding_then_counting_returns_n_from_a_working_day(date in any_date(), n in 0u32..700) {
        let cal = cal();
        let start = cal.working_day_on_or_after(date).unwrap();
        let end = cal.add_working_days(start, n).unwrap();
        prop_assert!(cal.is_working_day(end));
        prop_assert_eq!(cal.working_days_between(start, end), i64::from(n));
    }

    #[test]
    fn adding_from_any_day_lands_on_the_first_working_day_that_makes_n(
        date in any_date(),
        n in 1u32..700,
    ) {
        let cal = cal();
        let end = cal.add_working_days(date, n).unwrap();
        prop_assert!(cal.is_working_day(end));
        prop_assert_eq!(cal.working_days_between(date, end), i64::from(n));
        prop_assert_eq!(
            cal.working_days_between(date, end.pred_opt().unwrap()),
            i64::from(n) - 1
        );
    }

    #[test]
    fn subtracting_mirrors_adding(date in any_date(), n in 1u32..700) {
        let cal = cal();
        let start = cal.subtract_working_days(date, n).unwrap();
        prop_assert!(cal.is_working_day(start));
        let date_counts = cal.is_working_day(date);
        if date_counts {
            prop_assert_eq!(cal.add_working_days(start, n).unwrap(), date);
        }
        prop_assert_eq!(
            cal.working_days_between(start, date),
            i64::from(n) - i64::from(!date_counts)
        );
    }

    #[test]
    fn counting_agrees_with_brute_force(
        a in prop_oneof![any_date(), date_near_closures()],
        span in 0i64..800,
        extra in closures(),
    ) {
        let b = days_after(a, span);
        let cal = cal().with_extra_closures(extra);
        let expected = brute_force_between(&cal, a, b);
        prop_assert_eq!(cal.working_days_between(a, b), expected);
        prop_assert_eq!(cal.working_days_between(b, a), -expected);
        prop_assert_eq!(
            cal.working_days_inclusive(a, b),
            expected + i64::from(cal.is_working_day(a))
        );
    }

    #[test]
    fn leaping_agrees_with_stepping(
        date in prop_oneof![any_date(), date_near_closures()],
        n in 0u32..400,
        extra in closures(),
    ) {
        let cal = cal().with_extra_closures(extra);
        let mut forward = date;
        let mut backward = date;
        if n == 0 {
            while !cal.is_working_day(forward) {
                forward = forward.succ_opt().unwrap();
            }
            while !cal.is_working_day(backward) {
                backward = backward.pred_opt().unwrap();
            }
        } else {
            let mut left = n;
            while left > 0 {
                forward = forward.succ_opt().unwrap();
                left -= u32::from(cal.is_working_day(forward));
            }
            let mut left = n;
            while left > 0 {
                backward = backward.pred_opt().unwrap();
                left -= u32::from(cal.is_working_day(backward));
            }
        }
        prop_assert_eq!(cal.add_working_days(date, n).unwrap(), forward);
        prop_assert_eq!(cal.subtract_working_days(date, n).unwrap(), backward);
    }

    #[test]
    fn validator_cutoff_is_day_n_counting_the_rolled_reference_as_day_1(
        reference in any_date(),
        n in 1u32..100,
    ) {
        let cal = cal();
        let cutoff = cal.validator_cutoff(reference, n).unwrap();
        let rolled = cal.working_day_on_or_after(reference).unwrap();
        prop_assert!(cal.is_working_day(cutoff));
        prop_assert_eq!(cal.working_days_inclusive(cutoff, rolled), i64::from(n));
    }
}
