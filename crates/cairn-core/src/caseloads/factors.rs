//! The weighting factors a manager sets on a child's case (out of area, interpreter needed,
//! complexity, court work, looked after): set with a note, cleared, never deleted, and each
//! change re-rates the case holder's load.

use std::collections::BTreeMap;

use cairn_db::DbConn;
use cairn_db::caseloads::allocations as allocation_repo;
use cairn_db::caseloads::factors::{self as repo, FactorRow};
use cairn_db::caseloads::load;
use cairn_domain::caseloads::load::WeighedWork;
use cairn_domain::caseloads::{AllocatedWork, ManagerFlag};
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, MAX_TEXT_LEN, clean_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::alerts::{self, Affected};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::casework::audit_after_read;
use crate::casework::strategy::child_summary;
use crate::error::{ServiceError, ServiceResult};
use crate::search::PersonSummary;
use crate::tx;

/// The factors a manager wants set on the case after saving.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FactorsInput {
    /// [`ManagerFlag`] codes ticked; every other flag is cleared.
    pub set: Vec<String>,
    /// A note per flag code, kept with a flag being set.
    pub notes: BTreeMap<String, String>,
}

/// One flag as the page shows it: set (since when, by whom, why) or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlagLine {
    pub flag: ManagerFlag,
    pub current: Option<FactorRow>,
    pub set_by_name: Option<String>,
}

/// The child's factors now, their history and what the case weighs with them.
#[derive(Clone, Debug, Serialize)]
pub struct FactorsView {
    pub child: PersonSummary,
    pub flags: Vec<FlagLine>,
    /// Newest first.
    pub history: Vec<FactorRow>,
    pub names: BTreeMap<String, String>,
    /// What the open case weighs today under the model in force, if there is an open case.
    pub weight: Option<WeighedWork>,
}

fn may_see(actor: &Actor, person_id: &str) -> ServiceResult<()> {
    if actor.may(Action::AllocateWork) || actor.may(Action::ViewCaseloads) {
        Ok(())
    } else {
        Err(ServiceError::denied_on_person(
            Action::AllocateWork,
            person_id,
        ))
    }
}

/// The factors page; an audited read of the child's record.
pub fn view(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    today: NaiveDate,
) -> ServiceResult<FactorsView> {
    let allowed = may_see(actor, person_id);
    if allowed.is_err() {
        // Recorded as a denial, naming the child.
        tx::require_on_person(conn, actor, Action::AllocateWork, person_id)?;
    }
    let view = tx::read(conn, actor, |c| {
        let child = child_summary(c, actor, person_id)?;
        let open = repo::open_for_person(c, person_id)?;
        let history = repo::for_person(c, person_id)?;
        let mut users: Vec<String> = history.iter().map(|h| h.set_by.clone()).collect();
        users.extend(history.iter().filter_map(|h| h.cleared_by.clone()));
        users.sort();
        users.dedup();
        let names: BTreeMap<String, String> = cairn_db::users::display_names(c, &users)?
            .into_iter()
            .collect();
        let flags = ManagerFlag::ALL
            .iter()
            .map(|flag| {
                let current = open.iter().find(|r| r.factor == flag.code()).cloned();
                FlagLine {
                    flag: *flag,
                    set_by_name: current.as_ref().and_then(|r| names.get(&r.set_by).cloned()),
                    current,
                }
            })
            .collect();
        let weight = match cairn_db::front_door::referrals::open_for_person(c, person_id)? {
            Some(referral) => {
                let model = cairn_db::caseloads::model::in_force(c, today)?.model;
                let key = (person_id.to_string(), referral.id);
                let facts = load::case_facts(c, std::slice::from_ref(&key), today)?;
                Some(model.weigh(
                    AllocatedWork::Case,
                    &facts.get(&key).cloned().unwrap_or_default(),
                ))
            }
            None => None,
        };
        Ok(FactorsView {
            child,
            flags,
            history,
            names,
            weight,
        })
    })?;
    audit_after_read(
        conn,
        actor,
        Record::ok("workload_factors.view")
            .on("person", person_id)
            .person(person_id),
    )?;
    Ok(view)
}

/// What saving the factors changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FactorsChanged {
    pub set: Vec<String>,
    pub cleared: Vec<String>,
}

/// Sets the ticked flags and clears the others, in one transaction, audited; then re-rates
/// the case holder's load (their alerts may be raised or cleared).
pub fn set(
    conn: &mut DbConn,
    actor: &Actor,
    person_id: &str,
    input: &FactorsInput,
    today: NaiveDate,
) -> ServiceResult<FactorsChanged> {
    tx::require_on_person(conn, actor, Action::AllocateWork, person_id)?;
    tx::write(conn, actor, |c| {
        child_summary(c, actor, person_id)?;
        let mut errors = FieldErrors::new();
        let mut wanted = Vec::new();
        for code in input.set.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            match ManagerFlag::from_code(code) {
                Some(flag) if !wanted.contains(&flag) => wanted.push(flag),
                Some(_) => {}
                None => errors.push("set", "Select factors from the list"),
            }
        }
        let mut notes = BTreeMap::new();
        for (code, note) in &input.notes {
            if let Some(flag) = ManagerFlag::from_code(code) {
                let field = format!("note-{code}");
                if let Some(text) = clean_text(
                    &field,
                    &format!("The note for {}", flag.label().to_lowercase()),
                    note,
                    MAX_TEXT_LEN,
                    false,
                    &mut errors,
                ) {
                    notes.insert(flag, text);
                }
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let open = repo::open_for_person(c, person_id)?;
        let now = cairn_db::now();
        let by = actor.author();
        let mut changed = FactorsChanged::default();
        for row in &open {
            let still = ManagerFlag::from_code(&row.factor).is_some_and(|f| wanted.contains(&f));
            if !still && repo::clear(c, &row.id, &by, now)? {
                changed.cleared.push(row.factor.clone());
            }
        }
        for flag in &wanted {
            if open.iter().any(|r| r.factor == flag.code()) {
                continue;
            }
            repo::insert(
                c,
                &FactorRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    person_id: person_id.to_string(),
                    factor: flag.code().to_string(),
                    note: notes.get(flag).cloned().unwrap_or_default(),
                    set_at: now,
                    set_by: by.clone(),
                    cleared_at: None,
                    cleared_by: None,
                },
            )
            .map_err(|e| {
                if e.is_unique_violation() {
                    ServiceError::Conflict(
                        "Someone else changed these factors while you were looking at them".into(),
                    )
                } else {
                    ServiceError::Db(e)
                }
            })?;
            changed.set.push(flag.code().to_string());
        }
        if changed.set.is_empty() && changed.cleared.is_empty() {
            return Ok(changed);
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("workload_factors.change")
                .on("person", person_id)
                .person(person_id)
                .detail(json!({ "set": changed.set, "cleared": changed.cleared })),
        )?;
        if let Some(referral) = cairn_db::front_door::referrals::open_for_person(c, person_id)?
            && let Some(holder) =
                allocation_repo::open_for_work(c, AllocatedWork::Case.code(), &referral.id)?
        {
            alerts::reevaluate(
                c,
                actor,
                &Affected {
                    workers: vec![holder.worker_id],
                    teams: vec![holder.team_id],
                },
                "weighting factors changed",
                today,
            )?;
        }
        Ok(changed)
    })
}
