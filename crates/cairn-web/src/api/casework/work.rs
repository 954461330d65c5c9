//! Episodes, closure and work due over the API: read an episode with everything in it, ask to
//! close it, authorise or return a closure, and read "my work" and "team work". The same
//! services as the pages (scopes `casework:read` and `casework:write`).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cairn_core::ServiceError;
use cairn_core::casework::closure::{self, ClosureDecision, ClosureInput, ClosureReview};
use cairn_core::casework::my_work;
use cairn_domain::dates::parse_iso_date;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::doc::{body, id_param, reference, string};
use crate::api::{ApiActor, created, err, get_by_id, id_and_body, json_reply, uuid_path};
use crate::error::AppError;
use crate::pages::uk_time::today_in_england;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/episodes/{id}", get_by_id(my_work::episode))
        .route("/episodes/{id}/closure", post(request_closure))
        .route("/closures/{id}/review", post(review_closure))
        .route("/my-work", get(mine))
        .route("/team-work", get(team))
}

/// The body of `POST /episodes/{id}/closure`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ClosureBody {
    closed_on: String,
    reason: String,
    summary: String,
}

async fn request_closure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, body) = match id_and_body::<ClosureBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let closed_on = match body.closed_on.trim() {
        "" => None,
        text => match parse_iso_date(text) {
            Ok(d) => Some(d),
            Err(_) => {
                return err(
                    &headers,
                    ServiceError::invalid(
                        "closed_on",
                        "closed_on must be a date such as 2026-03-05",
                    ),
                );
            }
        },
    };
    let input = ClosureInput {
        closed_on,
        reason: body.reason,
        summary: body.summary,
    };
    let today = today_in_england();
    let rid = id.clone();
    match state
        .db(move |c| Ok(closure::request(c, &actor, &rid, &input, today)?))
        .await
    {
        Ok(closure_id) => created(
            &format!("/api/v1/episodes/{id}"),
            json!({ "id": closure_id, "status": "awaiting_authorisation" }),
        ),
        Err(e) => err(&headers, e),
    }
}

/// The body of `POST /closures/{id}/review`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    decision: ClosureDecision,
    #[serde(default)]
    comments: String,
    version: i32,
}

async fn review_closure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (id, body) = match id_and_body::<ReviewBody>(&headers, &id, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let review = ClosureReview {
        decision: body.decision,
        comments: body.comments,
        expected_version: body.version,
    };
    let settings = state.settings.clone();
    let today = today_in_england();
    let cid = id.clone();
    match state
        .db(move |c| Ok(closure::review(c, &actor, &settings, &cid, &review, today)?))
        .await
    {
        Ok(status) => Json(json!({ "id": id, "status": status.code() })).into_response(),
        Err(e) => err(&headers, e),
    }
}

async fn mine(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
) -> Response {
    let today = today_in_england();
    let result = state
        .db(move |c| Ok(my_work::for_user(c, &actor, today)?))
        .await;
    json_reply(&headers, result)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct TeamQuery {
    team: Option<String>,
}

async fn team(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(q): Query<TeamQuery>,
) -> Response {
    let team = match q.team.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match uuid_path(t) {
            Some(t) => Some(t),
            None => return err(&headers, AppError::NotFound),
        },
    };
    let today = today_in_england();
    let result = state
        .db(move |c| Ok(my_work::for_team(c, &actor, team.as_deref(), today)?))
        .await;
    json_reply(&headers, result)
}

/// The responses of every operation here: its success and the errors they share.
fn responses(success: &str, description: &str, schema: &str) -> Value {
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
                "Someone else got there first, or the episode is closed or cannot close now.",
            ),
            (
                "422",
                "Some fields need correcting; `fields` lists them. A refused closure lists each piece of open work under the field `closure`.",
            ),
        ],
        success,
        description,
        schema,
    )
}

pub fn add_paths(paths: &mut Map<String, Value>) {
    let episode_id = id_param("The referral (CIN episode) id, a UUID.");
    paths.insert("/episodes/{id}".into(), json!({
        "get": {
            "operationId": "getEpisode",
            "summary": "Read an episode with everything in it",
            "description": "The referral, the child, and every assessment, strategy discussion, section 47 enquiry (with its conference target), conference, plan, visit, open action and closure request in the episode; what falls due in it, each with its date and how it was worked out; and what must be finished before it can close. Audited against the child. Needs scope casework:read.",
            "parameters": [episode_id],
            "responses": responses("200", "The episode.", "Episode"),
        }
    }));
    paths.insert("/episodes/{id}/closure".into(), json!({
        "post": {
            "operationId": "requestEpisodeClosure",
            "summary": "Ask for an episode to be closed",
            "description": "Refused (422) while an assessment is not authorised, a section 47 enquiry has neither an initial conference nor an outcome saying none is needed, a plan is open or an action is open; each is listed. The closure date may not be in the future or before anything recorded in the episode (census 8565). RC8 and RC9 need an authorised assessment and no section 47 enquiry or plan; RC2 needs the child's date of death. The request then waits for a manager. Needs scope casework:write.",
            "parameters": [episode_id],
            "requestBody": body("ClosureInput"),
            "responses": responses("201", "Sent to a manager.", "ClosureCreated"),
        }
    }));
    paths.insert("/closures/{id}/review".into(), json!({
        "post": {
            "operationId": "reviewEpisodeClosure",
            "summary": "Authorise a closure, or return it with comments",
            "description": "For team and service managers, not on their own request. Authorising checks the episode again and closes it; `version` is the episode's version as last read, so of two managers deciding at once only one succeeds (409 for the other). Returning needs comments. Needs scope casework:write.",
            "parameters": [id_param("The closure request's id (a UUID).")],
            "requestBody": body("ClosureReviewInput"),
            "responses": responses("200", "Decided.", "ClosureReviewed"),
        }
    }));
    paths.insert("/my-work".into(), json!({
        "get": {
            "operationId": "getMyWork",
            "summary": "Everything due or overdue for the token's user",
            "description": "Assessments to finish, visits, conferences, core groups and reviews due on open plans, returned work and open actions, most overdue first and then soonest due; for managers also what waits for authorisation in their team. Needs scope casework:read.",
            "responses": responses("200", "The user's work.", "MyWork"),
        }
    }));
    paths.insert("/team-work".into(), json!({
        "get": {
            "operationId": "getTeamWork",
            "summary": "A team's work due and overdue, with counts per worker",
            "description": "For team managers (their own team) and service managers (any team). Needs scope casework:read.",
            "parameters": [{ "name": "team", "in": "query", "required": false, "description": "A team id; the user's own team by default.", "schema": { "type": "string", "format": "uuid" } }],
            "responses": responses("200", "The team's work.", "TeamWork"),
        }
    }));
}

fn date(description: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": description })
}

fn nullable_date(description: &str) -> Value {
    json!({ "type": ["string", "null"], "format": "date", "description": description })
}

fn due() -> Value {
    json!({ "type": "object", "properties": {
        "date": { "type": "string", "format": "date" },
        "basis": string("How the date was worked out.")
    } })
}

pub fn add_schemas(s: &mut Map<String, Value>) {
    s.insert("ClosureInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["closed_on", "reason", "summary"],
        "properties": {
            "closed_on": date("The closure date (census CINclosureDate); not in the future."),
            "reason": { "type": "string", "enum": ["RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9"], "description": "Census ReasonForClosure." },
            "summary": string("The closing summary."),
        }
    }));
    s.insert("ClosureCreated".into(), json!({
        "type": "object",
        "properties": { "id": string("The closure request's id."), "status": { "type": "string", "enum": ["awaiting_authorisation"] } }
    }));
    s.insert("ClosureReviewInput".into(), json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["decision", "version"],
        "properties": {
            "decision": { "type": "string", "enum": ["authorise", "return"] },
            "comments": string("Required when returning."),
            "version": { "type": "integer", "description": "The episode's `referral.version` as last read." },
        }
    }));
    s.insert("ClosureReviewed".into(), json!({
        "type": "object",
        "properties": { "id": string("The closure request's id."), "status": { "type": "string", "enum": ["authorised", "returned"] } }
    }));
    s.insert("WorkItem".into(), json!({
        "type": "object",
        "properties": {
            "kind": { "type": "string", "enum": ["assessment", "returned_assessment", "returned_closure", "visit", "initial_conference", "review_conference", "first_core_group", "cin_plan_review", "action", "authorise_assessment", "sign_off_section47", "authorise_closure"] },
            "what": string("What is due, in words."),
            "person_id": string("The child."),
            "child_name": string("The child's name."),
            "referral_id": { "type": ["string", "null"], "description": "The episode, when the work belongs to one." },
            "worker_id": { "type": ["string", "null"], "description": "Whose work it is; null in an episode with no worker." },
            "worker_name": string("Their name."),
            "due_on": date("When it is due."),
            "basis": string("How the due date was worked out."),
            "days_overdue": { "type": "integer", "minimum": 0 },
            "href": string("The page of the record."),
        }
    }));
    s.insert(
        "WorkCounts".into(),
        json!({
            "type": "object",
            "properties": {
                "total": { "type": "integer" },
                "overdue": { "type": "integer" },
                "to_authorise": { "type": "integer" },
            }
        }),
    );
    s.insert("MyWork".into(), json!({
        "type": "object",
        "properties": {
            "items": { "type": "array", "items": reference("WorkItem"), "description": "Most overdue first, then soonest due." },
            "counts": reference("WorkCounts"),
            "authorises": { "type": "boolean", "description": "Whether work to authorise in the user's team is included." },
        }
    }));
    s.insert(
        "TeamWork".into(),
        json!({
            "type": "object",
            "properties": {
                "team_id": string("The team."),
                "team_name": string("Its name."),
                "open_episodes": { "type": "integer" },
                "items": { "type": "array", "items": reference("WorkItem") },
                "workers": { "type": "array", "items": { "type": "object", "properties": {
                    "worker_id": { "type": ["string", "null"] },
                    "name": { "type": "string" },
                    "total": { "type": "integer" },
                    "overdue": { "type": "integer" },
                    "to_authorise": { "type": "integer" },
                } } },
            }
        }),
    );
    s.insert("Episode".into(), json!({
        "type": "object",
        "properties": {
            "referral": { "type": "object", "description": "The referral: id, person_id, referral_date, referral_source, primary_need, team_id, worker_id, closed_on, closure_reason, version …" },
            "child": reference("PersonSummary"),
            "team_name": string("The team holding the episode."),
            "worker_name": { "type": ["string", "null"] },
            "assessments": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "kind": { "type": "string" }, "status": { "type": "string" },
                "started_on": date("Start."), "authorised_on": nullable_date("Authorisation."),
                "due": { "oneOf": [due(), { "type": "null" }] }, "overdue": { "type": "boolean" } } } },
            "strategy_discussions": { "type": "array", "items": { "type": "object" } },
            "section47": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "started_on": date("Start (the strategy discussion)."),
                "outcome": { "type": ["string", "null"] }, "icpc_target": due(),
                "icpc_on": nullable_date("The initial conference, if held."),
                "icpc_not_required": { "type": "boolean" } } } },
            "conferences": { "type": "array", "items": { "type": "object" } },
            "cp_plans": { "type": "array", "items": { "type": "object" } },
            "cin_plans": { "type": "array", "items": { "type": "object" } },
            "visits": { "type": "array", "items": { "type": "object" } },
            "open_actions": { "type": "array", "items": { "type": "object" } },
            "closures": { "type": "array", "items": { "type": "object" } },
            "due": { "type": "array", "items": reference("WorkItem") },
            "blockers": { "type": "array", "items": { "type": "object", "properties": { "what": { "type": "string" }, "href": { "type": "string" } } }, "description": "What must be finished before the episode can close." },
            "earliest_closure_on": date("The earliest date the episode may close on (census 8565)."),
            "earliest_closure_basis": string("What happened on that date."),
            "staff": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Staff names by user id." },
        }
    }));
}
