//! Dates as people type them into a GOV.UK date input, and as the service shows them.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The three boxes of a GOV.UK date input, exactly as posted, so that a form with an error
/// can be shown again with what the user typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateParts {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateParts {
    pub fn new(day: impl Into<String>, month: impl Into<String>, year: impl Into<String>) -> Self {
        Self {
            day: day.into(),
            month: month.into(),
            year: year.into(),
        }
    }

    /// The parts of a known date, for filling an edit form.
    pub fn from_date(date: NaiveDate) -> Self {
        Self {
            day: date.day().to_string(),
            month: date.month().to_string(),
            year: date.year().to_string(),
        }
    }

    /// Whether nothing but spaces was typed in any box.
    pub fn is_empty(&self) -> bool {
        self.day.trim().is_empty() && self.month.trim().is_empty() && self.year.trim().is_empty()
    }
}

/// Which boxes of a date input an error is about, so the form can highlight just those.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateFields {
    pub day: bool,
    pub month: bool,
    pub year: bool,
}

impl DateFields {
    const ALL: Self = Self {
        day: true,
        month: true,
        year: true,
    };

    /// "day", "month and year", "day, month and year" – for "must include a …" messages.
    fn describe(self) -> String {
        let names: Vec<&str> = [
            (self.day, "day"),
            (self.month, "month"),
            (self.year, "year"),
        ]
        .into_iter()
        .filter_map(|(flag, name)| flag.then_some(name))
        .collect();
        match names.as_slice() {
            [] => String::new(),
            [only] => (*only).to_owned(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

/// Why a date could not be read. Messages follow the GOV.UK date input pattern and begin
/// with the field's label, e.g. "Date of birth must include a month".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Some boxes were filled and some were not; `missing` names the empty ones.
    #[error("{label} must include a {}", missing.describe())]
    Incomplete { label: String, missing: DateFields },
    /// A box held something other than a number, or the numbers make no date (31 February).
    #[error("{label} must be a real date")]
    NotReal { label: String, fields: DateFields },
    #[error("{label} year must include 4 numbers")]
    YearNotFourDigits { label: String },
    #[error("Enter a date in the format YYYY-MM-DD")]
    NotIso,
}

impl DateError {
    /// The boxes the error is about.
    pub fn fields(&self) -> DateFields {
        match self {
            Self::Incomplete { missing, .. } => *missing,
            Self::NotReal { fields, .. } => *fields,
            Self::YearNotFourDigits { .. } => DateFields {
                year: true,
                ..DateFields::default()
            },
            Self::NotIso => DateFields::ALL,
        }
    }
}

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month as a number, or as its name or a 3-letter-or-longer abbreviation ("Mar",
/// "sept"), which GOV.UK advises accepting because people type them.
fn parse_month(text: &str) -> Option<u32> {
    if all_digits(text) {
        return text.parse().ok();
    }
    let lower = text.to_ascii_lowercase();
    let lower = lower.trim_end_matches('.');
    // Two letters could be several months ("ma", "ju"), so at least three are needed.
    if lower.len() < 3 || !lower.is_ascii() {
        return None;
    }
    MONTH_NAMES
        .iter()
        .position(|name| name.starts_with(lower))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a GOV.UK date input. All three boxes empty is `Ok(None)`: whether the date is
/// required is the caller's decision. `label` starts each message ("Date of birth").
pub fn parse_date_parts(parts: &DateParts, label: &str) -> Result<Option<NaiveDate>, DateError> {
    let day = parts.day.trim();
    let month = parts.month.trim();
    let year = parts.year.trim();
    let missing = DateFields {
        day: day.is_empty(),
        month: month.is_empty(),
        year: year.is_empty(),
    };
    if missing == DateFields::ALL {
        return Ok(None);
    }
    if missing != DateFields::default() {
        return Err(DateError::Incomplete {
            label: label.to_owned(),
            missing,
        });
    }

    let day_number = all_digits(day).then(|| day.parse::<u32>().ok()).flatten();
    let month_number = parse_month(month);
    let year_is_number = all_digits(year);
    let not_numbers = DateFields {
        day: day_number.is_none(),
        month: month_number.is_none(),
        year: !year_is_number,
    };
    if not_numbers != DateFields::default() {
        return Err(DateError::NotReal {
            label: label.to_owned(),
            fields: not_numbers,
        });
    }
    if year.len() != 4 {
        return Err(DateError::YearNotFourDigits {
            label: label.to_owned(),
        });
    }

    let date = match (day_number, month_number, year.parse::<i32>()) {
        (Some(d), Some(m), Ok(y)) => NaiveDate::from_ymd_opt(y, m, d),
        _ => None,
    };
    date.map(Some).ok_or_else(|| DateError::NotReal {
        label: label.to_owned(),
        fields: DateFields::ALL,
    })
}

/// The date with day and month swapped – the commonest slip when a date is typed in the
/// wrong order – for suggesting "did you mean…?" or widening a duplicate search. `None` when
/// swapping changes nothing or makes no date.
pub fn swapped_day_month(date: NaiveDate) -> Option<NaiveDate> {
    if date.day() == date.month() {
        return None;
    }
    NaiveDate::from_ymd_opt(date.year(), date.day(), date.month())
}

/// Completed years of age on a date; 0 before birth. Someone born on 29 February gains a
/// year on 1 March in common years, as English law counts it.
pub fn age_in_years(dob: NaiveDate, on: NaiveDate) -> u32 {
    if on <= dob {
        return 0;
    }
    let mut years = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Reads a strict `YYYY-MM-DD` date (what `<input type="date">`, the API and query strings
/// use). Unlike chrono's `%Y`, this refuses signs and years that are not 4 digits.
pub fn parse_iso_date(text: &str) -> Result<NaiveDate, DateError> {
    let bytes = text.trim().as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(DateError::NotIso);
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(&bytes[range]).ok()?.parse().ok()
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return Err(DateError::NotIso);
    };
    let year = i32::try_from(year).map_err(|_| DateError::NotIso)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::NotIso)
}

/// "5 March 2019", the GOV.UK style for dates in text.
pub fn format_long(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// "05/03/2019", for tables and letters where space is short.
pub fn format_short(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date is real")
    }

    fn parse(day: &str, month: &str, year: &str) -> Result<Option<NaiveDate>, DateError> {
        parse_date_parts(&DateParts::new(day, month, year), "Date of birth")
    }

    fn message(day: &str, month: &str, year: &str) -> String {
        match parse(day, month, year) {
            Ok(value) => format!("ok: {value:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn reads_a_complete_date_with_or_without_leading_zeros() {
        assert_eq!(parse("5", "3", "2019"), Ok(Some(date(2019, 3, 5))));
        assert_eq!(parse(" 05 ", "03", " 2019"), Ok(Some(date(2019, 3, 5))));
    }

    #[test]
    fn accepts_month_names_and_abbreviations() {
        assert_eq!(parse("5", "March", "2019"), Ok(Some(date(2019, 3, 5))));
        assert_eq!(parse("5", "sept", "2019"), Ok(Some(date(2019, 9, 5))));
        assert_eq!(parse("5", "Dec.", "2019"), Ok(Some(date(2019, 12, 5))));
        assert!(parse("5", "Ma", "2019").is_err());
        assert!(parse("5", "ma.", "2019").is_err());
        assert!(parse("5", "+3", "2019").is_err());
    }

    #[test]
    fn all_empty_is_no_date() {
        assert_eq!(parse("", " ", ""), Ok(None));
    }

    #[test]
    fn names_what_is_missing() {
        assert_eq!(
            message("5", "", "2019"),
            "Date of birth must include a month"
        );
        assert_eq!(
            message("", "", "2019"),
            "Date of birth must include a day and month"
        );
        assert_eq!(
            message("5", "", ""),
            "Date of birth must include a month and year"
        );
        assert_eq!(
            message("", "3", ""),
            "Date of birth must include a day and year"
        );
        let fields = parse("5", "", "").err().map(|e| e.fields());
        assert_eq!(
            fields,
            Some(DateFields {
                day: false,
                month: true,
                year: true
            })
        );
    }

    #[test]
    fn impossible_or_non_numeric_dates_are_not_real() {
        assert_eq!(
            message("31", "2", "2019"),
            "Date of birth must be a real date"
        );
        assert_eq!(
            message("29", "2", "2019"),
            "Date of birth must be a real date"
        );
        assert_eq!(parse("29", "2", "2020"), Ok(Some(date(2020, 2, 29))));
        assert_eq!(
            message("0", "3", "2019"),
            "Date of birth must be a real date"
        );
        assert_eq!(
            message("5", "13", "2019"),
            "Date of birth must be a real date"
        );
        assert_eq!(
            message("five", "3", "2019"),
            "Date of birth must be a real date"
        );
        assert_eq!(
            message("-5", "3", "2019"),
            "Date of birth must be a real date"
        );
        assert_eq!(
            parse("x", "3", "2019").err().map(|e| e.fields().day),
            Some(true)
        );
    }

    #[test]
    fn year_needs_four_digits() {
        assert_eq!(
            message("5", "3", "19"),
            "Date of birth year must include 4 numbers"
        );
        assert_eq!(
            message("5", "3", "20190"),
            "Date of birth year must include 4 numbers"
        );
        assert_eq!(
            parse("5", "3", "19").err().map(|e| e.fields()),
            Some(DateFields {
                day: false,
                month: false,
                year: true
            })
        );
    }

    #[test]
    fn swaps_day_and_month_when_that_makes_a_different_real_date() {
        assert_eq!(swapped_day_month(date(2019, 3, 5)), Some(date(2019, 5, 3)));
        assert_eq!(swapped_day_month(date(2019, 4, 4)), None);
        assert_eq!(swapped_day_month(date(2019, 3, 25)), None);
    }

    #[test]
    fn age_counts_completed_years() {
        let dob = date(2010, 6, 15);
        assert_eq!(age_in_years(dob, date(2020, 6, 14)), 9);
        assert_eq!(age_in_years(dob, date(2020, 6, 15)), 10);
        assert_eq!(age_in_years(dob, date(2009, 1, 1)), 0);
        assert_eq!(age_in_years(dob, dob), 0);
    }

    #[test]
    fn leap_day_birthdays_count_from_1_march_in_common_years() {
        let dob = date(2008, 2, 29);
        assert_eq!(age_in_years(dob, date(2026, 2, 28)), 17);
        assert_eq!(age_in_years(dob, date(2026, 3, 1)), 18);
        assert_eq!(age_in_years(dob, date(2028, 2, 29)), 20);
    }

    #[test]
    fn iso_dates_are_strict() {
        assert_eq!(parse_iso_date("2019-03-05"), Ok(date(2019, 3, 5)));
        assert_eq!(parse_iso_date(" 2019-03-05 "), Ok(date(2019, 3, 5)));
        for bad in [
            "2019-3-5",
            "+2019-03-05",
            "20190-03-05",
            "2019-02-30",
            "2019/03/05",
            "",
            "2019-03-0x",
        ] {
            assert_eq!(parse_iso_date(bad), Err(DateError::NotIso), "{bad}");
        }
    }

    #[test]
    fn formats_long_and_short() {
        assert_eq!(format_long(date(2019, 3, 5)), "5 March 2019");
        assert_eq!(format_long(date(2019, 12, 25)), "25 December 2019");
        assert_eq!(format_short(date(2019, 3, 5)), "05/03/2019");
    }

    #[test]
    fn from_date_round_trips_through_parsing() {
        let d = date(2019, 3, 5);
        let parts = DateParts::from_date(d);
        assert_eq!(parts, DateParts::new("5", "3", "2019"));
        assert_eq!(parse_date_parts(&parts, "Date"), Ok(Some(d)));
        assert!(!parts.is_empty());
        assert!(DateParts::default().is_empty());
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(day in any::<String>(), month in any::<String>(), year in any::<String>(), label in any::<String>()) {
            let result = parse_date_parts(&DateParts::new(day.clone(), month, year), &label);
            // Whatever the input, a date only comes back when every box had something in it.
            if let Ok(Some(_)) = result {
                prop_assert!(!day.trim().is_empty());
            }
        }

        #[test]
        fn every_real_date_parses_back(days in 0u64..200_000) {
            let d = date(1900, 1, 1) + chrono::Days::new(days);
            prop_assert_eq!(parse_date_parts(&DateParts::from_date(d), "Date"), Ok(Some(d)));
            prop_assert_eq!(parse_iso_date(&d.format("%Y-%m-%d").to_string()), Ok(d));
        }
    }
}
