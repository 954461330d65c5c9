//! Times as the clock on the wall in England shows them. Times are stored in UTC; staff read
//! and type local time (BST in summer).

use cairn_domain::dates::{DateParts, parse_date_parts};
use cairn_domain::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

/// "5 March 2026 at 14:30": a stored (UTC) time as the clock in England showed it.
pub use cairn_core::front_door::uk_time;

/// [`uk_time`], or `none` when there is no time.
pub fn uk_time_or(t: Option<NaiveDateTime>, none: &str) -> String {
    t.map(uk_time).unwrap_or_else(|| none.to_string())
}

/// "5 Mar 2026, 14:03", UK local time, for table cells where space is short.
pub fn uk_time_short(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
        .with_timezone(&London)
        .format("%-d %b %Y, %H:%M")
        .to_string()
}

/// Today's date in England (ages are counted on the local date, not the UTC one).
pub fn today_in_england() -> NaiveDate {
    cairn_domain::thresholds::date_in_england(Utc::now())
}

/// Today's date and the time now in England, as a form's date and time fields show them.
pub fn now_fields() -> (DateParts, String) {
    let local = Utc::now().with_timezone(&London);
    (
        DateParts::from_date(local.date_naive()),
        local.format("%H:%M").to_string(),
    )
}

/// "14:30", "9:05" or "14.30": a time on the 24-hour clock.
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once([':', '.'])?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// Reads a GOV.UK date input named `field` and a time field `{field}_time`, typed as UK local
/// time, as UTC. Everything blank means "now" (`None`, no error); problems are pushed onto
/// `errors` against the date or the time field.
pub fn parse_uk_time(
    date: &DateParts,
    time: &str,
    field: &str,
    what: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDateTime> {
    let time_field = format!("{field}_time");
    let day = match parse_date_parts(date, &format!("The date {what}")) {
        Ok(d) => d,
        Err(e) => {
            errors.push(field, e.to_string());
            return None;
        }
    };
    let clock = if time.trim().is_empty() {
        None
    } else {
        match parse_clock(time) {
            Some(t) => Some(t),
            None => {
                errors.push(
                    &time_field,
                    "Enter the time on the 24-hour clock, for example 14:30",
                );
                return None;
            }
        }
    };
    match (day, clock) {
        (None, None) => None,
        (Some(_), None) => {
            errors.push(&time_field, format!("Enter the time {what}"));
            None
        }
        (None, Some(_)) => {
            errors.push(field, format!("Enter the date {what}"));
            None
        }
        // In the autumn the hour after 01:00 happens twice: the earlier one is taken, which
        // errs on the side of an earlier deadline. In the spring that hour never happens.
        (Some(d), Some(t)) => match London.from_local_datetime(&d.and_time(t)).earliest() {
            Some(local) => Some(local.with_timezone(&Utc).naive_utc()),
            None => {
                errors.push(
                    &time_field,
                    "That time did not happen: the clocks went forward an hour that night",
                );
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_uk_local_time() {
        let summer = NaiveDate::from_ymd_opt(2026, 7, 1).and_then(|d| d.and_hms_opt(13, 5, 0));
        let winter = NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(13, 5, 0));
        assert_eq!(summer.map(uk_time).as_deref(), Some("1 July 2026 at 14:05"));
        assert_eq!(
            winter.map(uk_time).as_deref(),
            Some("1 January 2026 at 13:05")
        );
    }

    #[test]
    fn uk_times_follow_the_clocks() {
        let mut e = FieldErrors::new();
        let summer = parse_uk_time(
            &DateParts::new("1", "7", "2025"),
            "14:30",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(
            summer.map(|t| t.to_string()).as_deref(),
            Some("2025-07-01 13:30:00")
        );
        let winter = parse_uk_time(
            &DateParts::new("5", "1", "2025"),
            "9.05",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(
            winter.map(|t| t.to_string()).as_deref(),
            Some("2025-01-05 09:05:00")
        );
        assert!(e.is_empty());
        // 01:30 on the last Sunday of March 2025 never happened in England.
        let gap = parse_uk_time(
            &DateParts::new("30", "3", "2025"),
            "01:30",
            "received",
            "x",
            &mut e,
        );
        assert!(gap.is_none());
        assert_eq!(
            e.iter().next().map(|x| x.field.as_str()),
            Some("received_time")
        );
        let mut e = FieldErrors::new();
        assert!(parse_uk_time(&DateParts::default(), "", "received", "x", &mut e).is_none());
        assert!(e.is_empty(), "blank means now");
        parse_uk_time(
            &DateParts::new("1", "7", "2025"),
            "25:00",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(e.len(), 1);
        // A date without a time is a mistake, not midnight.
        let mut e = FieldErrors::new();
        parse_uk_time(
            &DateParts::new("1", "7", "2025"),
            "",
            "received",
            "x",
            &mut e,
        );
        assert_eq!(
            e.iter().next().map(|x| x.field.as_str()),
            Some("received_time")
        );
        assert_eq!(
            uk_time(
                NaiveDateTime::parse_from_str("2025-07-01 13:30:00", "%Y-%m-%d %H:%M:%S")
                    .unwrap_or_default()
            ),
            "1 July 2025 at 14:30"
        );
    }
}
