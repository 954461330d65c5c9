//! Supervision over the API: the sessions the token's user was in, one session (only for the
//! two people in it and their line management), recording a session with the cases discussed,
//! and the workers whose supervision is overdue.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use cairn_core::recording::supervision::{
    self, DiscussionInput, SessionInput, SessionView, SupervisionDue,
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::oversight::{ActionBody, discussion_json};
use crate::api::doc::{body, id_param, string};
use crate::api::{ApiActor, created, err, get_by_id, json_reply, read_json};
use crate::pages::uk_time::today_in_england;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/supervision/sessions", get(mine).post(record))
        .route(
            "/supervision/sessions/{id}",
            get_by_id(|c, actor, id| {
                supervision::view_session(c, actor, id).map(|v| session_json(&v))
            }),
        )
        .route("/supervision/overdue", get(overdue))
}

fn session_json(v: &SessionView) -> Value {
    let s = &v.session;
    json!({
        "id": s.id,
        "held_on": s.held_on,
        "duration_minutes": s.duration_minutes,
        "worker": { "id": s.worker_user_id, "name": v.worker_name },
        "supervisor": { "id": s.supervisor_user_id, "name": v.supervisor_name },
        "warning": v.warning,
        "private": {
            "reflective_discussion": s.reflective_discussion,
            "wellbeing": s.wellbeing,
            "workload": s.workload,
            "learning": s.learning,
        },
        "discussions": v.discussions.iter().map(discussion_json).collect::<Vec<_>>(),
    })
}

fn due_json(s: &SupervisionDue) -> Value {
    json!({
        "worker": { "id": s.worker_id, "name": s.worker_name },
        "team": { "id": s.team_id, "name": s.team_name },
        "supervisor": { "id": s.supervisor_id, "name": s.supervisor_name },
        "newly_qualified_from": s.newly_qualified_from,
        "last_session": s.last_session,
        "due_on": s.due.date,
        "frequency": s.due.frequency,
        "basis": s.due.basis,
        "overdue": s.overdue,
        "days_overdue": s.days_overdue,
    })
}

async fn mine(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
) -> Response {
    let result = state
        .db(move |c| {
            let sessions = supervision::my_sessions(c, &actor)?;
            Ok(json!({
                "sessions": sessions.iter().map(|s| json!({
                    "id": s.id,
                    "held_on": s.held_on,
                    "duration_minutes": s.duration_minutes,
                    "worker": { "id": s.worker_id, "name": s.worker_name },
                    "supervisor": { "id": s.supervisor_id, "name": s.supervisor_name },
                })).collect::<Vec<_>>(),
            }))
        })
        .await;
    json_reply(&headers, result)
}

async fn overdue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
) -> Response {
    let today = today_in_england();
    let result = state
        .db(move |c| {
            let list = supervision::overdue_supervision(c, &actor, today)?;
            Ok(json!({
                "today": today,
                "overdue": list.iter().map(due_json).collect::<Vec<_>>(),
            }))
        })
        .await;
    json_reply(&headers, result)
}

/// One case discussed, in the body of `POST /supervision/sessions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscussionBody {
    pub person_id: String,
    pub discussion: String,
    pub decisions: String,
    pub actions: Vec<ActionBody>,
}

/// The body of `POST /supervision/sessions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionBody {
    pub worker_user_id: String,
    pub held_on: Option<NaiveDate>,
    pub duration_minutes: Option<u32>,
    pub reflective_discussion: String,
    pub wellbeing: String,
    pub workload: String,
    pub learning: String,
    pub discussions: Vec<DiscussionBody>,
}

async fn record(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let b = match read_json::<SessionBody>(&headers, req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let input = SessionInput {
        worker_user_id: b.worker_user_id,
        held_on: b.held_on,
        duration_minutes: b.duration_minutes,
        reflective_discussion: b.reflective_discussion,
        wellbeing: b.wellbeing,
        workload: b.workload,
        learning: b.learning,
        discussions: b
            .discussions
            .into_iter()
            .map(|d| DiscussionInput {
                person_id: d.person_id,
                discussion: d.discussion,
                decisions: d.decisions,
                actions: d.actions.into_iter().map(ActionBody::into_input).collect(),
            })
            .collect(),
    };
    match state
        .db(move |c| Ok(supervision::record_session(c, &actor, &input)?))
        .await
    {
        Ok(done) => created(
            &format!("/api/v1/supervision/sessions/{}", done.id),
            json!({
                "id": done.id,
                "discussion_ids": done.discussion_ids,
                "warning": done.warning,
            }),
        ),
        Err(e) => err(&headers, e),
    }
}

fn responses(code: &str, description: &str, schema: &str) -> Value {
    crate::api::doc::responses(
        &[
            ("401", "No valid API token."),
            (
                "403",
                "The token's user or scopes may not do this (recorded in the audit log).",
            ),
            (
                "404",
                "Not found, or a session you are not allowed to read (the attempt is audited).",
            ),
            ("422", "Some fields need correcting; `fields` lists them."),
        ],
        code,
        description,
        schema,
    )
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    paths.insert("/supervision/sessions".into(), json!({
        "get": {
            "summary": "Supervision sessions you were in",
            "description": "As the worker or the supervisor, newest first; never the private text. Needs scope casework:read.",
            "responses": responses("200", "Your sessions.", "SupervisionSessions"),
        },
        "post": {
            "summary": "Record a supervision session",
            "description": "You are the supervisor; you may not record your own supervision. held_on may not be in the future; duration_minutes 1 to 600 (shorter than the standard is recorded with a warning). reflective_discussion is required; wellbeing, workload and learning are optional: these four are private to the worker, the supervisor and the worker's line management. Each discussion names a child in the worker's open cases and is written onto that child's record, with its actions (owners see them in their work). For senior practitioners and managers. Needs scope casework:write.",
            "requestBody": body("SupervisionSessionInput"),
            "responses": responses("201", "Recorded.", "SupervisionSessionCreated"),
        }
    }));
    paths.insert("/supervision/sessions/{id}".into(), json!({
        "get": {
            "summary": "Read a supervision session",
            "description": "With its private part and every case discussed. Only the worker, the supervisor, team managers of the worker's team and service managers may read it: anyone else gets 404, and the attempt is audited. Needs scope casework:read.",
            "parameters": [id_param("The session's id.")],
            "responses": responses("200", "The session.", "SupervisionSession"),
        }
    }));
    paths.insert("/supervision/overdue".into(), json!({
        "get": {
            "summary": "Workers whose supervision is overdue",
            "description": "Weekly then fortnightly for newly qualified workers, then at the standard interval; a worker with no profile at the standard interval from their last session or from when their account was made. A team manager's team, or every team for service managers and the recording-quality roles. Needs scope casework:read.",
            "responses": responses("200", "Overdue supervision, most overdue first.", "SupervisionOverdue"),
        }
    }));
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let date = |d: &str| json!({ "type": "string", "format": "date", "description": d });
    let person = json!({
        "type": "object",
        "properties": { "id": { "type": ["string", "null"] }, "name": { "type": "string" } }
    });
    let line = json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "held_on": date("The day of the session."),
            "duration_minutes": { "type": "integer" },
            "worker": person,
            "supervisor": person
        }
    });
    s.insert(
        "SupervisionSessions".into(),
        json!({
            "type": "object",
            "properties": { "sessions": { "type": "array", "items": line } }
        }),
    );
    s.insert("SupervisionDiscussionInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["person_id", "discussion"],
        "properties": {
            "person_id": { "type": "string", "format": "uuid", "description": "A child in the worker's open cases." },
            "discussion": string("What was discussed."),
            "decisions": string("What was decided."),
            "actions": { "type": "array", "items": { "$ref": "#/components/schemas/OversightActionInput" } }
        }
    }));
    s.insert("SupervisionSessionInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["worker_user_id", "held_on", "duration_minutes", "reflective_discussion"],
        "properties": {
            "worker_user_id": { "type": "string", "format": "uuid" },
            "held_on": date("The day of the session (YYYY-MM-DD)."),
            "duration_minutes": { "type": "integer", "minimum": 1, "maximum": 600 },
            "reflective_discussion": string("Private."),
            "wellbeing": string("Private."),
            "workload": string("Private."),
            "learning": string("Private."),
            "discussions": { "type": "array", "items": { "$ref": "#/components/schemas/SupervisionDiscussionInput" } }
        }
    }));
    s.insert("SupervisionSessionCreated".into(), json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "discussion_ids": { "type": "array", "items": { "type": "string", "format": "uuid" } },
            "warning": { "type": ["string", "null"], "description": "When shorter than the standard." }
        }
    }));
    s.insert("SupervisionSession".into(), json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "held_on": date("The day of the session."),
            "duration_minutes": { "type": "integer" },
            "worker": person,
            "supervisor": person,
            "warning": { "type": ["string", "null"] },
            "private": {
                "type": "object",
                "properties": {
                    "reflective_discussion": { "type": "string" },
                    "wellbeing": { "type": "string" },
                    "workload": { "type": "string" },
                    "learning": { "type": "string" }
                }
            },
            "discussions": { "type": "array", "items": { "$ref": "#/components/schemas/SupervisionDiscussion" } }
        }
    }));
    s.insert("SupervisionOverdue".into(), json!({
        "type": "object",
        "properties": {
            "today": date("The day measured."),
            "overdue": { "type": "array", "items": {
                "type": "object",
                "properties": {
                    "worker": person,
                    "team": person,
                    "supervisor": person,
                    "newly_qualified_from": { "type": ["string", "null"], "format": "date" },
                    "last_session": { "type": ["string", "null"], "format": "date" },
                    "due_on": date("When the next session was due."),
                    "frequency": { "type": "string", "enum": ["weekly", "fortnightly", "standard"] },
                    "basis": string("How the date was worked out."),
                    "overdue": { "type": "boolean" },
                    "days_overdue": { "type": "integer" }
                }
            } }
        }
    }));
}
