//! The front door: contacts, the supervised screening queue, decisions against the threshold
//! document, referrals, written receipts and feedback, and the out-of-hours handover.

pub mod contacts;
pub mod history;
pub mod messages;
pub mod out_of_hours;
pub mod performance;
pub mod queue;
pub mod referrals;
pub mod screening;

use cairn_domain::calendar::{Calendar, WorkingHours};
use cairn_domain::front_door::Rag;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde_json::Value;

use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::settings::Settings;

/// The council's working calendar: bank holidays, its own closure days and working hours.
/// Settings are checked at start-up (`Settings::problems`), so a bad value here falls back to
/// the default rather than failing a request.
pub fn calendar(settings: &Settings) -> Calendar {
    let closures = settings
        .extra_closure_days
        .iter()
        .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let hours = WorkingHours::parse(&settings.working_hours_start, &settings.working_hours_end)
        .unwrap_or_default();
    Calendar::england_and_wales()
        .with_extra_closures(closures)
        .with_working_hours(hours)
}

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// When a screening decision is due: red and amber in clock hours from receipt (a red contact
/// is worked at once, in or out of hours); green within the configured working days.
pub fn decision_due(
    settings: &Settings,
    calendar: &Calendar,
    rag: Rag,
    received: NaiveDateTime,
) -> ServiceResult<NaiveDateTime> {
    let due = match rag {
        Rag::Red => received + Duration::hours(i64::from(settings.screening_red_hours)),
        Rag::Amber => received + Duration::hours(i64::from(settings.screening_amber_hours)),
        Rag::Green => calendar
            .decision_deadline(utc(received), settings.screening_decision_working_days)
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .naive_utc(),
    };
    Ok(cairn_db::truncate_to_micros(due))
}

/// When the written receipt is due: within the configured working days of receipt.
pub fn receipt_due(
    settings: &Settings,
    calendar: &Calendar,
    received: NaiveDateTime,
) -> ServiceResult<NaiveDateTime> {
    Ok(cairn_db::truncate_to_micros(
        calendar
            .decision_deadline(utc(received), settings.receipt_working_days)
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .naive_utc(),
    ))
}

pub(crate) fn event(
    kind: &str,
    person_id: Option<&str>,
    entity_type: &str,
    entity_id: &str,
    actor: &Actor,
    data: Value,
) -> cairn_db::events::EventRow {
    cairn_db::events::EventRow {
        id: uuid::Uuid::now_v7().to_string(),
        at: cairn_db::now(),
        kind: kind.to_string(),
        person_id: person_id.map(str::to_string),
        entity_type: entity_type.to_string(),
        entity_id: entity_id.to_string(),
        actor_user_id: actor.author(),
        data: data.to_string(),
    }
}

/// A stored UTC time as people in England read it: "5 March 2026 at 14:05" (BST in summer).
pub fn uk_time(t: NaiveDateTime) -> String {
    utc(t)
        .with_timezone(&chrono_tz::Europe::London)
        .format("%-d %B %Y at %H:%M")
        .to_string()
}

/// "3 hours", "2 days": how long something has waited, for queues.
pub fn describe_duration(minutes: i64) -> String {
    let m = minutes.abs();
    if m < 60 {
        plural(m, "minute")
    } else if m < 48 * 60 {
        plural(m / 60, "hour")
    } else {
        plural(m / (24 * 60), "day")
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe_duration(1), "1 minute");
        assert_eq!(describe_duration(59), "59 minutes");
        assert_eq!(describe_duration(60), "1 hour");
        assert_eq!(describe_duration(-150), "2 hours");
        assert_eq!(describe_duration(47 * 60), "47 hours");
        assert_eq!(describe_duration(72 * 60), "3 days");
    }
}
