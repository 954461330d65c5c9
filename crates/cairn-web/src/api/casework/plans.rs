//! Conferences, child protection plans and child in need plans over the API: the same services
//! as the pages, so the same checks, events and audit rows apply. Reading needs scope
//! `casework:read`; recording needs `casework:write`.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use cairn_core::casework::actions::ActionInput;
use cairn_core::casework::conferences::{self, IcpcInput, PersonInRole, ReviewInput};
use cairn_core::casework::plans::{self, CinPlanInput, CinReviewInput, EndInput, MeetingInput};
use cairn_core::{Actor, ServiceError, ServiceResult};
use cairn_db::DbConn;
use cairn_domain::dates::parse_iso_date;
use cairn_domain::validation::FieldErrors;
use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, reference, string};
use crate::api::{ApiActor, created, err, get_by_id, id_and_body};
use crate::state::AppState;

/// A `YYYY-MM-DD` date; blank is missing (the service says it is needed).
fn date(field: &str, text: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match parse_iso_date(text) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(field, format!("{field} must be a date such as 2024-05-28"));
            None
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonBody {
    pub name: String,
    pub agency: String,
    pub role: String,
}

fn people(rows: Vec<PersonBody>) -> Vec<PersonInRole> {
    rows.into_iter()
        .map(|p| PersonInRole {
            name: p.name,
            agency: p.agency,
            role: p.role,
        })
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionBody {
    pub description: String,
    pub owner_user_id: Option<String>,
    pub owner_name: String,
    pub due_on: String,
}

fn actions(rows: Vec<ActionBody>, errors: &mut FieldErrors) -> Vec<ActionInput> {
    rows.into_iter()
        .enumerate()
        .map(|(i, a)| ActionInput {
            due_on: date(&format!("actions-{}-due", i + 1), &a.due_on, errors),
            description: a.description,
            owner_user_id: a.owner_user_id,
            owner_name: a.owner_name,
        })
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IcpcBody {
    pub held_on: String,
    pub chair: String,
    pub attendees: Vec<PersonBody>,
    pub decision: String,
    pub category: String,
    pub summary: String,
    pub core_group: Vec<PersonBody>,
    pub actions: Vec<ActionBody>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewBody {
    pub held_on: String,
    pub chair: String,
    pub attendees: Vec<PersonBody>,
    pub decision: String,
    pub category: String,
    pub summary: String,
    pub version: i32,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndBody {
    pub ended_on: String,
    pub reason: String,
    pub version: i32,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeetingBody {
    pub held_on: String,
    pub summary: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CinPlanBody {
    pub started_on: String,
    pub actions: Vec<ActionBody>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CinReviewBody {
    pub held_on: String,
    pub decision: String,
    pub summary: String,
    pub version: i32,
}

/// Every write here has one shape: the path's id and the JSON body, the body read into the
/// service's input (dates that cannot be read are refused together, before anything is
/// recorded), then the service on a pooled connection. Gives back the id with the result.
async fn record<B, I, T>(
    state: &AppState,
    actor: Actor,
    headers: &HeaderMap,
    raw_id: &str,
    req: Request,
    input: impl FnOnce(B, &mut FieldErrors) -> I,
    service: fn(&mut DbConn, &Actor, &str, &I) -> ServiceResult<T>,
) -> Result<(String, T), Response>
where
    B: DeserializeOwned,
    I: Send + 'static,
    T: Send + 'static,
{
    let (id, b) = id_and_body::<B>(headers, raw_id, req).await?;
    let mut errors = FieldErrors::new();
    let input = input(b, &mut errors);
    if !errors.is_empty() {
        return Err(err(headers, ServiceError::Invalid(errors)));
    }
    let target = id.clone();
    let done = state
        .db(move |c| Ok(service(c, &actor, &target, &input)?))
        .await
        .map_err(|e| err(headers, e))?;
    Ok((id, done))
}

pub async fn record_icpc(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let input = |b: IcpcBody, errors: &mut FieldErrors| IcpcInput {
        held_on: date("held_on", &b.held_on, errors),
        chair: b.chair,
        attendees: people(b.attendees),
        decision: b.decision,
        category: b.category,
        summary: b.summary,
        core_group: people(b.core_group),
        actions: actions(b.actions, errors),
    };
    match record(
        &state,
        actor,
        &headers,
        &id,
        req,
        input,
        conferences::record_icpc,
    )
    .await
    {
        Ok((_, done)) => created(
            &format!("/api/v1/conferences/{}", done.conference_id),
            json!(done),
        ),
        Err(r) => r,
    }
}

pub async fn review_cp_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let input = |b: ReviewBody, errors: &mut FieldErrors| ReviewInput {
        held_on: date("held_on", &b.held_on, errors),
        chair: b.chair,
        attendees: people(b.attendees),
        decision: b.decision,
        category: b.category,
        summary: b.summary,
        version: b.version,
    };
    match record(
        &state,
        actor,
        &headers,
        &id,
        req,
        input,
        conferences::record_review,
    )
    .await
    {
        Ok((_, conference)) => created(
            &format!("/api/v1/conferences/{conference}"),
            json!({ "conference_id": conference }),
        ),
        Err(r) => r,
    }
}

fn end_input(b: EndBody, errors: &mut FieldErrors) -> EndInput {
    EndInput {
        ended_on: date("ended_on", &b.ended_on, errors),
        reason: b.reason,
        version: b.version,
    }
}

pub async fn end_cp_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    match record(
        &state,
        actor,
        &headers,
        &id,
        req,
        end_input,
        plans::end_cp_plan,
    )
    .await
    {
        Ok((id, ())) => Json(json!({ "cp_plan_id": id, "ended": true })).into_response(),
        Err(r) => r,
    }
}

pub async fn core_group_meeting(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let input = |b: MeetingBody, errors: &mut FieldErrors| MeetingInput {
        held_on: date("held_on", &b.held_on, errors),
        summary: b.summary,
    };
    let service = plans::record_core_group_meeting;
    match record(&state, actor, &headers, &id, req, input, service).await {
        Ok((id, meeting)) => created(
            &format!("/api/v1/cp-plans/{id}"),
            json!({ "meeting_id": meeting }),
        ),
        Err(r) => r,
    }
}

pub async fn start_cin_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let input = |b: CinPlanBody, errors: &mut FieldErrors| CinPlanInput {
        started_on: date("started_on", &b.started_on, errors),
        actions: actions(b.actions, errors),
    };
    match record(
        &state,
        actor,
        &headers,
        &id,
        req,
        input,
        plans::start_cin_plan,
    )
    .await
    {
        Ok((_, plan)) => created(
            &format!("/api/v1/cin-plans/{plan}"),
            json!({ "cin_plan_id": plan }),
        ),
        Err(r) => r,
    }
}

pub async fn review_cin_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let input = |b: CinReviewBody, errors: &mut FieldErrors| CinReviewInput {
        held_on: date("held_on", &b.held_on, errors),
        decision: b.decision,
        summary: b.summary,
        version: b.version,
    };
    match record(
        &state,
        actor,
        &headers,
        &id,
        req,
        input,
        plans::record_cin_review,
    )
    .await
    {
        Ok((id, review)) => created(
            &format!("/api/v1/cin-plans/{id}"),
            json!({ "review_id": review }),
        ),
        Err(r) => r,
    }
}

pub async fn end_cin_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    match record(
        &state,
        actor,
        &headers,
        &id,
        req,
        end_input,
        plans::end_cin_plan,
    )
    .await
    {
        Ok((id, ())) => Json(json!({ "cin_plan_id": id, "ended": true })).into_response(),
        Err(r) => r,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/section47/{id}/icpc", post(record_icpc))
        .route("/conferences/{id}", get_by_id(conferences::view))
        .route("/cp-plans/{id}", get_by_id(plans::view_cp_plan))
        .route("/cp-plans/{id}/reviews", post(review_cp_plan))
        .route("/cp-plans/{id}/end", post(end_cp_plan))
        .route(
            "/cp-plans/{id}/core-group-meetings",
            post(core_group_meeting),
        )
        .route("/episodes/{id}/cin-plans", post(start_cin_plan))
        .route("/cin-plans/{id}", get_by_id(plans::view_cin_plan))
        .route("/cin-plans/{id}/reviews", post(review_cin_plan))
        .route("/cin-plans/{id}/end", post(end_cin_plan))
}

// ---- the OpenAPI document ----

/// The responses of every operation here: its success and the errors they share.
fn responses(success: &str, description: &str, schema: &str) -> Value {
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
                "Refused as things stand: the plan changed since `version` was read, the child already has an open plan, the plan has ended, the episode is closed, or the enquiry concluded no conference was needed.",
            ),
            ("422", "Some fields need correcting; `fields` lists them."),
        ],
        success,
        description,
        schema,
    )
}

fn operation(
    summary: &str,
    description: &str,
    id: &str,
    request: Option<&str>,
    response: (&str, &str, &str),
) -> Value {
    let mut op = json!({
        "summary": summary,
        "description": description,
        "parameters": [id_param(id)],
        "responses": responses(response.0, response.1, response.2),
    });
    if let Some(schema) = request {
        op["requestBody"] = body(schema);
    }
    op
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    let plan_id = "The child protection plan's id (a UUID).";
    let cin_id = "The child in need plan's id (a UUID).";
    paths.insert("/section47/{id}/icpc".into(), json!({ "post": operation(
        "Record the initial child protection conference after a section 47 enquiry",
        "Refused (409) when the enquiry concluded that no conference was needed, or one is already recorded. The date must be a weekday, not before the enquiry started and not in the future. A decision of cp_plan needs a category and starts the plan on the conference date, with its core group and actions, ending any open child in need plan that day; a child with an open plan cannot have a second. Needs scope casework:write.",
        "The section 47 enquiry's id (a UUID).",
        Some("IcpcInput"),
        ("201", "Recorded.", "IcpcRecorded"),
    )}));
    paths.insert("/conferences/{id}".into(), json!({ "get": operation(
        "Read a conference",
        "With its attendees, the actions agreed there, and for an initial conference its target date, how it was worked out and whether it was met. Audited against the child. Needs scope casework:read.",
        "The conference's id (a UUID).",
        None,
        ("200", "The conference.", "Conference"),
    )}));
    paths.insert("/cp-plans/{id}".into(), json!({ "get": operation(
        "Read a child protection plan",
        "Its core group and meetings, actions, review conferences, and what is due next (first core group, next review conference, next statutory visit), each with how the date was worked out. Audited against the child. Needs scope casework:read.",
        plan_id,
        None,
        ("200", "The plan.", "CpPlan"),
    )}));
    paths.insert("/cp-plans/{id}/reviews".into(), json!({ "post": operation(
        "Record a review conference of an open plan",
        "After the plan's start and not in the future. decision continue_plan or end_plan (which ends the plan on the conference date, the child no longer at continuing risk). A category changes the latest category; blank keeps it. Needs scope casework:write.",
        plan_id,
        Some("ReviewConferenceInput"),
        ("201", "Recorded.", "ConferenceRecorded"),
    )}));
    paths.insert("/cp-plans/{id}/end".into(), json!({ "post": operation(
        "End an open child protection plan",
        "The end date must be after the start (not the same day) and not in the future. Needs scope casework:write.",
        plan_id,
        Some("PlanEndInput"),
        ("200", "Ended.", "PlanEnded"),
    )}));
    paths.insert("/cp-plans/{id}/core-group-meetings".into(), json!({ "post": operation(
        "Record a core group meeting",
        "On or after the plan's start, not after its end and not in the future. The first meeting is measured against the first core group timescale. Needs scope casework:write.",
        plan_id,
        Some("CoreGroupMeetingInput"),
        ("201", "Recorded.", "CoreGroupMeetingRecorded"),
    )}));
    paths.insert("/episodes/{id}/cin-plans".into(), json!({ "post": operation(
        "Start a child in need plan",
        "In an open episode; on or after the referral date and not in the future. Refused (409) while the child has an open child protection plan or child in need plan; it may start on the day a protection plan ended, never inside one. Needs scope casework:write.",
        "The referral's (episode's) id (a UUID).",
        Some("CinPlanInput"),
        ("201", "Started.", "CinPlanStarted"),
    )}));
    paths.insert("/cin-plans/{id}".into(), json!({ "get": operation(
        "Read a child in need plan",
        "Its actions, reviews, and the next review and visit due with how each date was worked out. Audited against the child. Needs scope casework:read.",
        cin_id,
        None,
        ("200", "The plan.", "CinPlan"),
    )}));
    paths.insert("/cin-plans/{id}/reviews".into(), json!({ "post": operation(
        "Record a review of an open child in need plan",
        "decision continue_plan, end_plan (ends the plan on the review date) or step_up. Needs scope casework:write.",
        cin_id,
        Some("CinReviewInput"),
        ("201", "Recorded.", "CinReviewRecorded"),
    )}));
    paths.insert("/cin-plans/{id}/end".into(), json!({ "post": operation(
        "End an open child in need plan",
        "The end date must be after the start (not the same day) and not in the future. Needs scope casework:write.",
        cin_id,
        Some("PlanEndInput"),
        ("200", "Ended.", "PlanEnded"),
    )}));
}

fn date_field(description: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": description })
}

fn version() -> Value {
    json!({ "type": "integer", "description": "The plan's version when it was read (from GET); a stale version is refused with 409." })
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    s.insert("ConferencePerson".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["name", "agency"],
        "properties": {
            "name": string("Their name."),
            "agency": { "type": "string", "enum": ["social_care", "police", "health", "education", "probation", "housing", "family", "other"] },
            "role": string("Their role (optional).")
        }
    }));
    s.insert("PlanActionInput".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["description", "due_on"],
        "properties": {
            "description": string("What needs to happen."),
            "owner_user_id": { "type": ["string", "null"], "description": "The owner, if they have a Cairn account." },
            "owner_name": string("Otherwise the owner's name and agency."),
            "due_on": date_field("When it is due (YYYY-MM-DD).")
        }
    }));
    let people = |d: &str| json!({ "type": "array", "items": reference("ConferencePerson"), "description": d });
    s.insert("IcpcInput".into(), json!({
        "type": "object", "additionalProperties": false,
        "required": ["held_on", "chair", "decision", "summary"],
        "properties": {
            "held_on": date_field("The conference date: a weekday, not before the enquiry started, not in the future."),
            "chair": string("Who chaired it."),
            "attendees": people("Who attended."),
            "decision": { "type": "string", "enum": ["cp_plan", "no_plan_cin", "no_plan_nfa"] },
            "category": { "type": "string", "enum": ["", "NEG", "PHY", "SAB", "EMO", "MUL"], "description": "Initial category of abuse; required for cp_plan. MUL is discouraged." },
            "summary": string("The concerns, the views of the child and family, and the reasons for the decision."),
            "core_group": people("The plan's core group (cp_plan only)."),
            "actions": { "type": "array", "items": reference("PlanActionInput"), "description": "The plan's actions for cp_plan, otherwise the conference's own." }
        }
    }));
    s.insert("IcpcRecorded".into(), json!({
        "type": "object",
        "properties": {
            "conference_id": { "type": "string", "format": "uuid" },
            "decision": { "type": "string" },
            "cp_plan_id": { "type": ["string", "null"], "format": "uuid" },
            "ended_cin_plan_id": { "type": ["string", "null"], "format": "uuid", "description": "A child in need plan ended because the child stepped up." }
        }
    }));
    let due = json!({ "type": "object", "properties": { "date": { "type": "string", "format": "date" }, "basis": string("How the date was worked out.") } });
    let timeliness = json!({ "type": "object", "description": "status: within_target, late, not_yet_due or overdue; working_days for late and overdue.", "properties": { "status": { "type": "string" }, "working_days": { "type": "integer" } } });
    s.insert("PlanDue".into(), due);
    s.insert("PlanTimeliness".into(), timeliness);
    s.insert("Conference".into(), json!({
        "type": "object",
        "properties": {
            "conference": { "type": "object", "description": "id, referral_id, person_id, kind (initial or review), section47_id, cp_plan_id, held_on, chair, decision, category, summary" },
            "attendees": { "type": "array", "items": { "type": "object" } },
            "child": { "type": "object" },
            "target": { "oneOf": [reference("PlanDue"), { "type": "null" }] },
            "timeliness": { "oneOf": [reference("PlanTimeliness"), { "type": "null" }] },
            "actions": { "type": "array", "items": { "type": "object" } },
            "open_cin_plan_id": { "type": ["string", "null"] },
            "episode_open": { "type": "boolean" }
        }
    }));
    s.insert("CpPlan".into(), json!({
        "type": "object",
        "properties": {
            "plan": { "type": "object", "description": "id, referral_id, person_id, initial_conference_id, started_on, initial_category, latest_category, ended_on, end_reason, version" },
            "child": { "type": "object" },
            "referral_date": { "type": "string", "format": "date" },
            "timescales": string("The timescales the plan is measured against."),
            "initial_conference": { "type": ["object", "null"] },
            "core_group": { "type": "array", "items": { "type": "object" } },
            "meetings": { "type": "array", "items": { "type": "object" } },
            "first_core_group_due": reference("PlanDue"),
            "first_core_group": reference("PlanTimeliness"),
            "actions": { "type": "array", "items": { "type": "object" } },
            "reviews": { "type": "array", "items": { "type": "object", "properties": { "conference": { "type": "object" }, "due": reference("PlanDue"), "timeliness": reference("PlanTimeliness") } } },
            "next_review": { "oneOf": [reference("PlanDue"), { "type": "null" }] },
            "latest_seen_visit": { "type": ["string", "null"], "format": "date" },
            "next_visit": { "oneOf": [reference("PlanDue"), { "type": "null" }] }
        }
    }));
    s.insert("ReviewConferenceInput".into(), json!({
        "type": "object", "additionalProperties": false,
        "required": ["held_on", "chair", "decision", "summary", "version"],
        "properties": {
            "held_on": date_field("After the plan started, not in the future."),
            "chair": string("Who chaired it."),
            "attendees": people("Who attended."),
            "decision": { "type": "string", "enum": ["continue_plan", "end_plan"] },
            "category": { "type": "string", "enum": ["", "NEG", "PHY", "SAB", "EMO", "MUL"], "description": "The latest category if it changed; blank keeps it." },
            "summary": string("Progress and the reasons for the decision."),
            "version": version()
        }
    }));
    s.insert("ConferenceRecorded".into(), json!({
        "type": "object", "properties": { "conference_id": { "type": "string", "format": "uuid" } }
    }));
    s.insert("PlanEndInput".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["ended_on", "reason", "version"],
        "properties": {
            "ended_on": date_field("After the start (not the same day), not in the future."),
            "reason": string("For a child protection plan: no_longer_at_risk, moved_area, looked_after, turned_18, died, other. For a child in need plan: no_longer_in_need, stepped_up_to_cp, stepped_down, moved_area, looked_after, other."),
            "version": version()
        }
    }));
    s.insert("PlanEnded".into(), json!({
        "type": "object", "properties": { "cp_plan_id": { "type": "string" }, "cin_plan_id": { "type": "string" }, "ended": { "type": "boolean" } }
    }));
    s.insert("CoreGroupMeetingInput".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["held_on", "summary"],
        "properties": { "held_on": date_field("When the core group met."), "summary": string("Progress and what was agreed.") }
    }));
    s.insert(
        "CoreGroupMeetingRecorded".into(),
        json!({
            "type": "object", "properties": { "meeting_id": { "type": "string", "format": "uuid" } }
        }),
    );
    s.insert(
        "CinPlanInput".into(),
        json!({
            "type": "object", "additionalProperties": false, "required": ["started_on"],
            "properties": {
                "started_on": date_field("On or after the referral date, not in the future."),
                "actions": { "type": "array", "items": reference("PlanActionInput") }
            }
        }),
    );
    s.insert("CinPlanStarted".into(), json!({
        "type": "object", "properties": { "cin_plan_id": { "type": "string", "format": "uuid" } }
    }));
    s.insert("CinPlan".into(), json!({
        "type": "object",
        "properties": {
            "plan": { "type": "object", "description": "id, referral_id, person_id, started_on, ended_on, end_reason, version" },
            "child": { "type": "object" },
            "referral_date": { "type": "string", "format": "date" },
            "timescales": string("The timescales the plan is measured against."),
            "actions": { "type": "array", "items": { "type": "object" } },
            "reviews": { "type": "array", "items": { "type": "object", "properties": { "review": { "type": "object" }, "due": reference("PlanDue"), "timeliness": reference("PlanTimeliness") } } },
            "next_review": { "oneOf": [reference("PlanDue"), { "type": "null" }] },
            "latest_seen_visit": { "type": ["string", "null"], "format": "date" },
            "next_visit": { "oneOf": [reference("PlanDue"), { "type": "null" }] }
        }
    }));
    s.insert("CinReviewInput".into(), json!({
        "type": "object", "additionalProperties": false, "required": ["held_on", "decision", "summary", "version"],
        "properties": {
            "held_on": date_field("On or after the plan started, not in the future."),
            "decision": { "type": "string", "enum": ["continue_plan", "end_plan", "step_up"] },
            "summary": string("Progress and the reasons for the decision."),
            "version": version()
        }
    }));
    s.insert(
        "CinReviewRecorded".into(),
        json!({
            "type": "object", "properties": { "review_id": { "type": "string", "format": "uuid" } }
        }),
    );
}
