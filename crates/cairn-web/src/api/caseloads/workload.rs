//! The workload model, workers' loads and alerts over the API: `GET /workload/model` (the
//! model in force, published to every member of staff), `GET /teams/{id}/workload` (each
//! member's weighted load today, computed as the allocation screen computes it) and
//! `GET /workload/alerts` (the open workload alerts). Scope `workload:read`.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use cairn_core::caseloads::alerts::{self, AlertView};
use cairn_core::caseloads::availability::{self, TeamWorkload};
use cairn_core::caseloads::model::{self, ModelVersion};
use cairn_domain::caseloads::load::Load;
use cairn_domain::caseloads::{AlertLevel, AlertSubject, CaseFactor, Rating, Service, WorkKind};
use cairn_domain::roles::Role;
use serde_json::{Map, Value, json};

use crate::api::doc::{id_param, string};
use crate::api::{ApiActor, err, json_reply, uuid_path};
use crate::error::AppError;
use crate::form::FormData;
use crate::pages::uk_time::today_in_england;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workload/model", get(model_in_force))
        .route("/teams/{id}/workload", get(team_workload))
        .route("/workload/alerts", get(open_alerts))
}

fn model_json(v: &ModelVersion) -> Value {
    let m = &v.model;
    json!({
        "id": v.id,
        "name": m.name,
        "effective_from": m.effective_from,
        "created_at": v.created_at.and_utc(),
        "created_by": v.created_by_name,
        "work_weights": m.work_weights.iter().map(|(k, w)| json!({
            "code": k.code(), "label": k.label(), "weight_centi": w.centi(),
        })).collect::<Vec<_>>(),
        "factor_weights": m.factor_weights.iter().map(|(f, w)| json!({
            "code": f.code(), "label": f.label(), "weight_centi": w.centi(),
        })).collect::<Vec<_>>(),
        "capacities": m.capacities.iter().map(|(r, c)| json!({
            "role": r.code(), "label": r.label(), "capacity_centi": c.centi(),
        })).collect::<Vec<_>>(),
        "limits": m.limits.iter().map(|(s, l)| json!({
            "service": s.code(), "label": s.label(),
            "amber_percent": l.amber_percent, "red_percent": l.red_percent,
        })).collect::<Vec<_>>(),
        "newly_qualified_percent": m.newly_qualified_percent,
        "newly_qualified_months": m.newly_qualified_months,
        "escalate_unallocated_after_working_days": m.escalate_unallocated_after_working_days,
        "notes": m.notes,
    })
}

fn load_json(l: &Load) -> Value {
    json!({
        "cases": l.cases,
        "pieces_of_work": l.pieces_of_work,
        "weighted_centi": l.weighted.centi(),
        "capacity_centi": l.capacity.centi(),
        "percent": l.percent,
        "rating": l.rating.code(),
    })
}

fn team_json(t: &TeamWorkload) -> Value {
    json!({
        "team": { "id": t.team_id, "name": t.team_name },
        "service": t.service.code(),
        "model": t.model,
        "on": t.on,
        "total": {
            "weighted_centi": t.team.weighted.centi(),
            "capacity_centi": t.team.capacity.centi(),
            "percent": t.team.percent,
            "rating": t.team.rating.code(),
        },
        "workers": t.workers.iter().map(|(wl, available)| {
            let w = &wl.worker;
            json!({
                "worker": { "id": w.user_id, "name": w.display_name, "role": w.role.code() },
                "fte_centi": w.fte_centi,
                "newly_qualified_from": w.newly_qualified_from,
                "available": available,
                "left_on": w.left_on,
                "load": load_json(&wl.load),
            })
        }).collect::<Vec<_>>(),
    })
}

fn alert_json(v: &AlertView) -> Value {
    let a = &v.alert;
    json!({
        "id": a.id,
        "subject": { "kind": v.subject.code(), "id": a.subject_id, "name": v.subject_name },
        "team": { "id": a.team_id, "name": v.team_name },
        "level": a.level,
        "cause": a.cause,
        "load_percent": a.load_percent,
        "raised_at": a.raised_at.and_utc(),
        "updated_at": a.updated_at.and_utc(),
    })
}

async fn model_in_force(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
) -> Response {
    let today = today_in_england();
    let result = state
        .db(move |c| Ok(model_json(&model::published(c, &actor, today)?.current)))
        .await;
    json_reply(&headers, result)
}

async fn team_workload(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let today = today_in_england();
    let result = state
        .db(move |c| {
            Ok(team_json(&availability::team_workload(
                c, &actor, &id, today,
            )?))
        })
        .await;
    json_reply(&headers, result)
}

async fn open_alerts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let team: Option<String> = match form.get("team").trim() {
        "" => None,
        t => Some(t.chars().take(64).collect()),
    };
    let result = state
        .db(move |c| {
            let open = alerts::open(c, &actor, team.as_deref())?;
            Ok(json!({
                "team_id": team,
                "alerts": open.iter().map(alert_json).collect::<Vec<_>>(),
            }))
        })
        .await;
    json_reply(&headers, result)
}

fn responses(description: &str, schema: &str, not_found: bool) -> Value {
    let mut errors = vec![
        ("401", "No valid API token."),
        (
            "403",
            "The token's user or scopes may not do this (recorded in the audit log).",
        ),
    ];
    if not_found {
        errors.push(("404", "No such team."));
    }
    crate::api::doc::responses(&errors, "200", description, schema)
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    paths.insert("/workload/model".into(), json!({
        "get": {
            "summary": "The workload model in force",
            "description": "The weights by kind of work and by factor, the capacity of each case-holding role at full time, the amber and red levels of each service and the protection of newly qualified workers, as published to every member of staff. Weights and capacities are in hundredths of a point. Needs scope workload:read.",
            "responses": responses("The model in force today.", "WorkloadModel", false),
        }
    }));
    paths.insert("/teams/{id}/workload".into(), json!({
        "get": {
            "summary": "A team's workload today",
            "description": "Each member's cases, weighted load, capacity (by role, hours and newly qualified protection) and rating against the service's levels, and the team's total (the weighted work of its case-holding members against the capacity of those available today). Computed live, as the allocation screen computes it. For managers, performance officers, auditors and inspectors. Audited. Needs scope workload:read.",
            "parameters": [id_param("The team's id.")],
            "responses": responses("The team's workload.", "TeamWorkload", true),
        }
    }));
    paths.insert("/workload/alerts".into(), json!({
        "get": {
            "summary": "Open workload alerts",
            "description": "Workers and teams over their amber or red level, and children waiting too long for allocation, with no decision recorded and not yet back under the level. For managers, performance officers, auditors and inspectors. Audited. Needs scope workload:read.",
            "parameters": [{ "name": "team", "in": "query", "required": false, "description": "One team's alerts (a team id).", "schema": { "type": "string", "format": "uuid" } }],
            "responses": responses("The open alerts, newest first.", "WorkloadAlerts", false),
        }
    }));
}

fn codes<T: Copy>(all: &[T], code: fn(&T) -> &'static str) -> Value {
    json!(all.iter().map(code).collect::<Vec<_>>())
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let int = |d: &str| json!({ "type": "integer", "description": d });
    let pct = |d: &str| json!({ "type": ["integer", "null"], "description": d });
    let ratings = codes(Rating::ALL, Rating::code);
    let weights = |enumeration: Value| {
        json!({ "type": "array", "items": { "type": "object", "properties": {
            "code": { "type": "string", "enum": enumeration },
            "label": string("In words."),
            "weight_centi": int("Weight in hundredths of a point."),
        } } })
    };
    s.insert("WorkloadModel".into(), json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "name": string("The version's name."),
            "effective_from": { "type": "string", "format": "date" },
            "created_at": { "type": "string", "format": "date-time" },
            "created_by": string("Who added the version."),
            "work_weights": weights(codes(WorkKind::ALL, WorkKind::code)),
            "factor_weights": weights(codes(CaseFactor::ALL, CaseFactor::code)),
            "capacities": { "type": "array", "items": { "type": "object", "properties": {
                "role": { "type": "string", "enum": codes(Role::ALL, Role::code) },
                "label": string("The role in words."),
                "capacity_centi": int("A full-time worker's capacity in hundredths of a point."),
            } } },
            "limits": { "type": "array", "items": { "type": "object", "properties": {
                "service": { "type": "string", "enum": codes(Service::ALL, Service::code) },
                "label": string("The service in words."),
                "amber_percent": int("Amber from this percentage of capacity."),
                "red_percent": int("Red above this percentage of capacity."),
            } } },
            "newly_qualified_percent": int("A newly qualified worker's capacity as a percentage of their role's."),
            "newly_qualified_months": int("For this many months from qualifying."),
            "escalate_unallocated_after_working_days": int("A child waiting this many working days is escalated."),
            "notes": string("Notes published with the version."),
        }
    }));
    let load = json!({
        "type": "object",
        "properties": {
            "cases": int("Children whose case the worker holds."),
            "pieces_of_work": int("Pieces of work held in other workers' cases."),
            "weighted_centi": int("Weighted load in hundredths of a point."),
            "capacity_centi": int("Capacity in hundredths of a point."),
            "percent": pct("Load as a percentage of capacity; null without capacity."),
            "rating": { "type": "string", "enum": ratings },
        }
    });
    let named = json!({
        "type": "object",
        "properties": { "id": { "type": ["string", "null"] }, "name": { "type": ["string", "null"] } }
    });
    s.insert("TeamWorkload".into(), json!({
        "type": "object",
        "properties": {
            "team": named,
            "service": { "type": "string", "enum": codes(Service::ALL, Service::code) },
            "model": string("The workload model version in force."),
            "on": { "type": "string", "format": "date" },
            "total": {
                "type": "object",
                "properties": {
                    "weighted_centi": int("Case-holding members' weighted work."),
                    "capacity_centi": int("Capacity of the case-holding members available today."),
                    "percent": pct("weighted as a percentage of capacity."),
                    "rating": { "type": "string", "enum": ratings },
                }
            },
            "workers": { "type": "array", "items": { "type": "object", "properties": {
                "worker": { "type": "object", "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" },
                    "role": { "type": "string", "enum": codes(Role::ALL, Role::code) },
                } },
                "fte_centi": int("Contracted hours, 100 = full time."),
                "newly_qualified_from": { "type": ["string", "null"], "format": "date" },
                "available": { "type": "boolean", "description": "Can take new work today (active, not on leave, not left)." },
                "left_on": { "type": ["string", "null"], "format": "date" },
                "load": load,
            } } },
        }
    }));
    s.insert("WorkloadAlerts".into(), json!({
        "type": "object",
        "properties": {
            "team_id": { "type": ["string", "null"] },
            "alerts": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string", "format": "uuid" },
                "subject": { "type": "object", "properties": {
                    "kind": { "type": "string", "enum": codes(AlertSubject::ALL, AlertSubject::code) },
                    "id": string("The worker's user id, the team's id or the waiting case's id."),
                    "name": string("The worker or team; no child is named."),
                } },
                "team": named,
                "level": { "type": "string", "enum": codes(AlertLevel::ALL, AlertLevel::code) },
                "cause": string("What moved the load (\"allocation\", \"hours reduced\", …)."),
                "load_percent": pct("The load when last rated."),
                "raised_at": { "type": "string", "format": "date-time" },
                "updated_at": { "type": "string", "format": "date-time" },
            } } },
        }
    }));
}
