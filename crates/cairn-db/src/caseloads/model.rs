//! Versioned workload models. Rows are never changed: a new version with a later
//! `effective_from` supersedes the last from that day.

use std::collections::BTreeMap;

use cairn_domain::caseloads::model::{Limits, WorkloadModel};
use cairn_domain::caseloads::points::Points;
use cairn_domain::caseloads::{CaseFactor, Service, WorkKind};
use cairn_domain::roles::Role;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::{workload_capacities, workload_limits, workload_models, workload_weights};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = workload_models, treat_none_as_default_value = false)]
struct ModelRow {
    id: String,
    name: String,
    effective_from: NaiveDate,
    newly_qualified_percent: i32,
    newly_qualified_months: i32,
    escalate_unallocated_after_working_days: i32,
    notes: String,
    created_at: NaiveDateTime,
    created_by: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = workload_weights)]
struct WeightRow {
    model_id: String,
    dimension: String,
    code: String,
    weight_centi: i32,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = workload_capacities)]
struct CapacityRow {
    model_id: String,
    role: String,
    capacity_centi: i32,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = workload_limits)]
struct LimitRow {
    model_id: String,
    service: String,
    amber_percent: i32,
    red_percent: i32,
}

/// A stored version of the model: who made it and when, and the model itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredModel {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub model: WorkloadModel,
}

fn to_u32(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Every version, oldest first.
pub fn all(conn: &mut DbConn) -> Result<Vec<StoredModel>, DbError> {
    let models: Vec<ModelRow> = workload_models::table
        .order(workload_models::effective_from.asc())
        .select(ModelRow::as_select())
        .load(conn)?;
    let weights: Vec<WeightRow> = workload_weights::table
        .select(WeightRow::as_select())
        .load(conn)?;
    let capacities: Vec<CapacityRow> = workload_capacities::table
        .select(CapacityRow::as_select())
        .load(conn)?;
    let limits: Vec<LimitRow> = workload_limits::table
        .select(LimitRow::as_select())
        .load(conn)?;
    models
        .into_iter()
        .map(|m| assemble(m, &weights, &capacities, &limits))
        .collect()
}

/// The version in force on `date` (see [`WorkloadModel::in_force`]).
pub fn in_force(conn: &mut DbConn, date: NaiveDate) -> Result<StoredModel, DbError> {
    let versions = all(conn)?;
    let chosen = versions
        .iter()
        .filter(|v| v.model.effective_from <= date)
        .max_by_key(|v| v.model.effective_from)
        .or_else(|| versions.iter().min_by_key(|v| v.model.effective_from))
        .cloned();
    chosen.ok_or_else(|| DbError::Corrupt("there is no workload model".into()))
}

fn assemble(
    m: ModelRow,
    weights: &[WeightRow],
    capacities: &[CapacityRow],
    limits: &[LimitRow],
) -> Result<StoredModel, DbError> {
    let corrupt = |what: &str, code: &str| {
        DbError::Corrupt(format!("workload model {}: unknown {what} {code:?}", m.id))
    };
    let mut work_weights = BTreeMap::new();
    let mut factor_weights = BTreeMap::new();
    for w in weights.iter().filter(|w| w.model_id == m.id) {
        let points = Points::from_centi(i64::from(w.weight_centi));
        match w.dimension.as_str() {
            "work" => {
                let kind = WorkKind::from_code(&w.code).ok_or_else(|| corrupt("work", &w.code))?;
                work_weights.insert(kind, points);
            }
            "factor" => {
                let f = CaseFactor::from_code(&w.code).ok_or_else(|| corrupt("factor", &w.code))?;
                factor_weights.insert(f, points);
            }
            other => return Err(corrupt("dimension", other)),
        }
    }
    let mut caps = BTreeMap::new();
    for c in capacities.iter().filter(|c| c.model_id == m.id) {
        let role = Role::from_code(&c.role).ok_or_else(|| corrupt("role", &c.role))?;
        caps.insert(role, Points::from_centi(i64::from(c.capacity_centi)));
    }
    let mut levels = BTreeMap::new();
    for l in limits.iter().filter(|l| l.model_id == m.id) {
        let service =
            Service::from_code(&l.service).ok_or_else(|| corrupt("service", &l.service))?;
        levels.insert(
            service,
            Limits {
                amber_percent: to_u32(l.amber_percent),
                red_percent: to_u32(l.red_percent),
            },
        );
    }
    Ok(StoredModel {
        model: WorkloadModel {
            name: m.name,
            effective_from: m.effective_from,
            work_weights,
            factor_weights,
            capacities: caps,
            limits: levels,
            newly_qualified_percent: to_u32(m.newly_qualified_percent),
            newly_qualified_months: to_u32(m.newly_qualified_months),
            escalate_unallocated_after_working_days: to_u32(
                m.escalate_unallocated_after_working_days,
            ),
            notes: m.notes,
        },
        id: m.id,
        created_at: m.created_at,
        created_by: m.created_by,
    })
}

/// Stores a new version. A second version from the same day is a unique violation (the
/// caller turns it into a field error on `effective_from`).
pub fn insert(
    conn: &mut DbConn,
    id: &str,
    model: &WorkloadModel,
    created_by: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(workload_models::table)
        .values(ModelRow {
            id: id.to_string(),
            name: model.name.clone(),
            effective_from: model.effective_from,
            newly_qualified_percent: to_i32(model.newly_qualified_percent),
            newly_qualified_months: to_i32(model.newly_qualified_months),
            escalate_unallocated_after_working_days: to_i32(
                model.escalate_unallocated_after_working_days,
            ),
            notes: model.notes.clone(),
            created_at: now,
            created_by: created_by.to_string(),
        })
        .execute(conn)?;
    let weights: Vec<WeightRow> = model
        .work_weights
        .iter()
        .map(|(k, w)| ("work", k.code(), *w))
        .chain(
            model
                .factor_weights
                .iter()
                .map(|(f, w)| ("factor", f.code(), *w)),
        )
        .map(|(dimension, code, w)| WeightRow {
            model_id: id.to_string(),
            dimension: dimension.to_string(),
            code: code.to_string(),
            weight_centi: w.centi_i32(),
        })
        .collect();
    // One row at a time: the multi-database connection has no batch insert.
    for row in &weights {
        diesel::insert_into(workload_weights::table)
            .values(row)
            .execute(conn)?;
    }
    let capacities: Vec<CapacityRow> = model
        .capacities
        .iter()
        .map(|(role, c)| CapacityRow {
            model_id: id.to_string(),
            role: role.code().to_string(),
            capacity_centi: c.centi_i32(),
        })
        .collect();
    // One row at a time: the multi-database connection has no batch insert.
    for row in &capacities {
        diesel::insert_into(workload_capacities::table)
            .values(row)
            .execute(conn)?;
    }
    let limits: Vec<LimitRow> = model
        .limits
        .iter()
        .map(|(service, l)| LimitRow {
            model_id: id.to_string(),
            service: service.code().to_string(),
            amber_percent: to_i32(l.amber_percent),
            red_percent: to_i32(l.red_percent),
        })
        .collect();
    // One row at a time: the multi-database connection has no batch insert.
    for row in &limits {
        diesel::insert_into(workload_limits::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
