//! Strategy discussions, section 47 enquiries, visits and closing actions over the API,
//! through the same services as the pages (scopes `casework:read` and `casework:write`).
//! Changes to an enquiry or an action carry the `version` last read; a stale one is a 409.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use cairn_core::ServiceError;
use cairn_core::casework::actions::{self, ActionInput};
use cairn_core::casework::section47::{self, OutcomeInput, Section47View};
use cairn_core::casework::strategy::{self, ParticipantInput, StrategyInput, StrategyView};
use cairn_core::casework::visits::{self, VisitInput, VisitView};
use cairn_domain::casework::{ActionStatus, Agency, Section47Outcome, StrategyDecision, VisitKind};
use cairn_domain::validation::FieldErrors;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, string};
use crate::api::{ApiActor, created, err, get_by_id, id_and_body, json_reply};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/episodes/{id}/strategy-discussions",
            post(record_discussion),
        )
        .route(
            "/strategy-discussions/{id}",
            get_by_id(|c, actor, id| strategy::view(c, actor, id).map(|v| discussion_json(&v))),
        )
        .route(
            "/section47/{id}",
            get_by_id(|c, actor, id| section47::view(c, actor, id).map(|v| section47_json(&v))),
        )
        .route("/section47/{id}/outcome", post(record_outcome))
        .route("/section47/{id}/sign-off", post(sign_off))
        .route("/episodes/{id}/visits", post(record_visit))
        .route(
            "/visits/{id}",
            get_by_id(|c, actor, id| visits::view(c, actor, id).map(|v| visit_json(&v))),
        )
        .route("/actions/{id}/close", post(close_action))
}

/// An RFC 3339 time as stored (UTC); a field error naming `field` when it cannot be read.
fn instant(field: &str, text: Option<&str>) -> Result<Option<NaiveDateTime>, ServiceError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| Some(t.naive_utc()))
            .map_err(|_| {
                ServiceError::invalid(
                    field,
                    &format!("{field} must be a date and time such as 2024-05-03T10:00:00+01:00"),
                )
            }),
    }
}

/// The services name the time fields as the forms do; the API names them as its bodies do.
fn renamed(e: ServiceError, from: &str, to: &str) -> ServiceError {
    match e {
        ServiceError::Invalid(errors) => {
            let mut out = FieldErrors::new();
            for f in errors.iter() {
                let field = if f.field == from {
                    to
                } else {
                    f.field.as_str()
                };
                out.push(field, f.message.clone());
            }
            ServiceError::Invalid(out)
        }
        other => other,
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParticipantBody {
    pub agency: String,
    pub name: String,
    pub role: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionBody {
    pub description: String,
    pub owner_user_id: Option<String>,
    pub owner_name: String,
    pub due_on: Option<NaiveDate>,
}

impl ActionBody {
    fn into_input(self) -> ActionInput {
        ActionInput {
            description: self.description,
            owner_user_id: self.owner_user_id,
            owner_name: self.owner_name,
            due_on: self.due_on,
        }
    }
}

/// The body of `POST /episodes/{id}/strategy-discussions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscussionBody {
    pub held_at: Option<String>,
    pub participants: Vec<ParticipantBody>,
    pub information_shared: String,
    pub decision: String,
    pub rationale: String,
    pub chair_user_id: Option<String>,
    pub actions: Vec<ActionBody>,
}

fn discussion_json(v: &StrategyView) -> Value {
    let d = &v.discussion;
    json!({
        "id": d.id,
        "referral_id": d.referral_id,
        "person_id": d.person_id,
        "child_name": v.child.display_name,
        "held_at": d.held_at.and_utc(),
        "held_on": v.held_on,
        "decision": d.decision,
        "rationale": d.rationale,
        "information_shared": d.information_shared,
        "chair": { "id": d.chaired_by, "name": v.chair_name },
        "participants": v.participants.iter().map(|p| json!({
            "agency": p.agency, "name": p.name, "role": p.role,
        })).collect::<Vec<_>>(),
        "missing_agencies": v.missing_agencies,
        "warning": v.warning,
        "actions": v.actions.iter().map(|a| json!({
            "id": a.id,
            "description": a.description,
            "owner_user_id": a.owner_user_id,
            "owner_name": a.owner_name,
            "due_on": a.due_on,
            "status": a.status,
            "version": a.version,
        })).collect::<Vec<_>>(),
        "section47_id": v.section47.as_ref().map(|s| s.id.clone()),
        "version": d.version,
    })
}

async fn record_discussion(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (referral_id, b) = match id_and_body::<DiscussionBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let held_at = match instant("held_at", b.held_at.as_deref()) {
        Ok(t) => t,
        Err(e) => return err(&headers, e),
    };
    let input = StrategyInput {
        held_at,
        participants: b
            .participants
            .into_iter()
            .map(|p| ParticipantInput {
                agency: p.agency,
                name: p.name,
                role: p.role,
            })
            .collect(),
        information_shared: b.information_shared,
        decision: b.decision,
        rationale: b.rationale,
        chair_user_id: b.chair_user_id,
        actions: b.actions.into_iter().map(ActionBody::into_input).collect(),
    };
    let result = state
        .db(move |c| {
            strategy::record(c, &actor, &referral_id, &input)
                .map_err(|e| renamed(e, "held", "held_at").into())
        })
        .await;
    match result {
        Ok(done) => created(
            &format!("/api/v1/strategy-discussions/{}", done.id),
            json!({
                "id": done.id,
                "section47_id": done.section47_id,
                "missing_agencies": done.missing_agencies,
                "warning": strategy::absence_warning(&done.missing_agencies),
            }),
        ),
        Err(e) => err(&headers, e),
    }
}

fn section47_json(v: &Section47View) -> Value {
    let e = &v.enquiry;
    json!({
        "id": e.id,
        "referral_id": e.referral_id,
        "person_id": e.person_id,
        "child_name": v.child.display_name,
        "strategy_discussion_id": e.strategy_discussion_id,
        "started_on": e.started_on,
        "icpc_target": { "date": v.icpc_due.date, "basis": v.icpc_due.basis },
        "outcome": e.outcome,
        "outcome_on": e.outcome_on,
        "outcome_notes": e.outcome_notes,
        "icpc_not_required": v.icpc_not_required,
        "recorded_by": v.recorded_by_name,
        "signed_off_by": v.signed_off_by_name,
        "signed_off_at": e.signed_off_at.map(|t| t.and_utc()),
        "initial_conference": v.initial_conference.as_ref().map(|c| json!({ "id": c.id, "held_on": c.held_on })),
        "needs_conference": v.needs_conference,
        "version": e.version,
    })
}

/// The body of `POST /section47/{id}/outcome`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeBody {
    pub version: i32,
    pub outcome: String,
    pub outcome_on: Option<NaiveDate>,
    pub notes: String,
}

/// The body of `POST /section47/{id}/sign-off`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VersionBody {
    pub version: i32,
}

/// The enquiry's version after a change, to send with the next one.
fn changed(c: &mut cairn_db::DbConn, id: &str) -> Result<Value, AppError> {
    let row = cairn_db::casework::section47::find(c, id)?.ok_or(AppError::NotFound)?;
    Ok(json!({
        "id": row.id,
        "outcome": row.outcome,
        "signed_off": row.signed_off_at.is_some(),
        "version": row.version,
    }))
}

async fn record_outcome(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_body::<OutcomeBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = OutcomeInput {
        outcome: b.outcome,
        outcome_on: b.outcome_on,
        notes: b.notes,
    };
    let result = state
        .db(move |c| {
            section47::record_outcome(c, &actor, &id, b.version, &input)?;
            changed(c, &id)
        })
        .await;
    json_reply(&headers, result)
}

async fn sign_off(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_body::<VersionBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let settings = state.settings.clone();
    let result = state
        .db(move |c| {
            section47::sign_off(c, &actor, &settings, &id, b.version)?;
            changed(c, &id)
        })
        .await;
    json_reply(&headers, result)
}

/// The body of `POST /episodes/{id}/visits`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VisitBody {
    pub visited_at: Option<String>,
    pub kind: String,
    pub child_seen: Option<bool>,
    pub not_seen_reason: String,
    pub seen_alone: Option<bool>,
    pub bedroom_seen: Option<bool>,
    pub present: String,
    pub observations: String,
}

fn visit_json(v: &VisitView) -> Value {
    let x = &v.visit;
    json!({
        "id": x.id,
        "referral_id": x.referral_id,
        "person_id": x.person_id,
        "child_name": v.child.display_name,
        "visited_at": x.visited_at.and_utc(),
        "visited_on": v.visited_on,
        "kind": x.kind,
        "child_seen": x.child_seen,
        "not_seen_reason": x.not_seen_reason,
        "seen_alone": x.seen_alone,
        "bedroom_seen": x.bedroom_seen,
        "present": x.present,
        "observations": x.observations,
        "worker": { "id": x.worker_id, "name": v.worker_name },
    })
}

async fn record_visit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (referral_id, b) = match id_and_body::<VisitBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let visited_at = match instant("visited_at", b.visited_at.as_deref()) {
        Ok(t) => t,
        Err(e) => return err(&headers, e),
    };
    let input = VisitInput {
        visited_at,
        kind: b.kind,
        child_seen: b.child_seen,
        not_seen_reason: b.not_seen_reason,
        seen_alone: b.seen_alone,
        bedroom_seen: b.bedroom_seen,
        present: b.present,
        observations: b.observations,
    };
    match state
        .db(move |c| {
            visits::record(c, &actor, &referral_id, &input)
                .map_err(|e| renamed(e, "visited", "visited_at").into())
        })
        .await
    {
        Ok(id) => created(&format!("/api/v1/visits/{id}"), json!({ "id": id })),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /actions/{id}/close`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloseBody {
    pub version: i32,
    /// "done" or "cancelled".
    pub status: String,
    pub note: String,
}

async fn close_action(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, b) = match id_and_body::<CloseBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let status = match ActionStatus::from_code(b.status.trim()) {
        Some(s @ (ActionStatus::Done | ActionStatus::Cancelled)) => s,
        _ => {
            return err(
                &headers,
                ServiceError::invalid("status", "status must be \"done\" or \"cancelled\""),
            );
        }
    };
    let result = state
        .db(move |c| {
            actions::close(c, &actor, &id, b.version, status, &b.note)?;
            let row = cairn_db::casework::actions::find(c, &id)?.ok_or(AppError::NotFound)?;
            Ok(json!({ "id": row.id, "status": row.status, "version": row.version }))
        })
        .await;
    json_reply(&headers, result)
}

// ---- the OpenAPI document ----

/// The responses of every operation here: its success and the errors they share.
fn responses(code: &str, description: &str, schema: &str) -> Value {
    crate::api::doc::responses(
        &[
            ("401", "No valid API token."),
            (
                "403",
                "The token's user or scopes may not do this (recorded in the audit log, naming the child).",
            ),
            ("404", "Not found."),
            (
                "409",
                "The episode is closed, or someone else changed the record first (send the version you last read).",
            ),
            ("422", "Some fields need correcting; `fields` lists them."),
        ],
        code,
        description,
        schema,
    )
}

fn codes<T: cairn_domain::codes::CodeList>(list: &[T]) -> Vec<&'static str> {
    list.iter().map(|c| c.code()).collect()
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    paths.insert("/episodes/{id}/strategy-discussions".into(), json!({
        "post": {
            "summary": "Record a strategy discussion in an open episode",
            "description": "held_at may not be in the future or before the referral date. Participants need at least children's social care and one other agency; police or health absent is a warning (missing_agencies), not a refusal. The chair defaults to you. Blank actions are dropped; each other action needs a description, an owner (a user id or a name) and a due date on or after the discussion. A decision of section_47 starts the enquiry on the discussion's date (UK), unless an enquiry in the episode is still open (no outcome yet, or waiting for its initial conference) or concluded after that date: a 422 naming it. Needs scope casework:write.",
            "parameters": [id_param("The referral (CIN episode) id.")],
            "requestBody": body("StrategyDiscussionInput"),
            "responses": responses("201", "Recorded.", "StrategyDiscussionCreated"),
        }
    }));
    paths.insert("/strategy-discussions/{id}".into(), json!({
        "get": {
            "summary": "Read a strategy discussion",
            "description": "Who took part, what was shared, the decision and reasons, the actions and the enquiry it started. Audited against the child. Needs scope casework:read.",
            "parameters": [id_param("The strategy discussion's id.")],
            "responses": responses("200", "The discussion.", "StrategyDiscussion"),
        }
    }));
    paths.insert("/section47/{id}".into(), json!({
        "get": {
            "summary": "Read a section 47 enquiry",
            "description": "With the initial child protection conference target (census InitialCPCtarget) and how it was computed. Audited against the child. Needs scope casework:read.",
            "parameters": [id_param("The enquiry's id.")],
            "responses": responses("200", "The enquiry.", "Section47Enquiry"),
        }
    }));
    paths.insert("/section47/{id}/outcome".into(), json!({
        "post": {
            "summary": "Record (or correct) a section 47 enquiry's outcome",
            "description": "The date may not be before the enquiry started or in the future. Allowed until a manager signs it off, and while no initial conference is recorded. Needs scope casework:write.",
            "parameters": [id_param("The enquiry's id.")],
            "requestBody": body("Section47OutcomeInput"),
            "responses": responses("200", "Recorded; the new version.", "Section47Changed"),
        }
    }));
    paths.insert("/section47/{id}/sign-off".into(), json!({
        "post": {
            "summary": "Sign off a section 47 enquiry's outcome",
            "description": "For team and service managers, once an outcome is recorded. A manager may not sign off an outcome they recorded unless the authority allows it (409). Needs scope casework:write.",
            "parameters": [id_param("The enquiry's id.")],
            "requestBody": body("Section47SignOff"),
            "responses": responses("200", "Signed off; the new version.", "Section47Changed"),
        }
    }));
    paths.insert("/episodes/{id}/visits".into(), json!({
        "post": {
            "summary": "Record a visit to the child in an open episode",
            "description": "visited_at may not be in the future or before the referral date. A child not seen needs not_seen_reason; a child seen needs seen_alone. You are recorded as the visitor. Needs scope casework:write.",
            "parameters": [id_param("The referral (CIN episode) id.")],
            "requestBody": body("VisitInput"),
            "responses": responses("201", "Recorded.", "VisitCreated"),
        }
    }));
    paths.insert(
        "/visits/{id}".into(),
        json!({
            "get": {
                "summary": "Read a visit",
                "description": "Audited against the child. Needs scope casework:read.",
                "parameters": [id_param("The visit's id.")],
                "responses": responses("200", "The visit.", "Visit"),
            }
        }),
    );
    paths.insert("/actions/{id}/close".into(), json!({
        "post": {
            "summary": "Close an action as done or cancelled",
            "description": "With a note of what was done or why it is no longer needed. Anyone who records casework may close an action; who closed it is kept. Needs scope casework:write.",
            "parameters": [id_param("The action's id.")],
            "requestBody": body("ActionClose"),
            "responses": responses("200", "Closed; the new version.", "ActionClosed"),
        }
    }));
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let agencies: Vec<&str> = strategy::participant_agencies()
        .iter()
        .map(Agency::code)
        .collect();
    let decisions = codes(StrategyDecision::ALL);
    let outcomes = codes(Section47Outcome::ALL);
    let kinds = codes(VisitKind::ALL);
    let date = |d: &str| json!({ "type": "string", "format": "date", "description": d });
    let date_time = |d: &str| json!({ "type": "string", "format": "date-time", "description": d });
    let uuid = json!({ "type": "string", "format": "uuid" });
    let version = json!({ "type": "integer", "description": "The version last read." });
    let participant = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["agency", "name"],
        "properties": {
            "agency": { "type": "string", "enum": agencies },
            "name": string("Their name."),
            "role": string("Their role, for example detective constable.")
        }
    });
    let action_input = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "description": string("What needs to happen."),
            "owner_user_id": { "type": ["string", "null"], "format": "uuid", "description": "An owner with an account in Cairn." },
            "owner_name": string("Otherwise the owner's name and agency."),
            "due_on": date("When it is due (YYYY-MM-DD).")
        }
    });
    s.insert("StrategyDiscussionInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["held_at", "participants", "information_shared", "decision", "rationale"],
        "properties": {
            "held_at": date_time("When it was held, RFC 3339 (for example 2024-05-03T10:00:00+01:00)."),
            "participants": { "type": "array", "items": participant },
            "information_shared": string("What each agency knew and shared."),
            "decision": { "type": "string", "enum": decisions },
            "rationale": string("The reasons for the decision."),
            "chair_user_id": { "type": ["string", "null"], "format": "uuid", "description": "Default: you." },
            "actions": { "type": "array", "items": action_input }
        }
    }));
    s.insert("StrategyDiscussionCreated".into(), json!({
        "type": "object",
        "required": ["id", "missing_agencies"],
        "properties": {
            "id": uuid,
            "section47_id": { "type": ["string", "null"], "format": "uuid", "description": "The enquiry started, when the decision was section_47." },
            "missing_agencies": { "type": "array", "items": { "type": "string", "enum": ["police", "health"] } },
            "warning": { "type": ["string", "null"] }
        }
    }));
    s.insert("StrategyDiscussion".into(), json!({
        "type": "object",
        "properties": {
            "id": uuid, "referral_id": uuid, "person_id": uuid,
            "child_name": { "type": "string" },
            "held_at": date_time("When it was held (UTC)."),
            "held_on": date("The date it was held, in England."),
            "decision": { "type": "string", "enum": decisions },
            "rationale": { "type": "string" },
            "information_shared": { "type": "string" },
            "chair": { "type": "object", "properties": { "id": uuid, "name": { "type": "string" } } },
            "participants": { "type": "array", "items": participant },
            "missing_agencies": { "type": "array", "items": { "type": "string", "enum": ["police", "health"] } },
            "warning": { "type": ["string", "null"] },
            "actions": { "type": "array", "items": { "type": "object", "properties": {
                "id": uuid, "description": { "type": "string" },
                "owner_user_id": { "type": ["string", "null"] }, "owner_name": { "type": "string" },
                "due_on": date("Due."), "status": { "type": "string", "enum": ["open", "done", "cancelled"] },
                "version": { "type": "integer" }
            } } },
            "section47_id": { "type": ["string", "null"], "format": "uuid" },
            "version": { "type": "integer" }
        }
    }));
    s.insert("Section47Enquiry".into(), json!({
        "type": "object",
        "properties": {
            "id": uuid, "referral_id": uuid, "person_id": uuid, "strategy_discussion_id": uuid,
            "child_name": { "type": "string" },
            "started_on": date("The date of the strategy discussion that started it (census S47ActualStartDate)."),
            "icpc_target": { "type": "object", "properties": {
                "date": date("The initial conference target (census InitialCPCtarget)."),
                "basis": string("How the date was computed.")
            } },
            "outcome": { "type": ["string", "null"], "enum": outcomes.iter().map(|o| Value::from(*o)).chain([Value::Null]).collect::<Vec<_>>() },
            "outcome_on": { "type": ["string", "null"], "format": "date" },
            "outcome_notes": { "type": ["string", "null"] },
            "icpc_not_required": { "type": ["boolean", "null"], "description": "The census ICPCnotRequired flag, once there is an outcome." },
            "recorded_by": { "type": ["string", "null"] },
            "signed_off_by": { "type": ["string", "null"] },
            "signed_off_at": { "type": ["string", "null"], "format": "date-time" },
            "initial_conference": { "type": ["object", "null"], "properties": { "id": uuid, "held_on": date("Held.") } },
            "needs_conference": { "type": "boolean" },
            "version": { "type": "integer" }
        }
    }));
    s.insert(
        "Section47OutcomeInput".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "outcome", "outcome_on"],
            "properties": {
                "version": version,
                "outcome": { "type": "string", "enum": outcomes },
                "outcome_on": date("When the enquiry concluded."),
                "notes": string("What it found and why this outcome.")
            }
        }),
    );
    s.insert(
        "Section47SignOff".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["version"],
            "properties": { "version": version }
        }),
    );
    s.insert(
        "Section47Changed".into(),
        json!({
            "type": "object",
            "required": ["id", "version"],
            "properties": {
                "id": uuid,
                "outcome": { "type": ["string", "null"] },
                "signed_off": { "type": "boolean" },
                "version": { "type": "integer", "description": "Send this with the next change." }
            }
        }),
    );
    s.insert("VisitInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["visited_at", "kind", "child_seen", "bedroom_seen", "observations"],
        "properties": {
            "visited_at": date_time("When the visit was, RFC 3339."),
            "kind": { "type": "string", "enum": kinds },
            "child_seen": { "type": "boolean" },
            "not_seen_reason": string("Needed when the child was not seen."),
            "seen_alone": { "type": ["boolean", "null"], "description": "Needed when the child was seen." },
            "bedroom_seen": { "type": "boolean" },
            "present": string("Who was present."),
            "observations": string("What was seen and heard.")
        }
    }));
    s.insert(
        "VisitCreated".into(),
        json!({
            "type": "object", "required": ["id"], "properties": { "id": uuid }
        }),
    );
    s.insert("Visit".into(), json!({
        "type": "object",
        "properties": {
            "id": uuid, "referral_id": uuid, "person_id": uuid,
            "child_name": { "type": "string" },
            "visited_at": date_time("When (UTC)."),
            "visited_on": date("The date in England."),
            "kind": { "type": "string", "enum": kinds },
            "child_seen": { "type": "boolean" },
            "not_seen_reason": { "type": ["string", "null"] },
            "seen_alone": { "type": "boolean" },
            "bedroom_seen": { "type": "boolean" },
            "present": { "type": "string" },
            "observations": { "type": "string" },
            "worker": { "type": "object", "properties": { "id": uuid, "name": { "type": "string" } } }
        }
    }));
    s.insert(
        "ActionClose".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "status", "note"],
            "properties": {
                "version": version,
                "status": { "type": "string", "enum": ["done", "cancelled"] },
                "note": string("What was done, or why the action is no longer needed.")
            }
        }),
    );
    s.insert(
        "ActionClosed".into(),
        json!({
            "type": "object",
            "required": ["id", "status", "version"],
            "properties": {
                "id": uuid,
                "status": { "type": "string", "enum": ["done", "cancelled"] },
                "version": { "type": "integer" }
            }
        }),
    );
}
