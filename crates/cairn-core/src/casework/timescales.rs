//! The versions of the timescales casework is measured against. A version is never edited:
//! a new one, effective from a date, supersedes the last for referrals from that date, so an
//! old episode keeps being measured against the rules that applied when it began.

use cairn_db::DbConn;
use cairn_db::casework::timescales::{self as repo, TimescaleProfileRow};
use cairn_domain::casework::timescales::{AssessmentModel, TimescaleProfile};
use cairn_domain::dates::format_long;
use cairn_domain::ids::TimescaleProfileId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, clean_line, clean_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{profile_from_row, today};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::front_door::event;
use crate::tx;

/// One stored version and whether it is the one in force today.
#[derive(Clone, Debug, Serialize)]
pub struct TimescaleVersion {
    pub id: String,
    pub profile: TimescaleProfile,
    pub notes: String,
    pub created_at: chrono::NaiveDateTime,
    pub created_by_name: String,
    pub in_force: bool,
}

/// Every version, newest first, as of `today` (in England).
#[derive(Clone, Debug, Serialize)]
pub struct TimescaleVersions {
    pub today: NaiveDate,
    pub versions: Vec<TimescaleVersion>,
}

impl TimescaleVersions {
    /// The version in force today.
    pub fn current(&self) -> Option<&TimescaleVersion> {
        self.versions.iter().find(|v| v.in_force)
    }
}

/// A new version as typed. Counts are `None` when blank; the regime's unused counts are
/// ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimescaleInput {
    pub name: String,
    pub effective_from: Option<NaiveDate>,
    /// "single" or "initial_and_core".
    pub assessment_model: String,
    pub single_assessment_working_days: Option<u32>,
    pub initial_assessment_working_days: Option<u32>,
    pub core_assessment_working_days: Option<u32>,
    pub icpc_working_days: Option<u32>,
    pub first_review_months: Option<u32>,
    pub review_interval_months: Option<u32>,
    pub core_group_working_days: Option<u32>,
    pub cp_visit_working_days: Option<u32>,
    pub cin_visit_working_days: Option<u32>,
    pub cin_review_months: Option<u32>,
    pub notes: String,
}

impl TimescaleInput {
    /// A form prefilled from an existing version, to be changed into the next one.
    pub fn from_profile(p: &TimescaleProfile) -> TimescaleInput {
        let (model, single, initial, core) = match p.assessment {
            AssessmentModel::Single { working_days } => ("single", Some(working_days), None, None),
            AssessmentModel::InitialAndCore {
                initial_working_days,
                core_working_days,
            } => (
                "initial_and_core",
                None,
                Some(initial_working_days),
                Some(core_working_days),
            ),
        };
        TimescaleInput {
            name: String::new(),
            effective_from: None,
            assessment_model: model.into(),
            single_assessment_working_days: single,
            initial_assessment_working_days: initial,
            core_assessment_working_days: core,
            icpc_working_days: Some(p.icpc_working_days),
            first_review_months: Some(p.first_review_months),
            review_interval_months: Some(p.review_interval_months),
            core_group_working_days: Some(p.core_group_working_days),
            cp_visit_working_days: Some(p.cp_visit_working_days),
            cin_visit_working_days: Some(p.cin_visit_working_days),
            cin_review_months: Some(p.cin_review_months),
            notes: String::new(),
        }
    }
}

fn load(c: &mut DbConn, today: NaiveDate) -> ServiceResult<TimescaleVersions> {
    let rows = repo::all(c)?;
    let profiles = rows
        .iter()
        .map(profile_from_row)
        .collect::<ServiceResult<Vec<_>>>()?;
    let current = TimescaleProfile::in_force(&profiles, today).map(|p| p.effective_from);
    let names = cairn_db::users::display_names(
        c,
        &rows
            .iter()
            .map(|r| r.created_by.clone())
            .collect::<Vec<_>>(),
    )?;
    let mut versions: Vec<TimescaleVersion> = rows
        .into_iter()
        .zip(profiles)
        .map(|(row, profile)| TimescaleVersion {
            in_force: Some(profile.effective_from) == current,
            created_by_name: names
                .get(&row.created_by)
                .cloned()
                .unwrap_or_else(|| "Cairn (built in)".to_string()),
            id: row.id,
            notes: row.notes,
            created_at: row.created_at,
            profile,
        })
        .collect();
    versions.reverse();
    Ok(TimescaleVersions { today, versions })
}

/// Every version, for the administrators who add new ones.
pub fn list(conn: &mut DbConn, actor: &Actor) -> ServiceResult<TimescaleVersions> {
    tx::require(conn, actor, Action::ManageTimescales)?;
    tx::read(conn, actor, |c| load(c, today()))
}

/// The version in force today, for any member of staff to read what each timescale means.
pub fn in_force(conn: &mut DbConn, actor: &Actor) -> ServiceResult<TimescaleVersion> {
    tx::require(conn, actor, Action::ViewCasework)?;
    tx::read(conn, actor, |c| {
        load(c, today())?
            .versions
            .into_iter()
            .find(|v| v.in_force)
            .ok_or_else(|| ServiceError::Internal("no timescale profile is configured".into()))
    })
}

/// Builds the profile a form describes, with every problem against its field.
fn validate(input: &TimescaleInput) -> Result<(TimescaleProfile, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = clean_line("name", "The name", &input.name, 200, true, &mut errors);
    if input.effective_from.is_none() {
        errors.push("effective_from", "Enter the date this version takes effect");
    }
    let n = |v: Option<u32>| v.unwrap_or(0);
    let assessment = match input.assessment_model.as_str() {
        "single" => Some(AssessmentModel::Single {
            working_days: n(input.single_assessment_working_days),
        }),
        "initial_and_core" => Some(AssessmentModel::InitialAndCore {
            initial_working_days: n(input.initial_assessment_working_days),
            core_working_days: n(input.core_assessment_working_days),
        }),
        _ => {
            errors.push("assessment_model", "Select how assessments are organised");
            None
        }
    };
    let notes = clean_text("notes", "Notes", &input.notes, 2_000, false, &mut errors);
    let profile = TimescaleProfile {
        name: name.unwrap_or_default(),
        effective_from: input.effective_from.unwrap_or_default(),
        // A placeholder only so the counts below are checked as well; the missing regime is
        // already an error.
        assessment: assessment.unwrap_or(AssessmentModel::Single { working_days: 1 }),
        icpc_working_days: n(input.icpc_working_days),
        first_review_months: n(input.first_review_months),
        review_interval_months: n(input.review_interval_months),
        core_group_working_days: n(input.core_group_working_days),
        cp_visit_working_days: n(input.cp_visit_working_days),
        cin_visit_working_days: n(input.cin_visit_working_days),
        cin_review_months: n(input.cin_review_months),
    };
    if let Err(more) = profile.validate() {
        for e in more.iter() {
            errors.push(e.field.clone(), e.message.clone());
        }
    }
    errors.into_result((profile, notes.unwrap_or_default()))
}

/// Every check [`add_version`] makes that needs no database, so a form with a problem of its
/// own (a number it could not read) can still list every other problem at once.
pub fn check_input(input: &TimescaleInput) -> Result<(), FieldErrors> {
    validate(input).map(|_| ())
}

fn count(n: u32) -> i32 {
    // `validate` bounds every count far below i32::MAX.
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn row_of(id: &str, p: &TimescaleProfile, notes: String, actor: &Actor) -> TimescaleProfileRow {
    let (model, single, initial, core) = match p.assessment {
        AssessmentModel::Single { working_days } => {
            ("single", Some(count(working_days)), None, None)
        }
        AssessmentModel::InitialAndCore {
            initial_working_days,
            core_working_days,
        } => (
            "initial_and_core",
            None,
            Some(count(initial_working_days)),
            Some(count(core_working_days)),
        ),
    };
    TimescaleProfileRow {
        id: id.to_string(),
        name: p.name.clone(),
        effective_from: p.effective_from,
        assessment_model: model.to_string(),
        single_assessment_working_days: single,
        initial_assessment_working_days: initial,
        core_assessment_working_days: core,
        icpc_working_days: count(p.icpc_working_days),
        first_review_months: count(p.first_review_months),
        review_interval_months: count(p.review_interval_months),
        core_group_working_days: count(p.core_group_working_days),
        cp_visit_working_days: count(p.cp_visit_working_days),
        cin_visit_working_days: count(p.cin_visit_working_days),
        cin_review_months: count(p.cin_review_months),
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
    input: &TimescaleInput,
) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageTimescales)?;
    let (profile, notes) = validate(input)?;
    let id = TimescaleProfileId::new().to_string();
    let row = row_of(&id, &profile, notes, actor);
    let written = tx::write(conn, actor, |c| {
        if repo::find_effective_from(c, profile.effective_from)?.is_some() {
            return Err(duplicate_date(profile.effective_from));
        }
        repo::insert(c, &row)?;
        let detail = json!({ "profile": profile, "notes": row.notes });
        cairn_db::events::append(
            c,
            &event(
                "timescales.version_added",
                None,
                "timescale_profile",
                &id,
                actor,
                detail.clone(),
            ),
        )?;
        audit_trail::write(
            c,
            actor,
            Record::ok("timescales.add_version")
                .on("timescale_profile", &id)
                .detail(detail),
        )?;
        Ok(())
    });
    match written {
        // Two administrators adding the same date at once: the database's unique index
        // stops the second.
        Err(ServiceError::Db(e)) if e.is_unique_violation() => {
            Err(duplicate_date(profile.effective_from))
        }
        other => other.map(|()| id),
    }
}
