//! Management oversight over the API: a child's decisions and supervision discussions, one
//! decision, recording a decision, and the children whose oversight is missing or overdue.
//! Actions are listed in `GET /my-work` and closed with `POST /actions/{id}/close`, as every
//! other action is.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use cairn_core::ServiceError;
use cairn_core::casework::actions::ActionInput;
use cairn_core::recording::oversight::{
    self, DecisionView, OversightDue, OversightGap, OversightInput, OversightTab,
};
use cairn_core::recording::supervision::DiscussionView;
use cairn_db::casework::actions::CaseActionRow;
use cairn_domain::recording::OversightPoint;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, string};
use crate::api::{ApiActor, created, err, get_by_id, id_and_body, json_reply, uuid_path};
use crate::error::AppError;
use crate::pages::uk_time::today_in_england;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/people/{id}/oversight",
            get(child_oversight).post(record_decision),
        )
        .route(
            "/oversight/{id}",
            get_by_id(|c, actor, id| oversight::view(c, actor, id).map(|v| decision_json(&v))),
        )
        .route("/reports/oversight", get(gaps))
}

/// One action as every oversight and supervision body lists it.
pub fn action_json(a: &CaseActionRow) -> Value {
    json!({
        "id": a.id,
        "description": a.description,
        "owner_user_id": a.owner_user_id,
        "owner_name": a.owner_name,
        "due_on": a.due_on,
        "status": a.status,
        "completion_note": a.completion_note,
        "version": a.version,
    })
}

fn decision_json(v: &DecisionView) -> Value {
    let r = &v.record;
    json!({
        "id": r.id,
        "person_id": r.person_id,
        "referral_id": r.referral_id,
        "point": r.point,
        "point_label": v.point.label(),
        "decision": r.decision,
        "rationale": r.rationale,
        "decided_at": r.decided_at.and_utc(),
        "manager": { "id": r.manager_user_id, "name": v.manager_name },
        "actions": v.actions.iter().map(action_json).collect::<Vec<_>>(),
    })
}

/// A case discussion as the child's record shows it (never the session's private part).
pub fn discussion_json(d: &DiscussionView) -> Value {
    json!({
        "id": d.discussion.id,
        "session_id": d.session_id,
        "person_id": d.discussion.person_id,
        "child_name": d.child_name,
        "held_on": d.held_on,
        "worker": { "id": d.worker_id, "name": d.worker_name },
        "supervisor": { "id": d.supervisor_id, "name": d.supervisor_name },
        "discussion": d.discussion.discussion,
        "decisions": d.discussion.decisions,
        "actions": d.actions.iter().map(action_json).collect::<Vec<_>>(),
    })
}

fn due_json(d: &OversightDue) -> Value {
    json!({
        "referral_id": d.referral_id,
        "due_on": d.due.date,
        "basis": d.due.basis,
        "overdue": d.overdue,
        "days_overdue": d.days_overdue,
    })
}

fn tab_json(t: &OversightTab) -> Value {
    json!({
        "person_id": t.child.id,
        "child_name": t.child.display_name,
        "next_decision_due": t.due.as_ref().map(due_json),
        "decisions": t.decisions.iter().map(decision_json).collect::<Vec<_>>(),
        "supervision_discussions": t.discussions.iter().map(discussion_json).collect::<Vec<_>>(),
    })
}

fn gap_json(g: &OversightGap) -> Value {
    json!({
        "kind": g.kind,
        "point": g.point,
        "person_id": g.person_id,
        "child_name": g.child_name,
        "referral_id": g.referral_id,
        "referral_date": g.referral_date,
        "team": { "id": g.team_id, "name": g.team_name },
        "worker": { "id": g.worker_id, "name": g.worker_name },
        "managers": g.managers,
        "latest_decision": g.latest_decision,
        "due_on": g.due_on,
        "basis": g.basis,
        "days_overdue": g.days_overdue,
    })
}

async fn child_oversight(
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
        .db(move |c| Ok(tab_json(&oversight::tab(c, &actor, &id, today)?)))
        .await;
    json_reply(&headers, result)
}

async fn gaps(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
) -> Response {
    let today = today_in_england();
    let result = state
        .db(move |c| {
            let gaps = oversight::oversight_gaps(c, &actor, today)?;
            Ok(json!({
                "today": today,
                "gaps": gaps.iter().map(gap_json).collect::<Vec<_>>(),
            }))
        })
        .await;
    json_reply(&headers, result)
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
    pub fn into_input(self) -> ActionInput {
        ActionInput {
            description: self.description,
            owner_user_id: self.owner_user_id,
            owner_name: self.owner_name,
            due_on: self.due_on,
        }
    }
}

/// The body of `POST /people/{id}/oversight`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionBody {
    pub point: String,
    pub decision: String,
    pub rationale: String,
    /// RFC 3339; none means now.
    pub decided_at: Option<String>,
    pub actions: Vec<ActionBody>,
}

/// The services name fields as the forms do; the API names them as its bodies do.
fn renamed(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(errors) => {
            let mut out = FieldErrors::new();
            for f in errors.iter() {
                let field = if f.field == "decided" {
                    "decided_at"
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

async fn record_decision(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (person_id, b) = match id_and_body::<DecisionBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let decided_at = match b.decided_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(t) => Some(t.naive_utc()),
            Err(_) => {
                return err(
                    &headers,
                    ServiceError::invalid(
                        "decided_at",
                        "decided_at must be a date and time such as 2024-05-03T10:00:00+01:00",
                    ),
                );
            }
        },
    };
    let input = OversightInput {
        point: b.point,
        decision: b.decision,
        rationale: b.rationale,
        decided_at,
        actions: b.actions.into_iter().map(ActionBody::into_input).collect(),
    };
    match state
        .db(move |c| {
            oversight::record(c, &actor, &person_id, &input).map_err(|e| renamed(e).into())
        })
        .await
    {
        Ok(done) => created(
            &format!("/api/v1/oversight/{}", done.id),
            json!({ "id": done.id, "action_ids": done.action_ids }),
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
            ("404", "Not found."),
            ("422", "Some fields need correcting; `fields` lists them."),
        ],
        code,
        description,
        schema,
    )
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    paths.insert("/people/{id}/oversight".into(), json!({
        "get": {
            "summary": "A child's management decisions and supervision discussions",
            "description": "Newest first, each with its actions; for an open case, when the next management decision is due. Audited against the child. Needs scope casework:read.",
            "parameters": [id_param("The child's person id.")],
            "responses": responses("200", "The child's oversight.", "ChildOversight"),
        },
        "post": {
            "summary": "Record a management decision about a child",
            "description": "For team and service managers. The rationale is required. decided_at (RFC 3339) defaults to now and may not be in the future. Blank actions are dropped; each other action needs a description, an owner (a user id or a name) and a due date on or after the decision; actions appear in their owners' work. A decision is never changed: a later one supersedes it. Needs scope casework:write.",
            "parameters": [id_param("The child's person id.")],
            "requestBody": body("ManagementDecisionInput"),
            "responses": responses("201", "Recorded.", "ManagementDecisionCreated"),
        }
    }));
    paths.insert(
        "/oversight/{id}".into(),
        json!({
            "get": {
                "summary": "Read a management decision",
                "description": "Audited against the child. Needs scope casework:read.",
                "parameters": [id_param("The decision's id.")],
                "responses": responses("200", "The decision.", "ManagementDecision"),
            }
        }),
    );
    paths.insert("/reports/oversight".into(), json!({
        "get": {
            "summary": "Children whose management oversight is missing or overdue",
            "description": "Children with an open episode with no management decision within the interval of the recording standards (counted from the referral when there has been none), or none on or after a point at which the standards require one. A team manager's team, or every team for service managers and the recording-quality roles. Needs scope casework:read.",
            "responses": responses("200", "The gaps, most overdue first.", "OversightGaps"),
        }
    }));
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    let points: Vec<&str> = OversightPoint::ALL.iter().map(|p| p.code()).collect();
    let date = |d: &str| json!({ "type": "string", "format": "date", "description": d });
    let person = json!({
        "type": "object",
        "properties": { "id": { "type": ["string", "null"] }, "name": { "type": "string" } }
    });
    s.insert(
        "OversightAction".into(),
        json!({
            "type": "object",
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "description": string("What needs to happen."),
                "owner_user_id": { "type": ["string", "null"] },
                "owner_name": string("Who owns it."),
                "due_on": date("When it is due."),
                "status": { "type": "string", "enum": ["open", "done", "cancelled"] },
                "completion_note": { "type": ["string", "null"] },
                "version": { "type": "integer", "description": "Send it to close the action." }
            }
        }),
    );
    s.insert("OversightActionInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "description": string("What needs to happen."),
            "owner_user_id": { "type": ["string", "null"], "format": "uuid", "description": "An owner with an account in Cairn." },
            "owner_name": string("Otherwise the owner's name and agency."),
            "due_on": date("When it is due (YYYY-MM-DD).")
        }
    }));
    s.insert("ManagementDecisionInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["point", "decision", "rationale"],
        "properties": {
            "point": { "type": "string", "enum": points, "description": "What the decision is about." },
            "decision": string("What was decided."),
            "rationale": string("Why."),
            "decided_at": { "type": ["string", "null"], "format": "date-time", "description": "RFC 3339; defaults to now." },
            "actions": { "type": "array", "items": { "$ref": "#/components/schemas/OversightActionInput" } }
        }
    }));
    s.insert(
        "ManagementDecisionCreated".into(),
        json!({
            "type": "object",
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "action_ids": { "type": "array", "items": { "type": "string", "format": "uuid" } }
            }
        }),
    );
    s.insert("ManagementDecision".into(), json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "person_id": { "type": "string", "format": "uuid" },
            "referral_id": { "type": ["string", "null"], "description": "The episode open at the time." },
            "point": { "type": "string", "enum": points },
            "point_label": string("The point in words."),
            "decision": string("What was decided."),
            "rationale": string("Why."),
            "decided_at": { "type": "string", "format": "date-time" },
            "manager": person,
            "actions": { "type": "array", "items": { "$ref": "#/components/schemas/OversightAction" } }
        }
    }));
    s.insert("SupervisionDiscussion".into(), json!({
        "type": "object",
        "description": "A child's case as discussed in supervision; never the session's private part.",
        "properties": {
            "id": { "type": "string", "format": "uuid" },
            "session_id": { "type": "string", "format": "uuid" },
            "person_id": { "type": "string", "format": "uuid" },
            "child_name": string("The child."),
            "held_on": date("The day of the session."),
            "worker": person,
            "supervisor": person,
            "discussion": string("What was discussed."),
            "decisions": string("What was decided."),
            "actions": { "type": "array", "items": { "$ref": "#/components/schemas/OversightAction" } }
        }
    }));
    s.insert("ChildOversight".into(), json!({
        "type": "object",
        "properties": {
            "person_id": { "type": "string", "format": "uuid" },
            "child_name": string("The child."),
            "next_decision_due": {
                "type": ["object", "null"],
                "description": "For an open case.",
                "properties": {
                    "referral_id": { "type": "string" },
                    "due_on": date("When the next decision is due."),
                    "basis": string("How the date was worked out."),
                    "overdue": { "type": "boolean" },
                    "days_overdue": { "type": "integer" }
                }
            },
            "decisions": { "type": "array", "items": { "$ref": "#/components/schemas/ManagementDecision" } },
            "supervision_discussions": { "type": "array", "items": { "$ref": "#/components/schemas/SupervisionDiscussion" } }
        }
    }));
    s.insert("OversightGaps".into(), json!({
        "type": "object",
        "properties": {
            "today": date("The day measured."),
            "gaps": { "type": "array", "items": {
                "type": "object",
                "properties": {
                    "kind": { "type": "string", "enum": ["overdue", "missing"] },
                    "point": { "type": ["string", "null"], "enum": points.iter().map(|p| Value::from(*p)).chain([Value::Null]).collect::<Vec<_>>() },
                    "person_id": { "type": "string", "format": "uuid" },
                    "child_name": { "type": "string" },
                    "referral_id": { "type": "string", "format": "uuid" },
                    "referral_date": date("The referral date."),
                    "team": person,
                    "worker": person,
                    "managers": string("The team's managers."),
                    "latest_decision": { "type": ["string", "null"], "format": "date" },
                    "due_on": date("When a decision was due."),
                    "basis": string("Why."),
                    "days_overdue": { "type": "integer" }
                }
            } }
        }
    }));
}
