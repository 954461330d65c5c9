//! The recording standards in force and their versions. A version is never edited: a new one,
//! effective from a date, supersedes the last from that date, so recording done earlier keeps
//! being measured against the standards that applied when it was done.

use cairn_db::DbConn;
use cairn_db::recording::standards::{self as repo, RecordingStandardsRow};
use cairn_domain::dates::format_long;
use cairn_domain::ids::RecordingStandardsId;
use cairn_domain::policy::Action;
use cairn_domain::recording::OversightPoint;
use cairn_domain::recording::standards::{REQUIRABLE_POINTS, RecordingStandards};
use cairn_domain::validation::{FieldErrors, clean_line, clean_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::casework::today;
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::tx;

/// The standards in force on `on`: the latest version effective on or before it, or the
/// earliest version for a day before every version.
///
/// Takes no actor and opens no transaction: services call it inside their own transaction,
/// after their own permission check, to measure what they read.
pub fn in_force(c: &mut DbConn, on: NaiveDate) -> ServiceResult<RecordingStandards> {
    let row = match repo::in_force_on(c, on)? {
        Some(row) => row,
        None => repo::earliest(c)?.ok_or_else(|| {
            ServiceError::Internal("no recording standards are configured".into())
        })?,
    };
    standards_from_row(&row)
}

fn count(n: i32, what: &str) -> ServiceResult<u32> {
    u32::try_from(n)
        .map_err(|_| ServiceError::Internal(format!("recording standards have no valid {what}")))
}

/// Parses the stored JSON list of oversight point codes; an unknown code is skipped rather
/// than failing every page that measures oversight.
pub fn points_from_json(json: &str) -> Vec<OversightPoint> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|code| OversightPoint::from_code(code))
        .collect()
}

/// The stored JSON list of oversight point codes.
pub fn points_to_json(points: &[OversightPoint]) -> String {
    serde_json::Value::from(points.iter().map(|p| p.code()).collect::<Vec<_>>()).to_string()
}

pub fn standards_from_row(row: &RecordingStandardsRow) -> ServiceResult<RecordingStandards> {
    Ok(RecordingStandards {
        name: row.name.clone(),
        effective_from: row.effective_from,
        note_delay_working_days: count(row.note_delay_working_days, "note delay")?,
        oversight_interval_working_days: count(
            row.oversight_interval_working_days,
            "oversight interval",
        )?,
        oversight_points: points_from_json(&row.oversight_points),
        newly_qualified_weekly_weeks: count(row.newly_qualified_weekly_weeks, "weekly weeks")?,
        newly_qualified_fortnightly_months: count(
            row.newly_qualified_fortnightly_months,
            "fortnightly months",
        )?,
        supervision_interval_days: count(row.supervision_interval_days, "supervision interval")?,
        supervision_minimum_minutes: count(row.supervision_minimum_minutes, "minimum minutes")?,
    })
}

/// One stored version and whether it is the one in force today.
#[derive(Clone, Debug, Serialize)]
pub struct StandardsVersion {
    pub id: String,
    pub standards: RecordingStandards,
    pub notes: String,
    pub created_at: chrono::NaiveDateTime,
    pub created_by_name: String,
    pub in_force: bool,
}

/// Every version, newest first, as of `today` (in England).
#[derive(Clone, Debug, Serialize)]
pub struct StandardsVersions {
    pub today: NaiveDate,
    pub versions: Vec<StandardsVersion>,
}

impl StandardsVersions {
    /// The version in force today.
    pub fn current(&self) -> Option<&StandardsVersion> {
        self.versions.iter().find(|v| v.in_force)
    }
}

/// A new version as typed. Counts are `None` when blank.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StandardsInput {
    pub name: String,
    pub effective_from: Option<NaiveDate>,
    pub note_delay_working_days: Option<u32>,
    pub oversight_interval_working_days: Option<u32>,
    /// Oversight point codes.
    pub oversight_points: Vec<String>,
    pub newly_qualified_weekly_weeks: Option<u32>,
    pub newly_qualified_fortnightly_months: Option<u32>,
    pub supervision_interval_days: Option<u32>,
    pub supervision_minimum_minutes: Option<u32>,
    pub notes: String,
}

impl StandardsInput {
    /// A form prefilled from an existing version, to be changed into the next one.
    pub fn from_standards(s: &RecordingStandards) -> StandardsInput {
        StandardsInput {
            name: String::new(),
            effective_from: None,
            note_delay_working_days: Some(s.note_delay_working_days),
            oversight_interval_working_days: Some(s.oversight_interval_working_days),
            oversight_points: s
                .oversight_points
                .iter()
                .map(|p| p.code().to_string())
                .collect(),
            newly_qualified_weekly_weeks: Some(s.newly_qualified_weekly_weeks),
            newly_qualified_fortnightly_months: Some(s.newly_qualified_fortnightly_months),
            supervision_interval_days: Some(s.supervision_interval_days),
            supervision_minimum_minutes: Some(s.supervision_minimum_minutes),
            notes: String::new(),
        }
    }
}

fn load(c: &mut DbConn, today: NaiveDate) -> ServiceResult<StandardsVersions> {
    let rows = repo::all(c)?;
    let all = rows
        .iter()
        .map(standards_from_row)
        .collect::<ServiceResult<Vec<_>>>()?;
    let current = RecordingStandards::in_force(&all, today).map(|s| s.effective_from);
    let authors: Vec<String> = rows.iter().map(|r| r.created_by.clone()).collect();
    let names = cairn_db::users::display_names(c, &authors)?;
    let mut versions: Vec<StandardsVersion> = rows
        .into_iter()
        .zip(all)
        .map(|(row, standards)| StandardsVersion {
            in_force: Some(standards.effective_from) == current,
            created_by_name: names
                .get(&row.created_by)
                .cloned()
                .unwrap_or_else(|| "Cairn (built in)".to_string()),
            id: row.id,
            notes: row.notes,
            created_at: row.created_at,
            standards,
        })
        .collect();
    versions.reverse();
    Ok(StandardsVersions { today, versions })
}

/// Every version, for the people who add new ones.
pub fn list(conn: &mut DbConn, actor: &Actor) -> ServiceResult<StandardsVersions> {
    tx::require(conn, actor, Action::ManageRecordingStandards)?;
    tx::read(conn, actor, |c| load(c, today()))
}

/// The version in force today, for any member of staff to read what each standard means.
pub fn current(conn: &mut DbConn, actor: &Actor) -> ServiceResult<StandardsVersion> {
    tx::require(conn, actor, Action::ViewCasework)?;
    tx::read(conn, actor, |c| {
        load(c, today())?
            .versions
            .into_iter()
            .find(|v| v.in_force)
            .ok_or_else(|| ServiceError::Internal("no recording standards are configured".into()))
    })
}

fn points_of(input: &StandardsInput, errors: &mut FieldErrors) -> Vec<OversightPoint> {
    let mut points = Vec::new();
    for code in &input.oversight_points {
        match OversightPoint::from_code(code) {
            Some(p) if !points.contains(&p) => points.push(p),
            Some(_) => {}
            None => errors.push("oversight_points", "Select only the points listed"),
        }
    }
    // Kept in list order whatever order the form sent them in.
    REQUIRABLE_POINTS
        .iter()
        .copied()
        .filter(|p| points.contains(p))
        .chain(
            points
                .iter()
                .copied()
                .filter(|p| !REQUIRABLE_POINTS.contains(p)),
        )
        .collect()
}

/// Builds the version a form describes, with every problem against its field.
fn validate(input: &StandardsInput) -> Result<(RecordingStandards, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = clean_line("name", "The name", &input.name, 200, true, &mut errors);
    if input.effective_from.is_none() {
        errors.push("effective_from", "Enter the date this version takes effect");
    }
    let mut n = |field: &str, label: &str, v: Option<u32>| {
        if v.is_none() {
            errors.push(field, format!("Enter the {label}"));
        }
        v.unwrap_or(0)
    };
    let note_delay = n(
        "note_delay_working_days",
        "working days within which a note must be recorded",
        input.note_delay_working_days,
    );
    let oversight_interval = n(
        "oversight_interval_working_days",
        "oversight interval",
        input.oversight_interval_working_days,
    );
    let weekly = n(
        "newly_qualified_weekly_weeks",
        "weeks of weekly supervision",
        input.newly_qualified_weekly_weeks,
    );
    let fortnightly = n(
        "newly_qualified_fortnightly_months",
        "months of fortnightly supervision",
        input.newly_qualified_fortnightly_months,
    );
    let interval = n(
        "supervision_interval_days",
        "supervision interval",
        input.supervision_interval_days,
    );
    let minutes = n(
        "supervision_minimum_minutes",
        "minimum length of a supervision session",
        input.supervision_minimum_minutes,
    );
    let oversight_points = points_of(input, &mut errors);
    let notes = clean_text("notes", "Notes", &input.notes, 2_000, false, &mut errors);
    let standards = RecordingStandards {
        name: name.unwrap_or_default(),
        effective_from: input.effective_from.unwrap_or_default(),
        note_delay_working_days: note_delay,
        oversight_interval_working_days: oversight_interval,
        oversight_points,
        newly_qualified_weekly_weeks: weekly,
        newly_qualified_fortnightly_months: fortnightly,
        supervision_interval_days: interval,
        supervision_minimum_minutes: minutes,
    };
    if let Err(more) = standards.validate() {
        for e in more.iter() {
            errors.push(e.field.clone(), e.message.clone());
        }
    }
    errors.into_result((standards, notes.unwrap_or_default()))
}

/// Every check [`add_version`] makes that needs no database, so a form with a problem of its
/// own (a number it could not read) can still list every other problem at once.
pub fn check_input(input: &StandardsInput) -> Result<(), FieldErrors> {
    validate(input).map(|_| ())
}

fn int(n: u32) -> i32 {
    // `validate` bounds every count far below i32::MAX.
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn row_of(id: &str, s: &RecordingStandards, notes: String, actor: &Actor) -> RecordingStandardsRow {
    RecordingStandardsRow {
        id: id.to_string(),
        name: s.name.clone(),
        effective_from: s.effective_from,
        note_delay_working_days: int(s.note_delay_working_days),
        oversight_interval_working_days: int(s.oversight_interval_working_days),
        oversight_points: points_to_json(&s.oversight_points),
        newly_qualified_weekly_weeks: int(s.newly_qualified_weekly_weeks),
        newly_qualified_fortnightly_months: int(s.newly_qualified_fortnightly_months),
        supervision_interval_days: int(s.supervision_interval_days),
        supervision_minimum_minutes: int(s.supervision_minimum_minutes),
        notes,
        created_at: cairn_db::now(),
        created_by: actor.author(),
    }
}

fn duplicate_date(date: NaiveDate) -> ServiceError {
    ServiceError::invalid(
        "effective_from",
        &format!(
            "A version already takes effect on {}: choose another date (versions are never changed)",
            format_long(date)
        ),
    )
}

/// Adds a version effective from its date. Versions are never edited, and no two take
/// effect on the same day.
pub fn add_version(
    conn: &mut DbConn,
    actor: &Actor,
    input: &StandardsInput,
) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageRecordingStandards)?;
    let (standards, notes) = validate(input)?;
    let id = RecordingStandardsId::new().to_string();
    let row = row_of(&id, &standards, notes, actor);
    let written = tx::write(conn, actor, |c| {
        if repo::find_effective_from(c, standards.effective_from)?.is_some() {
            return Err(duplicate_date(standards.effective_from));
        }
        repo::insert(c, &row)?;
        let detail = json!({ "standards": standards, "notes": row.notes });
        cairn_db::events::append(
            c,
            &event(
                "recording_standards.version_added",
                None,
                "recording_standards",
                &id,
                actor,
                detail.clone(),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("recording_standards.add_version")
                .on("recording_standards", &id)
                .detail(detail),
        )?;
        Ok(())
    });
    match written {
        // Two people adding the same date at once: the database's unique index stops the
        // second.
        Err(ServiceError::Db(e)) if e.is_unique_violation() => {
            Err(duplicate_date(standards.effective_from))
        }
        other => other.map(|()| id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_round_trip_through_json_and_skip_unknown_codes() {
        let json = points_to_json(&[OversightPoint::Allocation, OversightPoint::Closure]);
        assert_eq!(json, r#"["allocation","closure"]"#);
        assert_eq!(
            points_from_json(r#"["closure","nonsense"]"#),
            vec![OversightPoint::Closure]
        );
        assert!(points_from_json("not json").is_empty());
    }

    #[test]
    fn a_blank_count_is_an_error_against_its_field() {
        let mut input = StandardsInput::from_standards(&RecordingStandards::defaults());
        input.name = "Next".into();
        input.effective_from = NaiveDate::from_ymd_opt(2030, 1, 1);
        assert!(check_input(&input).is_ok());
        input.supervision_interval_days = None;
        input.oversight_interval_working_days = Some(0);
        input.oversight_points = vec!["closure".into(), "bogus".into()];
        let errors = check_input(&input).expect_err("invalid");
        assert!(errors.for_field("supervision_interval_days").is_some());
        assert!(
            errors
                .for_field("oversight_interval_working_days")
                .is_some()
        );
        assert!(errors.for_field("oversight_points").is_some());
    }
}
