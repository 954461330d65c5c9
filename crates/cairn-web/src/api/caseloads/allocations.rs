//! Allocations over the API: allocate, reallocate, history, candidates and unallocated work.

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cairn_core::caseloads::allocation::{
    self, AllocationInput, AllocationScreen, EndInput, HistoryLine,
};
use cairn_core::caseloads::unallocated::{self, Unallocated};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, string};
use crate::api::{ApiActor, created, err, id_and_body, json_reply, read_json, uuid_path};
use crate::error::AppError;
use crate::pages::casework::common::query_of;
use crate::pages::uk_time::today_in_england;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/allocations", get(child_allocations))
        .route("/people/{id}/allocation-candidates", get(candidates))
        .route("/allocations", post(allocate))
        .route("/allocations/{id}/end", post(end))
        .route("/allocations/{id}/reallocate", post(reallocate))
        .route("/teams/{id}/unallocated", get(team_unallocated))
}

fn allocation_json(h: &HistoryLine) -> Value {
    let r = &h.row;
    json!({
        "id": r.id,
        "person_id": r.person_id,
        "referral_id": r.referral_id,
        "work": r.work_kind,
        "work_id": r.work_id,
        "team": { "id": r.team_id, "name": h.team_name },
        "worker": { "id": r.worker_id, "name": h.worker_name },
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "reason": r.reason,
        "end_reason": r.end_reason,
        "load_before_centi": r.load_before_centi,
        "load_after_centi": r.load_after_centi,
        "capacity_centi": r.capacity_centi,
        "rating": r.rating,
        "override_reason": r.override_reason,
        "overridden_by": r.overridden_by,
        "back_dated": r.back_dated,
        "created_at": r.created_at.and_utc(),
        "created_by": { "id": r.created_by, "name": h.created_by_name },
        "version": r.version,
    })
}

fn load_json(l: &cairn_domain::caseloads::load::Load) -> Value {
    json!({
        "cases": l.cases,
        "pieces_of_work": l.pieces_of_work,
        "weighted_centi": l.weighted.centi(),
        "capacity_centi": l.capacity.centi(),
        "percent": l.percent,
        "rating": l.rating.code(),
    })
}

fn screen_json(s: &AllocationScreen) -> Value {
    json!({
        "person_id": s.child.id,
        "child_name": s.child.display_name,
        "referral_id": s.referral_id,
        "work": s.work,
        "team": { "id": s.team_id, "name": s.team_name },
        "model": s.model_name,
        "adds": { "weight_centi": s.adds.weight.centi(), "counts_as": s.adds.counts_as.code() },
        "current": s.current.as_ref().map(|h| json!({
            "allocation_id": h.allocation.id,
            "worker": { "id": h.allocation.worker_id, "name": h.worker_name },
            "team": { "id": h.allocation.team_id, "name": h.team_name },
            "starts_on": h.allocation.starts_on,
        })),
        "expected_version": s.expected_version,
        "candidates": s.candidates.iter().map(|c| json!({
            "worker": { "id": c.worker.user_id, "name": c.worker.display_name, "role": c.worker.role.code() },
            "load": load_json(&c.load),
            "result": load_json(&c.result),
            "overdue": c.overdue,
            "unavailable": c.unavailable,
            "holds_this": c.holds_this,
        })).collect::<Vec<_>>(),
        "siblings": s.siblings.iter().map(|o| json!({
            "person_id": o.person_id,
            "name": o.name,
            "referral_id": o.referral_id,
            "holder": o.holder_name,
            "weight_centi": o.weight.weight.centi(),
        })).collect::<Vec<_>>(),
    })
}

fn unallocated_json(u: &Unallocated) -> Value {
    json!({
        "team_id": u.team_id,
        "team_name": u.team_name,
        "escalate_after_working_days": u.escalate_after_working_days,
        "children": u.children.iter().map(|w| json!({
            "person_id": w.child.id,
            "child_name": w.child.display_name,
            "referral_id": w.referral_id,
            "referral_date": w.referral_date,
            "team": { "id": w.team_id, "name": w.team_name },
            "waiting_since": w.waiting_since,
            "working_days": w.working_days,
            "risk": w.risk,
            "rag": w.rag,
            "escalated": w.escalated,
        })).collect::<Vec<_>>(),
    })
}

async fn child_allocations(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let result = state
        .db(move |c| {
            let (child, lines) = allocation::history(c, &actor, &id)?;
            Ok(json!({
                "person_id": child.id,
                "child_name": child.display_name,
                "allocations": lines.iter().map(allocation_json).collect::<Vec<_>>(),
            }))
        })
        .await;
    json_reply(&headers, result)
}

async fn candidates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some(id) = uuid_path(&id) else {
        return err(&headers, AppError::NotFound);
    };
    let query = query_of(q);
    let (work, team) = (query.string("work"), query.string("team"));
    let today = today_in_england();
    let result = state
        .db(move |c| {
            let s = allocation::screen(
                c,
                &actor,
                &id,
                &work,
                Some(team.as_str()).filter(|t| !t.is_empty()),
                today,
            )?;
            Ok(screen_json(&s))
        })
        .await;
    json_reply(&headers, result)
}

/// The body of `POST /allocations`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllocateBody {
    pub person_id: String,
    pub work: String,
    pub team_id: String,
    pub worker_id: String,
    pub starts_on: Option<NaiveDate>,
    pub reason: String,
    pub override_reason: String,
    pub expected_version: Option<i32>,
    pub siblings: Vec<String>,
}

impl AllocateBody {
    fn input(self) -> AllocationInput {
        AllocationInput {
            work: self.work,
            team_id: self.team_id,
            worker_id: self.worker_id,
            starts_on: self.starts_on,
            reason: self.reason,
            override_reason: self.override_reason,
            expected_version: self.expected_version,
            siblings: self.siblings,
        }
    }
}

/// The services name the start date as the form does; the API as its body does.
fn renamed(e: cairn_core::ServiceError) -> AppError {
    match e {
        cairn_core::ServiceError::Invalid(errors) => {
            let mut out = cairn_domain::validation::FieldErrors::new();
            for f in errors.iter() {
                let field = match f.field.as_str() {
                    "started_on" => "starts_on",
                    "ended_on" => "ends_on",
                    "worker" => "worker_id",
                    "team" => "team_id",
                    other => other,
                };
                out.push(field, f.message.clone());
            }
            cairn_core::ServiceError::Invalid(out).into()
        }
        other => other.into(),
    }
}

fn done_json(person_id: &str, done: &allocation::Allocated) -> Response {
    created(
        &format!("/api/v1/people/{person_id}/allocations"),
        json!({
            "ids": done.ids,
            "rating": done.rating.code(),
            "overridden": done.overridden,
            "back_dated": done.back_dated,
        }),
    )
}

async fn allocate(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let b: AllocateBody = match read_json(&headers, req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(person_id) = uuid_path(b.person_id.trim()) else {
        return err(
            &headers,
            cairn_core::ServiceError::invalid("person_id", "person_id must be a child's id"),
        );
    };
    let today = today_in_england();
    let pid = person_id.clone();
    match state
        .db(move |c| allocation::allocate(c, &actor, &pid, &b.input(), today).map_err(renamed))
        .await
    {
        Ok(done) => done_json(&person_id, &done),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /allocations/{id}/reallocate`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReallocateBody {
    pub team_id: String,
    pub worker_id: String,
    pub starts_on: Option<NaiveDate>,
    pub reason: String,
    pub override_reason: String,
    pub expected_version: Option<i32>,
}

async fn reallocate(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_body::<ReallocateBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = AllocationInput {
        work: String::new(),
        team_id: b.team_id,
        worker_id: b.worker_id,
        starts_on: b.starts_on,
        reason: b.reason,
        override_reason: b.override_reason,
        expected_version: b.expected_version,
        siblings: Vec::new(),
    };
    let today = today_in_england();
    match state
        .db(move |c| {
            let done = allocation::reallocate(c, &actor, &id, &input, today).map_err(renamed)?;
            let person = cairn_db::caseloads::allocations::find(
                c,
                done.ids.first().map(String::as_str).unwrap_or_default(),
            )?
            .map(|r| r.person_id)
            .unwrap_or_default();
            Ok((person, done))
        })
        .await
    {
        Ok((person, done)) => done_json(&person, &done),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /allocations/{id}/end`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndBody {
    pub ends_on: Option<NaiveDate>,
    pub reason: String,
    pub expected_version: Option<i32>,
}

async fn end(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_body::<EndBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = EndInput {
        ends_on: b.ends_on,
        reason: b.reason,
        expected_version: b.expected_version,
        person_id: None,
    };
    let today = today_in_england();
    match state
        .db(move |c| allocation::end(c, &actor, &id, &input, today).map_err(renamed))
        .await
    {
        Ok(()) => axum::http::StatusCode::NO_CONTENT.into_response(),
        Err(e) => err(&headers, e),
    }
}

async fn team_unallocated(
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
            Ok(unallocated_json(&unallocated::list(
                c,
                &actor,
                Some(&id),
                today,
            )?))
        })
        .await;
    json_reply(&headers, result)
}

fn responses(code: &str, description: &str, schema: &str) -> Value {
    crate::api::doc::responses(
        &[
            ("401", "No valid API token."),
            (
                "403",
                "The token's user or scopes may not do this (recorded in the audit log).",
            ),
            ("404", "Not found."),
            (
                "409",
                "Someone else allocated or changed this first; the message says who holds it now.",
            ),
            ("422", "Some fields need correcting; `fields` lists them."),
        ],
        code,
        description,
        schema,
    )
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    paths.insert("/people/{id}/allocations".into(), json!({
        "get": {
            "summary": "Who has held a child's case and work",
            "description": "Every allocation of the child's case and of pieces of work in it, newest first, with the load each was made against. Audited against the child. Needs scope casework:read.",
            "parameters": [id_param("The child's person id.")],
            "responses": responses("200", "The allocation history.", "AllocationHistory"),
        }
    }));
    paths.insert("/people/{id}/allocation-candidates".into(), json!({
        "get": {
            "summary": "The allocation screen's data",
            "description": "Each worker of the team (`team`, else the current holder's, the caller's own or the episode's) with their weighted load, capacity and rating today, the result of adding this work, their overdue casework and whether they can be chosen; siblings who can be allocated together; and the version to send back. `work` is `case` (default), `assessment:<id>` or `section47:<id>`. For team and service managers; audited against the child. Needs scope workload:write.",
            "parameters": [
                id_param("The child's person id."),
                { "name": "work", "in": "query", "required": false, "schema": { "type": "string" } },
                { "name": "team", "in": "query", "required": false, "schema": { "type": "string", "format": "uuid" } }
            ],
            "responses": responses("200", "The candidates.", "AllocationCandidates"),
        }
    }));
    paths.insert("/allocations".into(), json!({
        "post": {
            "summary": "Allocate a child's case or a piece of work",
            "description": "Ends whoever held it before (a reason is then required) and starts the new allocation, with the siblings chosen. starts_on defaults to today; an earlier day is recorded as back-dated and the snapshots from that day are retaken. A result over the worker's red safe working level needs override_reason. A disabled or departed worker, a worker outside team_id and a closed episode are refused. Send expected_version from the candidates: a stale one is refused with 409. Needs scope workload:write.",
            "requestBody": body("AllocationInput"),
            "responses": responses("201", "Allocated.", "AllocationCreated"),
        }
    }));
    paths.insert("/allocations/{id}/reallocate".into(), json!({
        "post": {
            "summary": "Reallocate the work of an open allocation",
            "description": "As POST /allocations, for the work this allocation holds; reason is required and expected_version is this allocation's version. Needs scope workload:write.",
            "parameters": [id_param("The allocation's id.")],
            "requestBody": body("ReallocationInput"),
            "responses": responses("201", "Reallocated.", "AllocationCreated"),
        }
    }));
    paths.insert("/allocations/{id}/end".into(), json!({
        "post": {
            "summary": "End an allocation without giving the work to anyone",
            "description": "A case goes back on its team's unallocated list. reason is required; ends_on defaults to today and may be earlier (not before the start). Needs scope workload:write.",
            "parameters": [id_param("The allocation's id.")],
            "requestBody": body("AllocationEndInput"),
            "responses": {
                "204": { "description": "Ended." },
                "401": { "description": "No valid API token." },
                "403": { "description": "Not allowed." },
                "404": { "description": "Not found." },
                "409": { "description": "Already ended or changed." },
                "422": { "description": "Some fields need correcting." }
            },
        }
    }));
    paths.insert("/teams/{id}/unallocated".into(), json!({
        "get": {
            "summary": "A team's children waiting for allocation",
            "description": "Open episodes nobody holds, longest waiting first, with the wait in working days and the front door's risk rating. Needs scope workload:read.",
            "parameters": [id_param("The team's id.")],
            "responses": responses("200", "The children waiting.", "UnallocatedWork"),
        }
    }));
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let person = json!({ "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" } } });
    let date = |d: &str| json!({ "type": ["string", "null"], "format": "date", "description": d });
    let load = json!({
        "type": "object",
        "properties": {
            "cases": { "type": "integer" },
            "pieces_of_work": { "type": "integer" },
            "weighted_centi": { "type": "integer", "description": "Hundredths of a point." },
            "capacity_centi": { "type": "integer" },
            "percent": { "type": ["integer", "null"] },
            "rating": { "type": "string", "enum": ["green", "amber", "red"] }
        }
    });
    s.insert("Allocation".into(), json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "person_id": { "type": "string", "format": "uuid" },
            "referral_id": { "type": "string", "format": "uuid" },
            "work": { "type": "string", "enum": ["case", "assessment", "section47"] },
            "work_id": string("The referral for a case; the assessment or enquiry otherwise."),
            "team": person, "worker": person,
            "starts_on": date("First day held."), "ends_on": date("Day it ended; null while held."),
            "reason": string("Why this worker."), "end_reason": { "type": ["string", "null"] },
            "load_before_centi": { "type": ["integer", "null"] },
            "load_after_centi": { "type": ["integer", "null"] },
            "capacity_centi": { "type": ["integer", "null"] },
            "rating": { "type": ["string", "null"], "enum": ["green", "amber", "red", null] },
            "override_reason": { "type": ["string", "null"] },
            "overridden_by": { "type": ["string", "null"] },
            "back_dated": { "type": "boolean" },
            "created_at": { "type": "string", "format": "date-time" },
            "created_by": person,
            "version": { "type": "integer" }
        }
    }));
    s.insert("AllocationHistory".into(), json!({
        "type": "object",
        "properties": {
            "person_id": { "type": "string", "format": "uuid" },
            "child_name": string("The child."),
            "allocations": { "type": "array", "items": { "$ref": "#/components/schemas/Allocation" } }
        }
    }));
    s.insert("AllocationCandidates".into(), json!({
        "type": "object",
        "properties": {
            "person_id": { "type": "string" }, "child_name": { "type": "string" },
            "referral_id": { "type": "string" }, "work": { "type": "string" },
            "team": person, "model": string("The workload model in force."),
            "adds": { "type": "object", "properties": { "weight_centi": { "type": "integer" }, "counts_as": { "type": "string" } } },
            "current": { "type": ["object", "null"] },
            "expected_version": { "type": "integer", "description": "Send it back with the allocation." },
            "candidates": { "type": "array", "items": { "type": "object", "properties": {
                "worker": person, "load": load, "result": load,
                "overdue": { "type": ["integer", "null"] },
                "unavailable": { "type": ["string", "null"], "description": "Why the worker cannot be chosen." },
                "holds_this": { "type": "boolean" }
            } } },
            "siblings": { "type": "array", "items": { "type": "object" } }
        }
    }));
    s.insert("AllocationInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["person_id", "team_id", "worker_id"],
        "properties": {
            "person_id": { "type": "string", "format": "uuid" },
            "work": string("case (default), assessment:<id> or section47:<id>."),
            "team_id": { "type": "string", "format": "uuid" },
            "worker_id": { "type": "string", "format": "uuid" },
            "starts_on": date("Defaults to today; not in the future."),
            "reason": string("Required when someone holds the work now."),
            "override_reason": string("Required when the result is over the red level."),
            "expected_version": { "type": ["integer", "null"], "description": "From the candidates." },
            "siblings": { "type": "array", "items": { "type": "string", "format": "uuid" } }
        }
    }));
    s.insert("ReallocationInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["team_id", "worker_id", "reason"],
        "properties": {
            "team_id": { "type": "string", "format": "uuid" },
            "worker_id": { "type": "string", "format": "uuid" },
            "starts_on": date("Defaults to today."),
            "reason": string("Why the work moves."),
            "override_reason": string("Required when the result is over the red level."),
            "expected_version": { "type": ["integer", "null"], "description": "The allocation's version." }
        }
    }));
    s.insert(
        "AllocationEndInput".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["reason"],
            "properties": {
                "ends_on": date("Defaults to today."),
                "reason": string("Why the allocation ends."),
                "expected_version": { "type": ["integer", "null"] }
            }
        }),
    );
    s.insert(
        "AllocationCreated".into(),
        json!({
            "type": "object",
            "properties": {
                "ids": { "type": "array", "items": { "type": "string", "format": "uuid" } },
                "rating": { "type": "string", "enum": ["green", "amber", "red"] },
                "overridden": { "type": "boolean" },
                "back_dated": { "type": "boolean" }
            }
        }),
    );
    s.insert("UnallocatedWork".into(), json!({
        "type": "object",
        "properties": {
            "team_id": { "type": ["string", "null"] }, "team_name": { "type": ["string", "null"] },
            "escalate_after_working_days": { "type": "integer" },
            "children": { "type": "array", "items": { "type": "object", "properties": {
                "person_id": { "type": "string" }, "child_name": { "type": "string" },
                "referral_id": { "type": "string" }, "referral_date": { "type": "string", "format": "date" },
                "team": person, "waiting_since": { "type": "string", "format": "date" },
                "working_days": { "type": "integer" }, "risk": { "type": "string" },
                "rag": { "type": ["string", "null"] }, "escalated": { "type": "boolean" }
            } } }
        }
    }));
}
