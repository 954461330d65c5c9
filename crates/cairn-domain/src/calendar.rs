//! The working-day calendar: England & Wales bank holidays, per-authority closure days and
//! office hours, and the arithmetic every statutory timescale is measured with.
//!
//! Statutory timescales are in *working days*: Monday to Friday excluding England & Wales
//! bank holidays (domain reference §1.4, §8.1). Scottish and Northern Irish holidays never
//! apply. This module decides the counting conventions once (§1.6) so that every screen,
//! report and return agrees:
//!
//! * **Day 0** ([`Calendar::add_working_days`], [`Calendar::working_days_between`]): the
//!   usual reading of "within N working days of X". X is day 0 and the deadline is the Nth
//!   working day after X. S47 started Fri 3 May 2024, +15 → Tue 28 May 2024.
//! * **Inclusive** ([`Calendar::working_days_inclusive`], [`Calendar::validator_cutoff`]):
//!   the CIN census validator's reading, where the start date is working day 1. Used only to
//!   reproduce the validator for "census readiness" checks (§8.4).
//!
//! Everything works on raw dates and recomputes on demand: a newly proclaimed one-off bank
//! holiday changes deadlines retrospectively, so never store "days late" (§1.6, §8.5).
//!
//! Times of day are handled as UTC instants and converted to Europe/London local time,
//! because office hours follow the wall clock through British Summer Time.

mod holidays;

use std::collections::BTreeSet;
use std::ops::Bound;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Europe::London;

pub use holidays::{BankHoliday, easter_sunday};

/// Why a calendar could not be configured or a calculation could not be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A working-hours time was not a 24-hour `HH:MM` time.
    #[error("{0:?} is not a time in the form HH:MM (24-hour clock)")]
    InvalidTime(String),
    /// Working hours must be a non-empty span within one day; overnight spans (an
    /// emergency duty team's hours) are modelled as "out of hours", not as working hours.
    #[error("working hours must end after they start (got {start} to {end})")]
    EmptyWorkingHours { start: NaiveTime, end: NaiveTime },
    /// The arithmetic ran past the dates chrono can represent (about ±262,000 years), which
    /// only an absurd number of working days can cause.
    #[error("the date is outside the range the calendar can represent")]
    OutOfRange,
}

/// The local (Europe/London) office hours within which a working day's clock runs.
///
/// The span is half-open, `start <= time < end`: with the default 09:00–17:00 a contact
/// at 17:00 exactly has arrived out of hours. Construct with [`WorkingHours::new`] or
/// [`WorkingHours::parse`], which guarantee `start < end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkingHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl WorkingHours {
    /// 09:00–17:00, the usual local authority office day and the default until an authority
    /// configures its own.
    pub const OFFICE: Self = Self {
        start: match NaiveTime::from_hms_opt(9, 0, 0) {
            Some(t) => t,
            None => NaiveTime::MIN,
        },
        end: match NaiveTime::from_hms_opt(17, 0, 0) {
            Some(t) => t,
            None => NaiveTime::MIN,
        },
    };

    /// Working hours from `start` (inclusive) to `end` (exclusive), local time. Errors if
    /// `end` is not after `start`.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, CalendarError> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(CalendarError::EmptyWorkingHours { start, end })
        }
    }

    /// Reads working hours as configured, e.g. `WorkingHours::parse("09:00", "17:00")`.
    /// Times are 24-hour `HH:MM` (surrounding spaces ignored).
    pub fn parse(start: &str, end: &str) -> Result<Self, CalendarError> {
        Self::new(parse_time(start)?, parse_time(end)?)
    }

    /// When the working day starts, local time.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// When the working day ends (the first moment that is out of hours), local time.
    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// Whether a local time of day falls within these hours (`start <= time < end`).
    pub fn contains(&self, time: NaiveTime) -> bool {
        self.start <= time && time < self.end
    }
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self::OFFICE
    }
}

fn parse_time(text: &str) -> Result<NaiveTime, CalendarError> {
    let trimmed = text.trim();
    let well_formed = trimmed.len() == 5
        && trimmed.as_bytes().get(2) == Some(&b':')
        && trimmed
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit());
    well_formed
        .then(|| NaiveTime::parse_from_str(trimmed, "%H:%M").ok())
        .flatten()
        .ok_or_else(|| CalendarError::InvalidTime(text.to_owned()))
}

/// A working-day calendar: England & Wales bank holidays, any extra days the authority
/// closes, and its office hours.
///
/// Bank holidays come from the standing rules plus a table of one-offs, so any year works
/// (see [`Calendar::england_and_wales`]). Extra closure days are for an authority's
/// *internal* targets only (e.g. the days between Christmas and New Year): statutory and
/// census calculations must use a calendar without them (domain reference §8.1, §8.5).
///
/// Cheap to clone; create once from configuration and share.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    extra_closures: BTreeSet<NaiveDate>,
    working_hours: WorkingHours,
}

impl Calendar {
    /// The national calendar for statutory timescales: Monday to Friday less England &
    /// Wales bank holidays, with 09:00–17:00 office hours and no extra closures.
    ///
    /// Bank holidays are generated by rule for any year (New Year's Day, Good Friday and
    /// Easter Monday from the Gregorian Easter, the first and last Mondays of May, the last
    /// Monday of August, Christmas and Boxing Day, with the weekend substitute days), then
    /// adjusted by a table of one-off and moved holidays (1995 onwards; 2011 royal wedding,
    /// 2012 and 2022 jubilees, 2020 VE Day, 2022 state funeral, 2023 coronation). Years
    /// before 1995 use the modern rules without their historical one-offs.
    pub fn england_and_wales() -> Self {
        Self::default()
    }

    /// Adds an authority's own closure days (in addition to any already added). Weekend
    /// dates and bank holidays are accepted and change nothing. For internal targets only.
    #[must_use]
    pub fn with_extra_closures(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.extra_closures.extend(dates);
        self
    }

    /// Replaces the office hours used by the time-of-day functions.
    #[must_use]
    pub fn with_working_hours(mut self, hours: WorkingHours) -> Self {
        self.working_hours = hours;
        self
    }

    /// The office hours in force.
    pub fn working_hours(&self) -> WorkingHours {
        self.working_hours
    }

    /// The authority's extra closure days, in date order.
    pub fn extra_closures(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.extra_closures.iter().copied()
    }

    /// England & Wales bank holidays in `year`, in date order (extra closures are not
    /// included: they are not bank holidays).
    pub fn bank_holidays(&self, year: i32) -> Vec<BankHoliday> {
        holidays::for_year(year)
    }

    /// The bank holiday on `date`, if there is one, so a screen can explain why a day did
    /// not count.
    pub fn bank_holiday(&self, date: NaiveDate) -> Option<BankHoliday> {
        holidays::for_year(date.year())
            .into_iter()
            .find(|h| h.date == date)
    }

    /// Whether `date` is an England & Wales bank holiday (substitute days included).
    pub fn is_bank_holiday(&self, date: NaiveDate) -> bool {
        self.bank_holiday(date).is_some()
    }

    /// Whether `date` is a working day: Monday to Friday, not a bank holiday and not one of
    /// this calendar's extra closure days.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        Lookup::new(self).is_working_day(date)
    }

    /// The first working day strictly after `date` (so Friday → Monday, and a working
    /// Tuesday → Wednesday). Same as `add_working_days(date, 1)`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.add_working_days(date, 1)
    }

    /// The last working day strictly before `date`. Same as `subtract_working_days(date, 1)`.
    pub fn previous_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.subtract_working_days(date, 1)
    }

    /// `date` itself if it is a working day, otherwise the next one: when a clock that
    /// started on a weekend actually starts running. Same as `add_working_days(date, 0)`.
    pub fn working_day_on_or_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.add_working_days(date, 0)
    }

    /// The deadline "within `n` working days of `date`", by the **day 0** convention:
    /// `date` is day 0 and the result is the `n`th working day after it, whether or not
    /// `date` itself is a working day (Saturday + 1 = Monday, Friday + 1 = Monday).
    ///
    /// `n = 0` returns `date` if it is a working day, otherwise the next working day.
    ///
    /// Inverse of [`Calendar::working_days_between`]: for `n >= 1`,
    /// `working_days_between(date, add_working_days(date, n)) == n`; for `n = 0` that holds
    /// when `date` is a working day. The result is always a working day.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut lookup = Lookup::new(self);
        if n == 0 {
            return if lookup.is_working_day(date) {
                Ok(date)
            } else {
                lookup.step(date, 1, Direction::Forward)
            };
        }
        // Leap ahead in whole weeks while many days remain: a week holds at most five
        // working days, so a jump of (remaining − 1) / 5 weeks never passes the answer.
        let mut current = date;
        let mut remaining = u64::from(n);
        while remaining > 5 {
            let weeks = (remaining - 1) / 5;
            let target = current
                .checked_add_days(Days::new(weeks * 7))
                .ok_or(CalendarError::OutOfRange)?;
            let counted = u64::try_from(self.working_days_between(current, target))
                .map_err(|_| CalendarError::OutOfRange)?;
            current = target;
            remaining -= counted;
        }
        lookup.step(current, remaining, Direction::Forward)
    }

    /// "`n` working days before `date`", the mirror of [`Calendar::add_working_days`]: the
    /// `n`th working day strictly before `date` (so the DfE's "start of year minus 1 working
    /// day" for 1 Apr 2024, Easter Monday, is Thu 28 Mar 2024). `n = 0` returns `date` if it
    /// is a working day, otherwise the previous working day.
    pub fn subtract_working_days(
        &self,
        date: NaiveDate,
        n: u32,
    ) -> Result<NaiveDate, CalendarError> {
        let mut lookup = Lookup::new(self);
        if n == 0 {
            return if lookup.is_working_day(date) {
                Ok(date)
            } else {
                lookup.step(date, 1, Direction::Backward)
            };
        }
        let mut current = date;
        let mut remaining = u64::from(n);
        while remaining > 5 {
            let weeks = (remaining - 1) / 5;
            let target = current
                .checked_sub_days(Days::new(weeks * 7))
                .ok_or(CalendarError::OutOfRange)?;
            // Working days in [target, current): those in (target, current], less `current`
            // itself, plus `target`. At most 5 × weeks, so fewer than `remaining`.
            let counted = u64::try_from(self.working_days_between(target, current))
                .map_err(|_| CalendarError::OutOfRange)?
                - u64::from(lookup.is_working_day(current))
                + u64::from(lookup.is_working_day(target));
            current = target;
            remaining -= counted;
        }
        lookup.step(current, remaining, Direction::Backward)
    }

    /// Working days elapsed from `from` to `to` by the **day 0** convention: the number of
    /// working days after `from`, up to and including `to`. `from` itself never counts.
    ///
    /// Zero when `to == from`; negative when `to` is before `from`, with
    /// `working_days_between(a, b) == -working_days_between(b, a)`, so "days remaining until
    /// a deadline" goes negative by the number of working days it is overdue.
    ///
    /// Use for "days elapsed" against a day-0 target: a single assessment is in time when
    /// `working_days_between(referral, authorised) <= 45`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let weekdays = weekdays_before(to) + i64::from(is_weekday(to))
            - weekdays_before(from)
            - i64::from(is_weekday(from));
        let closed = self.closed_weekdays_in(from, to);
        weekdays - closed
    }

    /// Working days from `from` to `to` counting **both ends** (when `from` is a working
    /// day it is day 1): the CIN census validator's convention (domain reference §1.6,
    /// §8.4). Zero when `to` is before `from`.
    ///
    /// Equals `working_days_between(from, to)` plus one when `from` is a working day.
    pub fn working_days_inclusive(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return 0;
        }
        self.working_days_between(from, to) + i64::from(self.is_working_day(from))
    }

    /// The CIN validator's cut-off "`n` working days before `reference`", reproduced
    /// exactly: pandas' `reference − CustomBusinessDay(n − 1)` (domain reference §8.4).
    ///
    /// The reference date counts as day 1; when it is not a working day pandas first rolls
    /// *forward* to the next working day (so for 31 Mar 2024, a Sunday before Easter
    /// Monday, the count starts from Tue 2 Apr). With `n = 1` this is "the first working
    /// day on or after `reference`", which is what the validator uses for 8569Q. A record
    /// is queried when its date is strictly before the cut-off.
    ///
    /// Unlike the validator, whose holiday list starts in 2022, this uses the full
    /// calendar; for `n = 0` it follows pandas too (roll back, then one working day on).
    pub fn validator_cutoff(
        &self,
        reference: NaiveDate,
        n: u32,
    ) -> Result<NaiveDate, CalendarError> {
        match n.checked_sub(1) {
            Some(back) => {
                let rolled = self.working_day_on_or_after(reference)?;
                self.subtract_working_days(rolled, back)
            }
            None => {
                let rolled = self.subtract_working_days(reference, 0)?;
                self.add_working_days(rolled, 1)
            }
        }
    }

    /// Whether `instant` falls within working hours on a working day, in UK local time
    /// (so 08:30 UTC in July, 09:30 BST, is within 09:00–17:00 but 08:30 UTC in January
    /// is not).
    pub fn is_within_working_hours(&self, instant: DateTime<Utc>) -> bool {
        let local = instant.with_timezone(&London).naive_local();
        self.working_hours.contains(local.time()) && self.is_working_day(local.date())
    }

    /// When working hours begin on `date` (UK local time), as a UTC instant. Does not check
    /// that `date` is a working day.
    pub fn start_of_working_day(&self, date: NaiveDate) -> Result<DateTime<Utc>, CalendarError> {
        london_to_utc(date, self.working_hours.start)
    }

    /// When working hours end on `date` (UK local time), as a UTC instant. Does not check
    /// that `date` is a working day.
    pub fn end_of_working_day(&self, date: NaiveDate) -> Result<DateTime<Utc>, CalendarError> {
        london_to_utc(date, self.working_hours.end)
    }

    /// When the clock next starts running: the start of working hours on the next working
    /// day after the current working period. During working hours, after hours, or on a
    /// non-working day that is the next working day's start; before the start of hours on
    /// a working day it is that same day's start.
    ///
    /// Used for out-of-hours (EDT) work that must be handed over "by the next working day"
    /// (domain reference §1.7).
    pub fn next_working_day_start(
        &self,
        instant: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let local = instant.with_timezone(&London).naive_local();
        let date = local.date();
        let day = if local.time() < self.working_hours.start && self.is_working_day(date) {
            date
        } else {
            self.next_working_day(date)?
        };
        self.start_of_working_day(day)
    }

    /// The same UK local clock time `n` working days later, by the day 0 convention on the
    /// local date (see [`Calendar::add_working_days`]). The wall-clock time is kept across
    /// a change between GMT and BST, so the UTC gap is not always `n` × 24 hours.
    pub fn add_working_days_at(
        &self,
        instant: DateTime<Utc>,
        n: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let local = instant.with_timezone(&London).naive_local();
        let date = self.add_working_days(local.date(), n)?;
        london_to_utc(date, local.time())
    }

    /// The deadline for a decision due "within `working_days` working days" of receipt,
    /// such as the 1-working-day decision on a contact or referral (domain reference §1.4).
    ///
    /// * Received within working hours: the same local time `working_days` working days
    ///   later (Tue 14:00 + 1 → Wed 14:00).
    /// * Received out of hours (evening, weekend, bank holiday, closure day): the clock
    ///   starts at the next working-day start, which counts as working day 1, and the
    ///   deadline is the end of working hours on the `working_days`th working day, so 1 →
    ///   close of the next working day (Fri 18:00 + 1 → Mon 17:00).
    ///
    /// `working_days = 0` means "immediately": the receipt time in hours, otherwise the
    /// next working-day start.
    pub fn decision_deadline(
        &self,
        received: DateTime<Utc>,
        working_days: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if self.is_within_working_hours(received) {
            return self.add_working_days_at(received, working_days);
        }
        let clock_starts = self.next_working_day_start(received)?;
        match working_days.checked_sub(1) {
            None => Ok(clock_starts),
            Some(more) => {
                let first_day = clock_starts.with_timezone(&London).date_naive();
                let last_day = self.add_working_days(first_day, more)?;
                self.end_of_working_day(last_day)
            }
        }
    }

    /// Number of Monday–Friday dates in `(from, to]` that are closed (a bank holiday or an
    /// extra closure day). Each date counts once even if it is both.
    fn closed_weekdays_in(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        let in_range = |d: &NaiveDate| *d > from && *d <= to && is_weekday(*d);
        let mut closed: BTreeSet<NaiveDate> = (from.year()..=to.year())
            .flat_map(holidays::for_year)
            .map(|h| h.date)
            .filter(in_range)
            .collect();
        // Callers guarantee `from <= to`; `range` would panic on a reversed range.
        closed.extend(
            self.extra_closures
                .range((Bound::Excluded(from), Bound::Included(to)))
                .copied()
                .filter(in_range),
        );
        i64::try_from(closed.len()).unwrap_or(i64::MAX)
    }
}

/// UK local `date` at `time` as a UTC instant. In the autumn hour that happens twice the
/// earlier (BST) instant is taken; a time in the spring-forward gap (01:00–02:00 local) is
/// moved forward by the length of the gap, as most libraries do. Ordinary office hours
/// never meet either case.
fn london_to_utc(date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, CalendarError> {
    let local = date.and_time(time);
    let resolved = match London.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
        LocalResult::None => local
            .checked_add_signed(TimeDelta::hours(1))
            .and_then(|later| London.from_local_datetime(&later).earliest()),
    };
    resolved
        .map(|t| t.with_timezone(&Utc))
        .ok_or(CalendarError::OutOfRange)
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Number of Monday–Friday dates strictly before `date`, counted from Monday 1 January
/// of year 1 (negative before it). Differences give weekday counts in O(1).
fn weekdays_before(date: NaiveDate) -> i64 {
    // Day 0 is 0001-01-01, a Monday in the proleptic Gregorian calendar.
    let days = i64::from(date.num_days_from_ce()) - 1;
    5 * days.div_euclid(7) + days.rem_euclid(7).min(5)
}

#[derive(Clone, Copy)]
enum Direction {
    Forward,
    Backward,
}

/// Closure lookups that compute each year's bank holidays once while stepping day by day.
struct Lookup<'a> {
    calendar: &'a Calendar,
    year: Option<i32>,
    holidays: Vec<NaiveDate>,
}

impl<'a> Lookup<'a> {
    fn new(calendar: &'a Calendar) -> Self {
        Self {
            calendar,
            year: None,
            holidays: Vec::new(),
        }
    }

    fn is_working_day(&mut self, date: NaiveDate) -> bool {
        if !is_weekday(date) || self.calendar.extra_closures.contains(&date) {
            return false;
        }
        if self.year != Some(date.year()) {
            self.year = Some(date.year());
            self.holidays = holidays::for_year(date.year())
                .iter()
                .map(|h| h.date)
                .collect();
        }
        !self.holidays.contains(&date)
    }

    /// The `n`th working day strictly after (or before) `date`; `n = 0` returns `date`.
    fn step(
        &mut self,
        date: NaiveDate,
        n: u64,
        direction: Direction,
    ) -> Result<NaiveDate, CalendarError> {
        let mut current = date;
        let mut remaining = n;
        while remaining > 0 {
            current = match direction {
                Direction::Forward => current.succ_opt(),
                Direction::Backward => current.pred_opt(),
            }
            .ok_or(CalendarError::OutOfRange)?;
            if self.is_working_day(current) {
                remaining -= 1;
            }
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn weekdays_before_agrees_with_chrono_weekdays() {
        let start = ymd(1999, 12, 20);
        let mut expected = weekdays_before(start);
        let mut date = start;
        for _ in 0..2000 {
            if is_weekday(date) {
                expected += 1;
            }
            date = date.succ_opt().unwrap_or(date);
            assert_eq!(weekdays_before(date), expected, "{date}");
        }
    }

    #[test]
    fn working_hours_parse_rejects_bad_input() {
        assert!(WorkingHours::parse("9am", "17:00").is_err());
        assert!(WorkingHours::parse("09:00", "25:00").is_err());
        assert!(WorkingHours::parse("09:0", "17:00").is_err());
        assert!(WorkingHours::parse("+9:00", "17:00").is_err());
        assert_eq!(
            WorkingHours::parse("17:00", "09:00"),
            Err(CalendarError::EmptyWorkingHours {
                start: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
                end: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            })
        );
        assert!(WorkingHours::parse("09:00", "09:00").is_err());
        assert_eq!(
            WorkingHours::parse(" 09:00 ", "17:00"),
            Ok(WorkingHours::OFFICE)
        );
    }

    #[test]
    fn office_hours_constant_is_nine_to_five() {
        assert_eq!(WorkingHours::OFFICE.start().to_string(), "09:00:00");
        assert_eq!(WorkingHours::OFFICE.end().to_string(), "17:00:00");
    }

    #[test]
    fn huge_offsets_report_out_of_range_rather_than_hang_or_panic() {
        let cal = Calendar::england_and_wales();
        assert_eq!(
            cal.add_working_days(ymd(2024, 1, 1), u32::MAX),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            cal.subtract_working_days(ymd(2024, 1, 1), u32::MAX),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            cal.next_working_day(NaiveDate::MAX),
            Err(CalendarError::OutOfRange)
        );
    }

    #[test]
    fn spring_forward_gap_moves_forward() {
        // 31 March 2024: clocks went from 01:00 GMT to 02:00 BST.
        let t = london_to_utc(
            ymd(2024, 3, 31),
            NaiveTime::from_hms_opt(1, 30, 0).unwrap_or(NaiveTime::MIN),
        );
        assert_eq!(
            t.map(|t| t.to_rfc3339()),
            Ok("2024-03-31T01:30:00+00:00".to_owned())
        );
        // 27 October 2024: 01:30 happened twice; the BST one (00:30 UTC) is taken.
        let t = london_to_utc(
            ymd(2024, 10, 27),
            NaiveTime::from_hms_opt(1, 30, 0).unwrap_or(NaiveTime::MIN),
        );
        assert_eq!(
            t.map(|t| t.to_rfc3339()),
            Ok("2024-10-27T00:30:00+00:00".to_owned())
        );
    }
}
