//! The workload model: the version in force, publishing it, and adding a version.
//!
//! Every worker may read the model (it is applied to them). A service manager or an
//! administrator adds a version: each number is read from what was typed, with a problem
//! against its own field (missing, not a number, too precise, negative), and the version is
//! never changed afterwards. A version that is already in force when it is saved re-rates
//! every worker and team at once.

use std::collections::BTreeMap;

use cairn_db::DbConn;
use cairn_db::caseloads::model::{self as repo, StoredModel};
use cairn_domain::caseloads::model::{Limits, WorkloadModel};
use cairn_domain::caseloads::points::{Points, PointsError};
use cairn_domain::caseloads::{CaseFactor, Service, WorkKind};
use cairn_domain::dates::format_long;
use cairn_domain::policy::Action;
use cairn_domain::roles::Role;
use cairn_domain::validation::{FieldErrors, clean_line, clean_text};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::json;

use super::alerts::{self, Affected};
use crate::audit_trail::{self, Record};
use crate::error::ServiceError;
use crate::{Actor, ServiceResult, tx};

/// The roles a version gives a capacity to, in the order the form shows them. A capacity of
/// 0 means the role holds no cases.
pub const CAPACITY_ROLES: [Role; 6] = [
    Role::SocialWorker,
    Role::SeniorPractitioner,
    Role::FrontDoorPractitioner,
    Role::OutOfHoursWorker,
    Role::TeamManager,
    Role::ServiceManager,
];

/// A version as typed: every number kept as text, so a mistake is shown back exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ModelInput {
    pub name: String,
    pub effective_from: Option<NaiveDate>,
    /// Weight by `WorkKind` code.
    pub work: BTreeMap<String, String>,
    /// Weight by `CaseFactor` code.
    pub factor: BTreeMap<String, String>,
    /// Full-time capacity by `Role` code.
    pub capacity: BTreeMap<String, String>,
    /// Amber level (percent of capacity) by `Service` code.
    pub amber: BTreeMap<String, String>,
    /// Red level (percent of capacity) by `Service` code.
    pub red: BTreeMap<String, String>,
    pub newly_qualified_percent: String,
    pub newly_qualified_months: String,
    pub escalate_unallocated_after_working_days: String,
    pub notes: String,
}

impl ModelInput {
    /// The form filled from a version (to be changed into the next): name, date and notes are
    /// left for the new version.
    pub fn from_model(m: &WorkloadModel) -> ModelInput {
        ModelInput {
            name: String::new(),
            effective_from: None,
            work: WorkKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), m.work_weight(*k).to_string()))
                .collect(),
            factor: CaseFactor::ALL
                .iter()
                .map(|f| (f.code().to_string(), m.factor_weight(*f).to_string()))
                .collect(),
            capacity: CAPACITY_ROLES
                .iter()
                .map(|r| {
                    let c = m.capacities.get(r).copied().unwrap_or_default();
                    (r.code().to_string(), c.to_string())
                })
                .collect(),
            amber: Service::ALL
                .iter()
                .map(|s| {
                    (
                        s.code().to_string(),
                        m.limits_for(*s).amber_percent.to_string(),
                    )
                })
                .collect(),
            red: Service::ALL
                .iter()
                .map(|s| {
                    (
                        s.code().to_string(),
                        m.limits_for(*s).red_percent.to_string(),
                    )
                })
                .collect(),
            newly_qualified_percent: m.newly_qualified_percent.to_string(),
            newly_qualified_months: m.newly_qualified_months.to_string(),
            escalate_unallocated_after_working_days: m
                .escalate_unallocated_after_working_days
                .to_string(),
            notes: String::new(),
        }
    }
}

fn points_message(e: PointsError, what: &str) -> String {
    match e {
        PointsError::Missing => format!("Enter {what}"),
        PointsError::NotANumber => format!("Enter {what} as a number, like 1.5"),
        PointsError::TooPrecise => "Use at most two decimal places, like 1.25".into(),
        PointsError::TooLarge => "The number is too large".into(),
    }
}

fn read_points(
    errors: &mut FieldErrors,
    field: String,
    typed: Option<&String>,
    what: &str,
) -> Option<Points> {
    match Points::parse(typed.map_or("", String::as_str)) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(field, points_message(e, what));
            None
        }
    }
}

fn read_whole(errors: &mut FieldErrors, field: String, typed: &str, what: &str) -> Option<u32> {
    let t = typed.trim();
    if t.is_empty() {
        errors.push(field, format!("Enter {what}"));
        return None;
    }
    match t.trim_end_matches('%').trim().parse::<i64>() {
        Ok(n) if n < 0 => {
            errors.push(field, format!("{} cannot be negative", capitalise(what)));
            None
        }
        Ok(n) => match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(field, "The number is too large");
                None
            }
        },
        Err(_) => {
            errors.push(field, format!("Enter {what} as a whole number, like 85"));
            None
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Reads a typed version into a model and checks it: every field's problem at once, each
/// against its field (`work.<code>`, `factor.<code>`, `capacity.<role>`, `amber.<service>`,
/// `red.<service>`, `name`, `effective_from`, …).
pub fn read_input(input: &ModelInput) -> Result<WorkloadModel, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = clean_line(
        "name",
        "The name of this version",
        &input.name,
        200,
        true,
        &mut errors,
    );
    if input.effective_from.is_none() {
        errors.push("effective_from", "Enter the date this version takes effect");
    }
    let mut work_weights = BTreeMap::new();
    for k in WorkKind::ALL {
        let what = format!("a weight for {}", k.label().to_lowercase());
        if let Some(p) = read_points(
            &mut errors,
            format!("work.{}", k.code()),
            input.work.get(k.code()),
            &what,
        ) {
            work_weights.insert(*k, p);
        }
    }
    let mut factor_weights = BTreeMap::new();
    for f in CaseFactor::ALL {
        let what = format!("a weight for {}", f.label().to_lowercase());
        if let Some(p) = read_points(
            &mut errors,
            format!("factor.{}", f.code()),
            input.factor.get(f.code()),
            &what,
        ) {
            factor_weights.insert(*f, p);
        }
    }
    let mut capacities = BTreeMap::new();
    for r in CAPACITY_ROLES {
        let what = format!(
            "the capacity of a full-time {} (0 if the role holds no cases)",
            r.label().to_lowercase()
        );
        if let Some(p) = read_points(
            &mut errors,
            format!("capacity.{}", r.code()),
            input.capacity.get(r.code()),
            &what,
        ) {
            capacities.insert(r, p);
        }
    }
    let mut limits = BTreeMap::new();
    for s in Service::ALL {
        let service = s.label().to_lowercase();
        let amber = read_whole(
            &mut errors,
            format!("amber.{}", s.code()),
            input.amber.get(s.code()).map_or("", String::as_str),
            &format!("the amber level for {service}"),
        );
        let red = read_whole(
            &mut errors,
            format!("red.{}", s.code()),
            input.red.get(s.code()).map_or("", String::as_str),
            &format!("the red level for {service}"),
        );
        if let (Some(amber_percent), Some(red_percent)) = (amber, red) {
            limits.insert(
                *s,
                Limits {
                    amber_percent,
                    red_percent,
                },
            );
        }
    }
    let nq_percent = read_whole(
        &mut errors,
        "newly_qualified_percent".into(),
        &input.newly_qualified_percent,
        "the newly qualified share of capacity",
    );
    let nq_months = read_whole(
        &mut errors,
        "newly_qualified_months".into(),
        &input.newly_qualified_months,
        "the protected period in months",
    );
    let escalate = read_whole(
        &mut errors,
        "escalate_unallocated_after_working_days".into(),
        &input.escalate_unallocated_after_working_days,
        "the working days before a waiting child is escalated",
    );
    let notes = clean_text(
        "notes",
        "The notes",
        &input.notes,
        5_000,
        false,
        &mut errors,
    );
    let model = WorkloadModel {
        name: name.unwrap_or_default(),
        effective_from: input.effective_from.unwrap_or_default(),
        work_weights,
        factor_weights,
        capacities,
        limits,
        newly_qualified_percent: nq_percent.unwrap_or(0),
        newly_qualified_months: nq_months.unwrap_or(0),
        escalate_unallocated_after_working_days: escalate.unwrap_or(0),
        notes: notes.unwrap_or_default(),
    };
    // The model's own rules (negative weights, levels out of order, …), for the fields the
    // form could read: a field already refused is reported once.
    if let Err(more) = model.validate() {
        for e in more.iter() {
            let unread = match e.field.as_str() {
                "newly_qualified_percent" => nq_percent.is_none(),
                "newly_qualified_months" => nq_months.is_none(),
                "escalate_unallocated_after_working_days" => escalate.is_none(),
                _ => false,
            };
            let amber_or_red_unread = e
                .field
                .split_once('.')
                .filter(|(d, _)| *d == "amber" || *d == "red")
                .is_some_and(|(_, code)| {
                    Service::from_code(code).is_some_and(|s| !limits_read(&model, s))
                });
            if errors.for_field(&e.field).is_none() && !unread && !amber_or_red_unread {
                errors.push(e.field.clone(), e.message.clone());
            }
        }
    }
    errors.into_result(model)
}

fn limits_read(model: &WorkloadModel, s: Service) -> bool {
    model.limits.contains_key(&s)
}

/// One stored version, as the published page and the history show it.
#[derive(Clone, Debug, Serialize)]
pub struct ModelVersion {
    pub id: String,
    pub model: WorkloadModel,
    pub created_at: NaiveDateTime,
    pub created_by_name: String,
    pub in_force: bool,
    pub future: bool,
}

/// The published model: the version in force and every version.
#[derive(Clone, Debug, Serialize)]
pub struct PublishedModel {
    pub current: ModelVersion,
    /// Newest first.
    pub versions: Vec<ModelVersion>,
    pub today: NaiveDate,
}

impl PublishedModel {
    /// What a role's capacity becomes at these hours, newly qualified or not.
    pub fn capacity(&self, role: Role, fte_centi: u32, newly_qualified: bool) -> Points {
        let m = &self.current.model;
        let nq = newly_qualified.then_some(self.today);
        m.capacity(role, fte_centi, nq, self.today)
    }
}

fn versions_of(
    c: &mut DbConn,
    stored: Vec<StoredModel>,
    today: NaiveDate,
) -> ServiceResult<(ModelVersion, Vec<ModelVersion>)> {
    let models: Vec<WorkloadModel> = stored.iter().map(|s| s.model.clone()).collect();
    let current_from = WorkloadModel::in_force(&models, today).map(|m| m.effective_from);
    let authors: Vec<String> = stored.iter().map(|s| s.created_by.clone()).collect();
    let names = cairn_db::users::display_names(c, &authors)?;
    let mut versions: Vec<ModelVersion> = stored
        .into_iter()
        .map(|s| ModelVersion {
            in_force: Some(s.model.effective_from) == current_from,
            future: s.model.effective_from > today,
            created_by_name: names
                .get(&s.created_by)
                .cloned()
                .unwrap_or_else(|| "Cairn (built in)".into()),
            created_at: s.created_at,
            id: s.id,
            model: s.model,
        })
        .collect();
    versions.reverse();
    let current = versions
        .iter()
        .find(|v| v.in_force)
        .cloned()
        .ok_or_else(|| ServiceError::Internal("there is no workload model".into()))?;
    Ok((current, versions))
}

/// The model in force and its history, for every member of staff.
pub fn published(
    conn: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
) -> ServiceResult<PublishedModel> {
    tx::require(conn, actor, Action::ViewWorkloadModel)?;
    tx::read(conn, actor, |c| {
        let stored = repo::all(c)?;
        let (current, versions) = versions_of(c, stored, today)?;
        Ok(PublishedModel {
            current,
            versions,
            today,
        })
    })
}

/// The add-a-version form, filled from the version in force.
pub fn new_version_form(
    conn: &mut DbConn,
    actor: &Actor,
    today: NaiveDate,
) -> ServiceResult<(ModelInput, PublishedModel)> {
    tx::require(conn, actor, Action::ManageWorkloadModel)?;
    let published = tx::read(conn, actor, |c| {
        let stored = repo::all(c)?;
        let (current, versions) = versions_of(c, stored, today)?;
        Ok(PublishedModel {
            current,
            versions,
            today,
        })
    })?;
    Ok((ModelInput::from_model(&published.current.model), published))
}

fn duplicate_date(date: NaiveDate) -> ServiceError {
    ServiceError::invalid(
        "effective_from",
        &format!(
            "There is already a version from {}: choose another date",
            format_long(date)
        ),
    )
}

/// Adds a version. Refused with field errors for anything missing, unreadable or negative,
/// and for a date that already has a version. A version in force from today (or earlier)
/// re-rates every worker and team in the same transaction, so alerts follow the new weights
/// at once.
pub fn add_version(
    conn: &mut DbConn,
    actor: &Actor,
    input: &ModelInput,
    today: NaiveDate,
) -> ServiceResult<String> {
    tx::require(conn, actor, Action::ManageWorkloadModel)?;
    let model = read_input(input).map_err(ServiceError::Invalid)?;
    let id = uuid::Uuid::now_v7().to_string();
    let written = tx::write(conn, actor, |c| {
        if repo::all(c)?
            .iter()
            .any(|v| v.model.effective_from == model.effective_from)
        {
            return Err(duplicate_date(model.effective_from));
        }
        repo::insert(c, &id, &model, &actor.author(), cairn_db::now())?;
        audit_trail::write(
            c,
            actor,
            Record::ok("workload_model.add_version")
                .on("workload_model", &id)
                .detail(json!({ "model": model })),
        )?;
        if model.effective_from <= today {
            let workers: Vec<String> =
                cairn_db::caseloads::load::workers(c, cairn_db::caseloads::load::Workers::All)?
                    .into_iter()
                    .map(|w| w.user_id)
                    .collect();
            let teams = cairn_db::organisation::team_ids(c)?;
            alerts::reevaluate(
                c,
                actor,
                &Affected { workers, teams },
                "weights changed",
                today,
            )?;
        }
        if model.effective_from < today {
            // Snapshots already taken from that day counted under the old weights.
            super::snapshots::schedule_retake(c, model.effective_from)?;
        }
        Ok(())
    });
    match written {
        // Two people adding the same date at once: the unique index stops the second.
        Err(ServiceError::Db(e)) if e.is_unique_violation() => {
            Err(duplicate_date(model.effective_from))
        }
        other => other.map(|()| id),
    }
}
