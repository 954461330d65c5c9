//! England & Wales bank holidays: the standing rules plus a table of one-off proclamations.
//!
//! The standing rules (domain reference §8.2) generate the usual eight holidays for any
//! year. They cannot predict a royal wedding or a state funeral, so those live in
//! [`ONE_OFFS`], a table that must be kept up to date by hand (domain reference §8.5:
//! gov.uk publishes about two years ahead and one-offs are announced at short notice).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// One England & Wales bank holiday.
///
/// `name` follows the gov.uk wording, with " (substitute day)" appended when the holiday
/// is observed on a weekday because the real date fell at a weekend, so that a screen
/// can say *why* a day did not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct BankHoliday {
    /// The day on which offices close (the substitute day, not the weekend date).
    pub date: NaiveDate,
    /// Human-readable name, e.g. "Good Friday", "Boxing Day (substitute day)".
    pub name: &'static str,
}

const NEW_YEAR: &str = "New Year's Day";
const NEW_YEAR_SUBSTITUTE: &str = "New Year's Day (substitute day)";
const GOOD_FRIDAY: &str = "Good Friday";
const EASTER_MONDAY: &str = "Easter Monday";
const EARLY_MAY: &str = "Early May bank holiday";
const SPRING: &str = "Spring bank holiday";
const SUMMER: &str = "Summer bank holiday";
const CHRISTMAS: &str = "Christmas Day";
const CHRISTMAS_SUBSTITUTE: &str = "Christmas Day (substitute day)";
const BOXING_DAY: &str = "Boxing Day";
const BOXING_DAY_SUBSTITUTE: &str = "Boxing Day (substitute day)";

/// A year, month and day written as plain numbers so the table below stays readable and
/// `const`; an impossible date would simply be skipped (a unit test checks there are none).
#[derive(Clone, Copy, Debug)]
struct Ymd(i32, u32, u32);

impl Ymd {
    fn date(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0, self.1, self.2)
    }
}

/// A departure from the standing rules, proclaimed for one year only.
#[derive(Clone, Copy, Debug)]
enum OneOff {
    /// An additional bank holiday.
    Extra { date: Ymd, name: &'static str },
    /// A rule-generated holiday moved to another day: the holiday on `from` is removed and
    /// one called `name` is added on `to`.
    Moved {
        from: Ymd,
        to: Ymd,
        name: &'static str,
    },
}

/// Every one-off or moved England & Wales bank holiday the calendar knows about.
///
/// HOW TO ADD ONE: when a new one-off is proclaimed (check
/// <https://www.gov.uk/bank-holidays>, division `england-and-wales`), add a row here: an
/// `Extra` for an additional day, or a `Moved` naming the rule-generated date it replaces.
/// Then add the year's full list to `tests/calendar.rs` and to the domain reference §8.3.
/// Nothing else needs changing. Deadlines are always recomputed from raw dates, so reports
/// pick the change up retrospectively (domain reference §1.6).
///
/// 2009 onwards is checked against the published list in the tests. The 1995–2002 rows are
/// from recall (domain reference §8.2 marks them [R]); before 1995 one-offs are not
/// tabulated, so earlier years get the modern rules only. No one-offs have been announced
/// for 2024 onwards as of the domain reference (2026–2027 as captured by the validator).
const ONE_OFFS: &[OneOff] = &[
    OneOff::Moved {
        from: Ymd(1995, 5, 1),
        to: Ymd(1995, 5, 8),
        name: "Early May bank holiday (VE Day)",
    },
    OneOff::Extra {
        date: Ymd(1999, 12, 31),
        name: "Millennium bank holiday",
    },
    OneOff::Moved {
        from: Ymd(2002, 5, 27),
        to: Ymd(2002, 6, 4),
        name: SPRING,
    },
    OneOff::Extra {
        date: Ymd(2002, 6, 3),
        name: "Queen's Golden Jubilee",
    },
    OneOff::Extra {
        date: Ymd(2011, 4, 29),
        name: "Royal wedding",
    },
    OneOff::Moved {
        from: Ymd(2012, 5, 28),
        to: Ymd(2012, 6, 4),
        name: SPRING,
    },
    OneOff::Extra {
        date: Ymd(2012, 6, 5),
        name: "Queen's Diamond Jubilee",
    },
    OneOff::Moved {
        from: Ymd(2020, 5, 4),
        to: Ymd(2020, 5, 8),
        name: "Early May bank holiday (VE Day)",
    },
    OneOff::Moved {
        from: Ymd(2022, 5, 30),
        to: Ymd(2022, 6, 2),
        name: SPRING,
    },
    OneOff::Extra {
        date: Ymd(2022, 6, 3),
        name: "Platinum Jubilee bank holiday",
    },
    OneOff::Extra {
        date: Ymd(2022, 9, 19),
        name: "Bank holiday for the State Funeral of Queen Elizabeth II",
    },
    OneOff::Extra {
        date: Ymd(2023, 5, 8),
        name: "Bank holiday for the coronation of King Charles III",
    },
];

/// Western (Gregorian) Easter Sunday of `year`, by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher). Good Friday and Easter Monday hang off it.
///
/// `None` only for years outside chrono's date range.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n.div_euclid(31)).ok()?;
    let day = u32::try_from(n.rem_euclid(31) + 1).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The first Monday on or after the given day of the month.
fn monday_on_or_after(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let ahead = (7 - date.weekday().num_days_from_monday()) % 7;
    date.checked_add_days(chrono::Days::new(u64::from(ahead)))
}

/// The last Monday on or before the given day of the month.
fn monday_on_or_before(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let back = date.weekday().num_days_from_monday();
    date.checked_sub_days(chrono::Days::new(u64::from(back)))
}

/// The holidays the standing rules of domain reference §8.2 give for `year`, ignoring
/// one-offs. Kept separate so a test can show the rules and the one-off table together
/// reproduce the published list.
pub(crate) fn rule_based(year: i32) -> Vec<BankHoliday> {
    let mut out = Vec::with_capacity(8);
    let mut push = |date: Option<NaiveDate>, name: &'static str| {
        if let Some(date) = date {
            out.push(BankHoliday { date, name });
        }
    };

    // New Year's Day: 1 January, or the following Monday if it falls at a weekend.
    if let Some(new_year) = NaiveDate::from_ymd_opt(year, 1, 1) {
        match new_year.weekday() {
            Weekday::Sat | Weekday::Sun => {
                push(monday_on_or_after(year, 1, 1), NEW_YEAR_SUBSTITUTE)
            }
            _ => push(Some(new_year), NEW_YEAR),
        }
    }

    // Good Friday and Easter Monday: Easter Sunday − 2 / + 1.
    let easter = easter_sunday(year);
    push(
        easter.and_then(|e| e.checked_sub_days(chrono::Days::new(2))),
        GOOD_FRIDAY,
    );
    push(
        easter.and_then(|e| e.checked_add_days(chrono::Days::new(1))),
        EASTER_MONDAY,
    );

    // First Monday in May; last Monday in May; last Monday in August.
    push(monday_on_or_after(year, 5, 1), EARLY_MAY);
    push(monday_on_or_before(year, 5, 31), SPRING);
    push(monday_on_or_before(year, 8, 31), SUMMER);

    // Christmas and Boxing Day with the substitute rules of §8.2.
    let day = |d: u32| NaiveDate::from_ymd_opt(year, 12, d);
    if let Some(christmas) = day(25) {
        match christmas.weekday() {
            // Friday: Boxing Day (Saturday) moves to Monday 28.
            Weekday::Fri => {
                push(day(25), CHRISTMAS);
                push(day(28), BOXING_DAY_SUBSTITUTE);
            }
            // Saturday: both move, to Monday 27 and Tuesday 28.
            Weekday::Sat => {
                push(day(27), CHRISTMAS_SUBSTITUTE);
                push(day(28), BOXING_DAY_SUBSTITUTE);
            }
            // Sunday: Boxing Day is Monday 26 itself; Christmas moves to Tuesday 27.
            Weekday::Sun => {
                push(day(26), BOXING_DAY);
                push(day(27), CHRISTMAS_SUBSTITUTE);
            }
            _ => {
                push(day(25), CHRISTMAS);
                push(day(26), BOXING_DAY);
            }
        }
    }
    out
}

/// England & Wales bank holidays in `year`, in date order: the standing rules with the
/// one-off table applied.
pub(crate) fn for_year(year: i32) -> Vec<BankHoliday> {
    let mut holidays = rule_based(year);
    for one_off in ONE_OFFS {
        match *one_off {
            OneOff::Extra { date, name } => {
                if let Some(date) = date.date().filter(|d| d.year() == year) {
                    holidays.push(BankHoliday { date, name });
                }
            }
            OneOff::Moved { from, to, name } => {
                if let Some(from) = from.date().filter(|d| d.year() == year) {
                    holidays.retain(|h| h.date != from);
                }
                if let Some(date) = to.date().filter(|d| d.year() == year) {
                    holidays.push(BankHoliday { date, name });
                }
            }
        }
    }
    holidays.sort();
    holidays.dedup_by_key(|h| h.date);
    holidays
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn every_one_off_row_is_a_real_weekday() {
        for one_off in ONE_OFFS {
            let dates = match *one_off {
                OneOff::Extra { date, .. } => vec![date],
                OneOff::Moved { from, to, .. } => vec![from, to],
            };
            for d in dates {
                let date = d.date();
                assert!(date.is_some(), "{d:?} is not a date");
                let weekday = date.map(|d| d.weekday());
                assert!(
                    !matches!(weekday, Some(Weekday::Sat | Weekday::Sun)),
                    "{d:?} falls at a weekend"
                );
            }
        }
    }

    #[test]
    fn moved_rows_name_a_date_the_rules_actually_generate() {
        for one_off in ONE_OFFS {
            if let OneOff::Moved { from, .. } = *one_off {
                let from = from.date().unwrap_or(NaiveDate::MIN);
                assert!(
                    rule_based(from.year()).iter().any(|h| h.date == from),
                    "{from} is not a rule-generated holiday"
                );
            }
        }
    }

    #[test]
    fn easter_matches_known_dates() {
        // Includes the extremes of the range (22 March 2285, 25 April 2038) and 2000.
        for (year, m, d) in [
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2038, 4, 25),
            (2285, 3, 22),
            (1818, 3, 22),
            (1943, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), Some(ymd(year, m, d)), "Easter {year}");
        }
    }

    #[test]
    fn rules_alone_match_the_full_list_except_in_one_off_years() {
        let one_off_years = [1995, 1999, 2002, 2011, 2012, 2020, 2022, 2023];
        for year in 1978..=2200 {
            let rules: Vec<NaiveDate> = rule_based(year).iter().map(|h| h.date).collect();
            let full: Vec<NaiveDate> = for_year(year).iter().map(|h| h.date).collect();
            if one_off_years.contains(&year) {
                assert_ne!(rules, full, "{year} should have a one-off");
            } else {
                assert_eq!(rules, full, "{year}");
                assert_eq!(rules.len(), 8, "{year}");
            }
        }
    }

    #[test]
    fn rule_based_holidays_never_fall_at_a_weekend() {
        for year in 1900..=2400 {
            for h in rule_based(year) {
                assert!(
                    !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun),
                    "{h:?}"
                );
                assert_eq!(h.date.year(), year);
            }
        }
    }
}
